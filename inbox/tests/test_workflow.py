"""The inbox's work around a message: queued replies on a paused channel, concurrent staff, saved replies, round
robin, out-of-hours answers, working days and holidays, escalation up the three tiers with reminders, and keeping
the public who merely wrote out of "all members" broadcasts. No test reads the wall clock for its outcome: moments
are explicit (timezone.now is pinned where the rule depends on the hour or the day)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from bakohumas.locking import ConflictError
from broadcasts import engine
from broadcasts import services as broadcast_services
from broadcasts.models import Delivery
from channels import services as channel_services
from inbox import services
from inbox.models import Conversation, Escalation, Holiday, Message, SavedReply
from inbox.selectors import conversations_visible_to, folder
from inbox.tests.conftest import whatsapp_body
from inbox.workdays import add_working_days, next_working_moment
from members.models import Consent, Member, Purpose

WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.fixture
def pin_now(monkeypatch):
    """Pin django.utils.timezone.now (what every rule here asks) to a moment; returns a setter."""

    def pin(moment: datetime) -> datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(UTC))
        return moment

    return pin


# A reply while the channel is paused --------------------------------------------------------------------------

def test_it_queues_a_reply_while_the_channel_is_paused_and_sends_it_on_activation(
        madiun, wa_channel, fake_wa, admin, operator, client_for, post_webhook, django_capture_on_commit_callbacks):
    post_webhook(wa_channel, whatsapp_body(text="Kapan debat kandidat?", message_id="wamid.P1"))
    conversation = Conversation.objects.get()
    channel_services.set_channel_status(actor=admin, channel=wa_channel, active=False)
    client = client_for(operator)
    detail = reverse("inbox:conversation_detail", args=[conversation.pk])
    assert "Dijeda: balasan menunggu dalam antrean sampai kanal aktif" in client.get(detail).text
    with django_capture_on_commit_callbacks(execute=True):          # the pump the reply queued runs, and waits
        response = client.post(reverse("inbox:conversation_reply", args=[conversation.pk]),
                               {"text": "Debat pertama 12 Desember.", "version": conversation.version})
        post_webhook(wa_channel, whatsapp_body(text="Terima kasih", message_id="wamid.P2"))   # still received
    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.text, delivery.recipient) == ("queued", "Debat pertama 12 Desember.",
                                                                   "+6281230000001")
    assert Message.objects.get(direction="out").delivery == delivery
    assert engine.pump(wa_channel.pk, seconds=2).accepted == 0 and fake_wa.requests == []
    assert conversation.messages.filter(direction="in").count() == 2
    page = client.get(detail).text
    assert "Debat pertama 12 Desember." in page and "Antre" in page

    with django_capture_on_commit_callbacks(execute=True):
        channel_services.set_channel_status(actor=admin, channel=wa_channel, active=True)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.provider_message_id.startswith("wamid.FAKE")
    assert [r.json["text"]["body"] for r in fake_wa.requests] == ["Debat pertama 12 Desember."]
    assert "Dijeda" not in client.get(detail).text


# Two staff at once ----------------------------------------------------------------------------------------------

def test_it_refuses_a_reply_written_while_something_new_arrived_until_it_is_reread(
        madiun, wa_channel, fake_wa, post_webhook, operator, make_staff):
    post_webhook(wa_channel, whatsapp_body(text="Apakah saya terdaftar?", message_id="wamid.C1"))
    conversation = Conversation.objects.get()
    seen = conversation.version
    colleague = make_staff(madiun, Role.EDITOR)
    services.add_note(actor=colleague, conversation=conversation, text="Sudah dicek di SIDALIH")
    with pytest.raises(ConflictError):
        services.reply(actor=operator, conversation=conversation, text="Ya, terdaftar.", expected_version=seen)
    seen = Conversation.objects.get().version
    post_webhook(wa_channel, whatsapp_body(text="Di TPS berapa?", message_id="wamid.C2"))
    with pytest.raises(ConflictError):
        services.reply(actor=operator, conversation=conversation, text="Ya, terdaftar.", expected_version=seen)
    assert not Delivery.objects.exists()
    services.reply(actor=operator, conversation=conversation, text="Ya, di TPS 12.",
                   expected_version=Conversation.objects.get().version)
    assert list(Delivery.objects.values_list("text", flat=True)) == ["Ya, di TPS 12."]


def test_it_refuses_a_reply_to_a_closed_conversation_clearly(madiun, wa_channel, post_webhook, operator):
    post_webhook(wa_channel, whatsapp_body(text="Halo", message_id="wamid.Z1"))
    old = Conversation.objects.get()
    services.close(actor=operator, conversation=old)
    post_webhook(wa_channel, whatsapp_body(text="Halo lagi", message_id="wamid.Z2"))
    assert Conversation.objects.exclude(status="closed").count() == 1
    with pytest.raises(ValidationError):
        services.reply(actor=operator, conversation=old, text="Jawaban untuk yang lama", expected_version=None)


# Saved replies --------------------------------------------------------------------------------------------------

@pytest.fixture
def saved_replies(madiun, kab_madiun, admin):
    services.save_reply_template(actor=admin, office=madiun, shortcode="jadwal", title="Jadwal",
                                 text="Jadwal tahapan ada di kpu.go.id/jadwal.")
    services.save_reply_template(actor=None, office=kab_madiun, shortcode="tps", title="TPS kabupaten",
                                 text="Teks kabupaten")


@pytest.mark.parametrize(("typed", "sent"), [
    ("/jadwal", "Jadwal tahapan ada di kpu.go.id/jadwal."),
    ("  /JADWAL  ", "Jadwal tahapan ada di kpu.go.id/jadwal."),
    ("/jadwal Salam, KPU Kota Madiun", "Jadwal tahapan ada di kpu.go.id/jadwal. Salam, KPU Kota Madiun"),
    ("Bukan kode /jadwal", "Bukan kode /jadwal"),
])
def test_it_expands_a_saved_reply_code(typed, sent, madiun, wa_channel, post_webhook, operator, saved_replies):
    post_webhook(wa_channel, whatsapp_body(text="Jadwalnya?"))
    message = services.reply(actor=operator, conversation=Conversation.objects.get(), text=typed,
                             expected_version=None)
    assert message.text == sent and Delivery.objects.get().text == sent


@pytest.mark.parametrize("typed", ["/tidakada", "/tps", "/tps tambahan"])
def test_it_refuses_an_unknown_or_other_office_code_and_sends_nothing(typed, madiun, wa_channel, post_webhook,
                                                                        operator, saved_replies):
    post_webhook(wa_channel, whatsapp_body(text="Halo"))
    with pytest.raises(ValidationError) as error:
        services.reply(actor=operator, conversation=Conversation.objects.get(), text=typed, expected_version=None)
    code = typed.split()[0]
    assert error.value.message_dict == {"text": [f"Tidak ada balasan tersimpan dengan kode {code}."]}
    assert not Delivery.objects.exists() and not Message.objects.filter(direction="out").exists()


def test_it_expands_a_saved_reply_code_followed_by_a_new_line(madiun, wa_channel, post_webhook, operator,
                                                               saved_replies):
    post_webhook(wa_channel, whatsapp_body(text="Jadwalnya?"))
    message = services.reply(actor=operator, conversation=Conversation.objects.get(),
                             text="/jadwal\nTerima kasih.", expected_version=None)
    assert message.text.startswith("Jadwal tahapan ada di kpu.go.id/jadwal.") and "Terima kasih." in message.text


def test_it_refuses_an_expanded_saved_reply_over_4096_characters(madiun, wa_channel, post_webhook, operator, admin):
    services.save_reply_template(actor=admin, office=madiun, shortcode="panjang", title="Panjang", text="a" * 4000)
    post_webhook(wa_channel, whatsapp_body(text="Halo"))
    conversation = Conversation.objects.get()
    with pytest.raises(ValidationError) as error:
        services.reply(actor=operator, conversation=conversation, text="/panjang " + "b" * 96, expected_version=None)
    assert error.value.message_dict == {"text": ["Balasan paling banyak 4096 karakter."]}
    services.reply(actor=operator, conversation=conversation, text="/panjang " + "b" * 95, expected_version=None)
    assert len(Delivery.objects.get().text) == 4096


@pytest.mark.parametrize(("shortcode", "stored"), [("jadwal-pemilu", "jadwal-pemilu"), ("/TPS_12", "tps_12"),
                                                    (" info ", "info"), ("k" * 30, "k" * 30)])
def test_it_normalises_a_shortcode(shortcode, stored, madiun, admin):
    saved = services.save_reply_template(actor=admin, office=madiun, shortcode=shortcode, title="Judul",
                                         text="Isi")
    assert saved.shortcode == stored
    assert AuditEntry.objects.filter(action="saved_reply.saved", after__shortcode=stored).count() == 1


@pytest.mark.parametrize(("values", "errors"), [
    ({"shortcode": "dua kata"}, {"shortcode"}),
    ({"shortcode": "titik.koma;"}, {"shortcode"}),
    ({"shortcode": ""}, {"shortcode"}),
    ({"shortcode": "/"}, {"shortcode"}),
    ({"shortcode": "k" * 31}, {"shortcode"}),
    ({"shortcode": "JADWAL"}, {"shortcode"}),            # taken, whatever the case
    ({"title": "  "}, {"title"}),
    ({"text": ""}, {"text"}),
    ({"shortcode": "", "title": "", "text": ""}, {"shortcode", "title", "text"}),
])
def test_it_refuses_a_bad_saved_reply_with_each_reason(values, errors, madiun, admin, saved_replies):
    fields = {"shortcode": "baru", "title": "Judul", "text": "Isi", **values}
    with pytest.raises(ValidationError) as error:
        services.save_reply_template(actor=admin, office=madiun, **fields)
    assert set(error.value.message_dict) == errors
    assert SavedReply.objects.filter(office=madiun).count() == 1


def test_it_allows_the_same_code_in_another_office_and_edits_in_place(madiun, kab_madiun, admin,
                                                                                  saved_replies):
    other = services.save_reply_template(actor=None, office=kab_madiun, shortcode="jadwal", title="Jadwal kab",
                                         text="Teks kabupaten")
    mine = SavedReply.objects.get(office=madiun, shortcode="jadwal")
    services.save_reply_template(actor=admin, office=madiun, saved=mine, shortcode="jadwal", title="Jadwal baru",
                                 text="Teks baru")
    mine.refresh_from_db()
    assert (mine.title, mine.text, other.office) == ("Jadwal baru", "Teks baru", kab_madiun)


# Round robin ----------------------------------------------------------------------------------------------------

def test_it_alternates_new_conversations_between_the_staff_on_duty(madiun, kab_madiun, wa_channel, post_webhook,
                                                               make_staff):
    first = make_staff(madiun, Role.OPERATOR, on_duty=True)
    second = make_staff(madiun, Role.VERIFIER, on_duty=True)
    make_staff(madiun, Role.OPERATOR)                               # not on duty
    make_staff(madiun, Role.VIEWER, on_duty=True)                   # on duty but cannot answer
    make_staff(madiun, Role.OPERATOR, on_duty=True, is_active=False)
    make_staff(kab_madiun, Role.OPERATOR, on_duty=True)             # another office
    for i in range(4):
        post_webhook(wa_channel, whatsapp_body(text="Pertanyaan", sender=f"+62812300000{i + 1:02d}",
                                               message_id=f"wamid.RR{i}"))
    post_webhook(wa_channel, whatsapp_body(text="Susulan", sender="+6281230000001", message_id="wamid.RR9"))
    owners = list(Conversation.objects.order_by("pk").values_list("assigned_to", flat=True))
    assert owners == [first.pk, second.pk, first.pk, second.pk]     # a later message does not reassign
    assert AuditEntry.objects.filter(action="conversation.assigned", after__how="round robin").count() == 4


def test_it_leaves_a_conversation_unassigned_with_nobody_on_duty(madiun, wa_channel, post_webhook, operator):
    post_webhook(wa_channel, whatsapp_body(text="Halo"))
    conversation = Conversation.objects.get()
    assert conversation.assigned_to is None
    assert list(folder(operator, "unassigned")) == [conversation]
    assert not AuditEntry.objects.filter(action="conversation.assigned").exists()


# Out-of-hours answers --------------------------------------------------------------------------------------------

@pytest.fixture
def office_hours(madiun):
    madiun.out_of_hours_reply = True
    madiun.office_hours_start, madiun.office_hours_end = time(8, 0), time(16, 0)
    madiun.timezone = "Asia/Jakarta"
    madiun.save()
    return madiun


def out_of_hours_replies() -> list[str]:
    return list(Message.objects.filter(direction="out", author__isnull=True, text__startswith="Terima kasih, pesan")
                .order_by("pk").values_list("text", flat=True))


@pytest.mark.parametrize(("moment", "opens"), [
    (wib(2025, 6, 14, 10, 0), "Senin, 16 Juni 2025 08.00 WIB"),      # Saturday
    (wib(2025, 6, 15, 23, 59), "Senin, 16 Juni 2025 08.00 WIB"),     # Sunday night
    (wib(2025, 6, 11, 20, 0), "Kamis, 12 Juni 2025 08.00 WIB"),      # Wednesday evening
    (wib(2025, 6, 11, 6, 30), "Rabu, 11 Juni 2025 08.00 WIB"),       # Wednesday before opening
    (wib(2025, 6, 11, 16, 0), "Kamis, 12 Juni 2025 08.00 WIB"),      # closing time is closed
    (wib(2025, 6, 11, 8, 0), None),                                  # opening time is open
    (wib(2025, 6, 11, 15, 59), None),
])
def test_it_tells_the_person_outside_office_hours_when_staff_answer(moment, opens, office_hours, wa_channel,
                                                                  fake_wa, post_webhook, pin_now):
    pin_now(moment)
    post_webhook(wa_channel, whatsapp_body(text="Halo, ada yang bisa bantu?", sent_at=int(moment.timestamp())))
    conversation = Conversation.objects.get()
    if opens is None:
        assert out_of_hours_replies() == [] and not Delivery.objects.exists()
        return
    assert out_of_hours_replies() == [
        f"Terima kasih, pesan Anda sudah kami terima (nomor {conversation.tracking_number}). Staf KPU Kota Madiun "
        f"akan menjawab pada jam layanan: {opens}."]
    assert Delivery.objects.get().recipient == "+6281230000001"


def test_it_sends_the_out_of_hours_answer_once_per_12_hours_and_skips_holidays(office_hours, wa_channel, fake_wa,
                                                                          post_webhook, pin_now):
    Holiday.objects.bulk_create([Holiday(date=date(2025, 6, 6), name="Idul Adha (uji)"),
                                 Holiday(date=date(2025, 6, 9), name="Cuti bersama (uji)")])

    def write(moment, number):
        pin_now(moment)
        post_webhook(wa_channel, whatsapp_body(text=f"Pesan {number}", message_id=f"wamid.OOH{number}",
                                               sent_at=int(moment.timestamp())))

    write(wib(2025, 6, 6, 10, 0), 1)                # a Friday holiday: staff are back on Tuesday
    write(wib(2025, 6, 6, 11, 0), 2)                # an hour later: no second note
    write(wib(2025, 6, 6, 21, 59), 3)               # 11 h 59 min after the first: still none
    write(wib(2025, 6, 7, 9, 0), 4)                 # 23 hours later: a new note
    replies = out_of_hours_replies()
    assert len(replies) == 2 and all("Selasa, 10 Juni 2025 08.00 WIB" in r for r in replies)
    assert Conversation.objects.get().messages.filter(direction="in").count() == 4
    assert list(Delivery.objects.values_list("text", "status")) == [(r, "queued") for r in replies]


def test_it_sends_no_out_of_hours_answer_when_off_and_still_answers_jadwal(
        office_hours, wa_channel, post_webhook, pin_now):
    moment = pin_now(wib(2025, 6, 14, 10, 0))
    post_webhook(wa_channel, whatsapp_body(text="JADWAL", message_id="wamid.J1", sent_at=int(moment.timestamp())))
    assert out_of_hours_replies() == []
    assert Delivery.objects.get().text.startswith("Tahapan pemilihan untuk wilayah KPU Kota Madiun")
    office_hours.out_of_hours_reply = False
    office_hours.save()
    post_webhook(wa_channel, whatsapp_body(text="Halo", message_id="wamid.J2", sender="+6281230000002",
                                           sent_at=int(moment.timestamp())))
    assert out_of_hours_replies() == [] and Delivery.objects.count() == 1


def test_it_computes_the_next_opening_in_the_office_zone():
    moment = datetime(2025, 6, 13, 23, 30, tzinfo=UTC)      # Saturday 06:30 WIB, 07:30 WITA, 08:30 WIT
    opens, closes = time(8, 0), time(16, 0)
    assert next_working_moment(moment, "Asia/Jakarta", opens, closes) == datetime(2025, 6, 16, 8, 0, tzinfo=WIB)
    moment = datetime(2025, 6, 12, 23, 30, tzinfo=UTC)      # Friday 06:30 WIB, 08:30 WIT
    assert next_working_moment(moment, "Asia/Jakarta", opens, closes) == datetime(2025, 6, 13, 8, 0, tzinfo=WIB)
    assert next_working_moment(moment, "Asia/Jayapura", opens, closes) == moment.astimezone(WIT)
    assert next_working_moment(moment, "Asia/Makassar", opens, closes) == datetime(2025, 6, 13, 8, 0, tzinfo=WITA)


# Working days -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "days", "due"), [
    (wib(2025, 6, 11, 10, 0), 3, wib(2025, 6, 16, 10, 0)),     # Wednesday → Monday
    (wib(2025, 6, 13, 10, 0), 3, wib(2025, 6, 18, 10, 0)),     # Friday → Wednesday
    (wib(2025, 6, 14, 10, 0), 1, wib(2025, 6, 16, 10, 0)),     # from a Saturday, as from a Friday
    (wib(2025, 6, 16, 9, 15), 0, wib(2025, 6, 16, 9, 15)),
    (wib(2025, 6, 15, 9, 15), 0, wib(2025, 6, 16, 9, 15)),     # zero days from a Sunday is Monday
])
def test_it_skips_weekends_in_working_days(start, days, due, db):
    assert add_working_days(start, days, "Asia/Jakarta") == due


def test_it_skips_holidays_in_working_days_and_keeps_the_local_time(db):
    Holiday.objects.bulk_create([Holiday(date=date(2025, 6, 17), name="Libur uji"),
                                 Holiday(date=date(2025, 6, 18), name="Cuti bersama uji")])
    assert add_working_days(wib(2025, 6, 13, 10, 0), 3, "Asia/Jakarta") == wib(2025, 6, 20, 10, 0)
    late_friday = datetime(2025, 6, 13, 16, 30, tzinfo=UTC)    # Friday 23:30 WIB, Saturday 01:30 WIT
    assert add_working_days(late_friday, 1, "Asia/Jakarta") == wib(2025, 6, 16, 23, 30)
    assert add_working_days(late_friday, 1, "Asia/Jayapura") == datetime(2025, 6, 16, 1, 30, tzinfo=WIT)


def test_it_seeds_the_holiday_calendar_and_deadlines_follow_it(madiun, jatim, wa_channel,
                                                                            post_webhook, operator, pin_now):
    call_command("seed_holidays")
    rows = (Holiday.objects.count(), set(Holiday.objects.values_list("date__year", flat=True)))
    call_command("seed_holidays")                                   # again: the same rows, not twice
    assert (Holiday.objects.count(), set(Holiday.objects.values_list("date__year", flat=True))) == rows
    assert rows[1] == {2024, 2025, 2026, 2027} and Holiday.objects.filter(date=date(2025, 4, 1)).exists()
    # Thursday before Lebaran 2025: Friday 28 March to Monday 7 April are days off (cuti bersama included).
    moment = pin_now(wib(2025, 3, 27, 10, 0))
    post_webhook(wa_channel, whatsapp_body(text="PSU?", sent_at=int(moment.timestamp())))
    escalation = services.escalate(actor=operator, conversation=Conversation.objects.get(), reason="Provinsi")
    assert escalation.due_at == wib(2025, 4, 10, 10, 0)


def test_it_refuses_a_holiday_file_with_a_bad_date_and_names_the_row(db, tmp_path):
    Holiday.objects.create(date=date(2030, 1, 1), name="Sudah ada")
    bad = tmp_path / "libur.csv"
    bad.write_text("tanggal,nama,jenis\n2030-01-02,Baik,libur\n2030-02-30,Tanggal salah,libur\n"
                   "14/03/2030,Format lain,libur\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("seed_holidays", str(bad))
    assert "baris 3" in str(error.value) and "2030-02-30" in str(error.value)
    assert "baris 4" in str(error.value) and "14/03/2030" in str(error.value)
    assert "baris 2" not in str(error.value)
    assert list(Holiday.objects.values_list("name", flat=True)) == ["Sudah ada"]     # nothing loaded
    with pytest.raises(CommandError, match="tidak dapat dibaca"):
        call_command("seed_holidays", str(tmp_path / "tidak-ada.csv"))
    good = tmp_path / "baik.csv"
    good.write_text("\ufefftanggal,nama,jenis\n2030-01-02,Baru,libur\n", encoding="utf-8")
    call_command("seed_holidays", str(good))
    assert list(Holiday.objects.values_list("date", "name")) == [(date(2030, 1, 2), "Baru")]   # the year replaced


# Escalation across the three tiers, and its reminders ------------------------------------------------------------

def test_it_sends_a_question_up_from_kota_to_province_to_ri_and_the_answer_back(
        madiun, jatim, ri, kab_madiun, wa_channel, fake_wa, post_webhook, operator, make_staff):
    post_webhook(wa_channel, whatsapp_body(text="Bolehkah memilih di luar negeri?"))
    conversation = Conversation.objects.get()
    province, national = make_staff(jatim, Role.OPERATOR), make_staff(ri, Role.OPERATOR)
    services.escalate(actor=operator, conversation=conversation, reason="Kewenangan provinsi")
    with pytest.raises(ValidationError):
        services.escalate(actor=operator, conversation=conversation, reason="Lagi")   # no longer ours to send
    services.escalate(actor=province, conversation=conversation, reason="Kewenangan KPU RI")
    assert list(Escalation.objects.values_list("to_office__code", "status")) == [("35", "forwarded"),
                                                                                  ("00", "open")]
    for office in (madiun, jatim, ri):
        assert conversations_visible_to(office).get() == conversation
    assert not conversations_visible_to(kab_madiun).exists()
    with pytest.raises(ValidationError, match="tertinggi"):
        services.escalate(actor=national, conversation=conversation, reason="Ke mana lagi?")
    services.reply(actor=national, conversation=conversation, text="Bisa, lewat PPLN.", expected_version=None)
    conversation.refresh_from_db()
    assert conversation.escalated_to is None and conversation.status == "waiting"
    assert Escalation.objects.get(to_office=ri).status == "answered"
    engine.pump(wa_channel.pk, seconds=5)
    assert fake_wa.requests[-1].json["text"]["body"] == "Bisa, lewat PPLN."
    with pytest.raises(ValidationError):
        services.reply(actor=province, conversation=conversation, text="Terlambat", expected_version=None)


def test_it_lets_the_province_hand_a_question_back_with_a_note(madiun, jatim, wa_channel, post_webhook, operator,
                                                           make_staff):
    post_webhook(wa_channel, whatsapp_body(text="Jam buka TPS?"))
    conversation = Conversation.objects.get()
    province = make_staff(jatim, Role.OPERATOR)
    services.escalate(actor=operator, conversation=conversation, reason="Mohon bantuan")
    with pytest.raises(ValidationError):
        services.return_escalation(actor=operator, conversation=conversation, note="Bukan untuk kami")
    services.return_escalation(actor=province, conversation=conversation, note="Ini kewenangan kota: 07.00.")
    conversation.refresh_from_db()
    assert conversation.escalated_to is None and Escalation.objects.get().status == "returned"
    note = conversation.messages.get(direction="note")
    assert (note.text, note.author_office) == ("Ini kewenangan kota: 07.00.", jatim)
    assert not Delivery.objects.exists()          # the person is not told anything by a hand-back


@pytest.fixture
def escalated(madiun, jatim, wa_channel, post_webhook, operator):
    post_webhook(wa_channel, whatsapp_body(text="Pertanyaan untuk provinsi"))
    conversation = Conversation.objects.get()
    return services.escalate(actor=operator, conversation=conversation, reason="Kewenangan provinsi")


def test_it_reminds_the_target_office_of_a_due_escalation_once(escalated, jatim, madiun, make_staff, mailoutbox,
                                                               admin):
    from notifications import services as notifications
    from notifications.models import Kind, Notification

    make_staff(jatim, Role.ADMIN, email="admin1@kpu-jatim.test")
    make_staff(jatim, Role.ADMIN, email="")                                   # told in the page only
    make_staff(jatim, Role.ADMIN, email="pensiun@kpu-jatim.test", is_active=False)
    make_staff(jatim, Role.OPERATOR, email="operator@kpu-jatim.test")
    make_staff(jatim, Role.VIEWER, email="peninjau@kpu-jatim.test")          # may not answer
    assert services.remind_due_escalations() == 0                           # three working days away
    Escalation.objects.filter(pk=escalated.pk).update(due_at=timezone.now() + timedelta(hours=2))
    assert services.remind_due_escalations() == 1
    assert services.remind_due_escalations() == 0
    notifications.dispatch()
    told = Notification.objects.filter(kind=Kind.DEADLINE)
    assert sorted(n.recipient.email for n in told) == ["", "admin1@kpu-jatim.test", "operator@kpu-jatim.test"]
    notifications.send_due()                                                # deadlines are urgent by default
    number = escalated.conversation.tracking_number
    assert sorted(m.to[0] for m in mailoutbox) == ["admin1@kpu-jatim.test", "operator@kpu-jatim.test"]
    assert all(number in m.body and f"/staf/kotak-masuk/{escalated.conversation_id}/" in m.body for m in mailoutbox)
    [audit] = AuditEntry.objects.filter(action="conversation.escalation_reminded")
    assert audit.office == jatim
    escalated.refresh_from_db()
    assert escalated.reminded_at is not None


def test_it_reminds_an_overdue_escalation_but_not_an_answered_one(escalated, jatim, madiun, make_staff,
                                                                     wa_channel, post_webhook, operator):
    Escalation.objects.filter(pk=escalated.pk).update(due_at=timezone.now() - timedelta(days=1))
    post_webhook(wa_channel, whatsapp_body(text="Lain", sender="+6281230000002", message_id="wamid.E2"))
    other = Conversation.objects.exclude(pk=escalated.conversation_id).get()
    answered = services.escalate(actor=operator, conversation=other, reason="Juga provinsi")
    services.reply(actor=make_staff(jatim, Role.OPERATOR), conversation=other, text="Dijawab",
                   expected_version=None)
    Escalation.objects.filter(pk=answered.pk).update(due_at=timezone.now() - timedelta(days=1))
    assert services.remind_due_escalations() == 1
    [reminded] = AuditEntry.objects.filter(action="conversation.escalation_reminded")
    assert reminded.target_id == str(escalated.conversation_id)


# Public contacts and broadcasts ------------------------------------------------------------------------------------

@pytest.fixture
def send_broadcast(operator, editor):
    """Create, submit, approve and start a broadcast to all members (as broadcasts/tests/conftest.py does)."""

    def send(office, **values):
        broadcast = broadcast_services.create_broadcast(actor=operator, office=office, audience_all=True, **values)
        broadcast_services.submit_broadcast(actor=operator, broadcast=broadcast)
        broadcast_services.approve_broadcast(actor=editor, broadcast=broadcast)
        broadcast_services.start_broadcast(broadcast_id=broadcast.pk)
        broadcast.refresh_from_db()
        return broadcast

    return send


def test_it_leaves_people_who_only_wrote_in_out_of_a_broadcast_to_all_members(madiun, wa_channel, make_member,
                                                                            post_webhook, send_broadcast):
    registered = make_member(madiun, "Ketua Partai", whatsapp="081230000001")
    post_webhook(wa_channel, whatsapp_body(text="Halo", sender="+6281230000002", message_id="wamid.B1"))
    post_webhook(wa_channel, whatsapp_body(text="MULAI", sender="+6281230000002", message_id="wamid.B2"))
    public = Member.objects.get(source=Member.Source.INBOUND)
    assert Consent.objects.filter(address__member=public, purpose=Purpose.DISSEMINATION,
                                  withdrawn_at__isnull=True).exists()     # even with consent by keyword
    broadcast = send_broadcast(madiun, title="Undangan rapat", text="Rapat Bakohumas Senin.")
    assert list(broadcast.deliveries.values_list("member", "recipient")) == [(registered.pk, "+6281230000001")]
    assert broadcast.total_recipients == 1


def test_a_higher_office_opens_the_inbox_on_what_was_escalated_to_it(escalated, jatim, madiun, make_staff,
                                                                      client_for, operator):
    province = client_for(make_staff(jatim, Role.OPERATOR))
    link = reverse("inbox:conversation_detail", args=[escalated.conversation_id])
    assert link in province.get(reverse("inbox:inbox")).text
    assert link not in province.get(reverse("inbox:inbox"), {"folder": "unassigned"}).text
    # The lower office still opens on its own unassigned folder.
    assert client_for(operator).get(reverse("inbox:inbox")).status_code == 200
