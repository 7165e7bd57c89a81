"""Composing without surprises: the preview as a recipient sees it, when it really starts (quiet hours), cost and
budget before approval, and what can still be done while it waits."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from broadcasts import selectors, services
from broadcasts.audience import compute_audience
from broadcasts.models import PRIORITY_URGENT, Broadcast, MessageRate, MessagingBudget
from channels import services as channel_services
from channels.models import Channel, InboundMessage
from offices.models import Office

S = Broadcast.Status


@pytest.fixture
def quiet_madiun(madiun):
    madiun.quiet_hours_start, madiun.quiet_hours_end = time(21, 0), time(6, 0)
    madiun.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    return madiun


def frozen(monkeypatch, at: datetime) -> datetime:
    monkeypatch.setattr(timezone, "now", lambda: at)
    return at


def template_for(channel, admin, category="MARKETING"):
    return channel_services.save_template(actor=admin, channel=channel, name="info_siaran", language="id",
                                          body="Yth. {{1}}, informasi baru: {{2}}", category=category,
                                          status="APPROVED")


def draft(office, operator, **values):
    values.setdefault("title", "Jadwal kampanye")
    values.setdefault("text", "*Penting* _hari ini_ ~batal~ ```KODE-1``` <b>&")
    values.setdefault("audience_all", True)
    return services.create_broadcast(actor=operator, office=office, **values)


def pending(office, operator, **values):
    return services.submit_broadcast(actor=operator, broadcast=draft(office, operator, **values))


# The preview ----------------------------------------------------------------------------------------------------

def test_the_page_previews_each_channel_for_the_first_member_it_reaches(madiun, operator, admin, wa_channel,
                                                                         make_member, client_for):
    make_member(madiun, "Tanpa Persetujuan", whatsapp="081230000009", consent=False)
    make_member(madiun, "Siti Aminah", whatsapp="081230000001")
    template = template_for(wa_channel, admin)
    broadcast = draft(madiun, operator, template=template, template_parameters=["{nama}", "jadwal kampanye"])
    page = client_for(operator).get(f"/staf/siaran/{broadcast.pk}/").content.decode()
    assert "Seperti yang diterima Siti Aminah (+6281230000001 · " in page
    # WhatsApp: its own formatting rendered, the rest escaped; the template filled for Siti.
    assert ("<strong>Penting</strong> <em>hari ini</em> <del>batal</del> <code>KODE-1</code> &lt;b&gt;&amp;"
            in page)
    assert "Yth. Siti Aminah, informasi baru: jadwal kampanye" in page
    # Telegram: exactly its HTML parse mode; e-mail: the HTML part and the plain-text part sent.
    assert "<b>Penting</b> <i>hari ini</i> <s>batal</s> <code>KODE-1</code> &lt;b&gt;&amp;" in page
    assert "<p><strong>Penting</strong>" in page and "Berhenti berlangganan" in page
    assert "Penting hari ini batal KODE-1 &lt;b&gt;&amp;" in page
    assert "Balas BERHENTI" in page


def test_the_compose_form_previews_as_it_is_typed(madiun, operator, make_staff, make_member, outbox, client_for):
    make_member(madiun, "Budi Santoso", email="budi@contoh.id")
    form = client_for(operator).get("/staf/siaran/baru/").content.decode()
    assert 'hx-post="/staf/siaran/pratinjau/" hx-trigger="load, input delay:600ms from:#compose-form' in form
    data = {"title": "Uji", "text": "Halo *semua*", "audience_all": "on"}
    answer = client_for(operator).post("/staf/siaran/pratinjau/", data)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Budi Santoso" in html and "Halo <strong>semua</strong>" in html and "Halo <b>semua</b>" in html
    assert "mulai dikirim segera" in html
    nobody = client_for(operator).post("/staf/siaran/pratinjau/", {"text": "Halo"}).content.decode()
    assert "(nama penerima)" in nobody
    viewer = make_staff(madiun, Role.VIEWER)
    assert client_for(viewer).post("/staf/siaran/pratinjau/", data).status_code == 403


# When it really starts ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("zone", "label", "utc_hour"), [
    (Office.Zone.WIB, "WIB", 15), (Office.Zone.WITA, "WITA", 14), (Office.Zone.WIT, "WIT", 13)])
def test_approved_at_22_15_it_starts_at_06_00_and_offers_mendesak(quiet_madiun, operator, editor, make_member,
                                                                  outbox, client_for, monkeypatch, zone, label,
                                                                  utc_hour):
    quiet_madiun.timezone = zone
    quiet_madiun.save(update_fields=["timezone"])
    make_member(quiet_madiun, whatsapp="081230000001")
    now = frozen(monkeypatch, datetime(2026, 12, 7, utc_hour, 15, tzinfo=UTC))   # Monday 22.15 local
    broadcast = draft(quiet_madiun, operator)
    page = client_for(operator).get(f"/staf/siaran/{broadcast.pk}/").content.decode()
    sentence = f"akan mulai dikirim Selasa 8 Des 06.00 {label} (jam tenang 21.00–06.00)"
    assert "Bila diajukan lalu disetujui sekarang: " + sentence in page
    assert 'name="urgent" value="1"' in page
    services.submit_broadcast(actor=operator, broadcast=broadcast)
    page = client_for(editor).get(f"/staf/siaran/{broadcast.pk}/").content.decode()
    assert "Bila disetujui sekarang: " + sentence in page
    assert "Mendesak: kirim juga pada jam tenang" in page
    client_for(editor).post(f"/staf/siaran/{broadcast.pk}/aksi/approve/")
    broadcast.refresh_from_db()
    assert broadcast.status == S.SCHEDULED and broadcast.held_from == now
    assert broadcast.scheduled_at == now + timedelta(hours=7, minutes=45)
    page = client_for(editor).get(f"/staf/siaran/{broadcast.pk}/").content.decode()
    assert "Akan mulai dikirim Selasa 8 Des 06.00 " + label in page
    assert "Tandai mendesak: kirim sekarang" in page and "Kembalikan ke draf" in page
    assert services.start_due_broadcasts() == 0


def test_approving_as_urgent_starts_now_and_outside_quiet_hours_nothing_waits(quiet_madiun, operator, editor,
                                                                              outbox, monkeypatch):
    now = frozen(monkeypatch, datetime(2026, 12, 7, 15, 15, tzinfo=UTC))
    urgent = services.approve_broadcast(actor=editor, broadcast=pending(quiet_madiun, operator), urgent=True)
    assert urgent.urgent and urgent.scheduled_at == now and urgent.held_from is None
    assert AuditEntry.objects.filter(action="broadcast.approved", target_id=str(urgent.pk),
                                     after__urgent=True).exists()
    now = frozen(monkeypatch, datetime(2026, 12, 7, 3, 0, tzinfo=UTC))   # 10.00 WIB
    daytime = services.approve_broadcast(actor=editor, broadcast=pending(quiet_madiun, operator))
    assert daytime.scheduled_at == now and daytime.held_from is None


@pytest.fixture
def held(quiet_madiun, operator, editor, outbox, monkeypatch):
    frozen(monkeypatch, datetime(2026, 12, 7, 15, 15, tzinfo=UTC))
    return services.approve_broadcast(actor=editor, broadcast=pending(quiet_madiun, operator))


def test_whoever_may_approve_marks_a_waiting_broadcast_urgent(held, make_staff, quiet_madiun, jatim, client_for):
    other_editor = make_staff(quiet_madiun, Role.EDITOR)
    url = f"/staf/siaran/{held.pk}/aksi/urgent/"
    for forbidden in (held.created_by, make_staff(quiet_madiun, Role.VIEWER), make_staff(jatim, Role.ADMIN)):
        assert client_for(forbidden).post(url).status_code == 403
    held.refresh_from_db()
    assert not held.urgent
    assert client_for(other_editor).post(url).status_code == 302
    held.refresh_from_db()
    assert held.urgent and held.held_from is None and held.scheduled_at == timezone.now()
    entry = AuditEntry.objects.get(action="broadcast.marked_urgent", target_id=str(held.pk))
    assert entry.actor == other_editor and entry.before["urgent"] is False
    with pytest.raises(ValidationError, match="sudah mendesak"):
        services.mark_urgent(actor=other_editor, broadcast=held)


def test_a_waiting_broadcast_returns_to_draft_without_the_quiet_hours_time(held, make_staff, quiet_madiun, jatim,
                                                                           client_for):
    url = f"/staf/siaran/{held.pk}/aksi/return/"
    for forbidden in (make_staff(quiet_madiun, Role.VIEWER), make_staff(jatim, Role.ADMIN)):
        assert client_for(forbidden).post(url).status_code == 403
    assert client_for(held.approved_by).post(url).status_code == 302
    held.refresh_from_db()
    assert held.status == S.DRAFT and held.scheduled_at is None and held.held_from is None
    assert held.estimated_cost is None
    assert AuditEntry.objects.filter(action="broadcast.returned", target_id=str(held.pk)).exists()


def test_a_schedule_the_author_chose_comes_back_when_returned(quiet_madiun, operator, editor, outbox, monkeypatch):
    frozen(monkeypatch, datetime(2026, 12, 7, 12, 0, tzinfo=UTC))   # 19.00 WIB
    chosen = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)               # 23.00 WIB
    broadcast = services.approve_broadcast(actor=editor, broadcast=pending(quiet_madiun, operator,
                                                                           scheduled_at=chosen))
    assert broadcast.held_from == chosen and broadcast.scheduled_at == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
    assert services.return_to_draft(actor=editor, broadcast=broadcast).scheduled_at == chosen


# Cost and budget ------------------------------------------------------------------------------------------------

@pytest.fixture
def window_audience(madiun, admin, operator, wa_channel, tg_channel, make_member):
    template = template_for(wa_channel, admin)
    make_member(madiun, "Baru Menulis", whatsapp="081230000001")
    make_member(madiun, "Lama Diam", whatsapp="081230000002")
    make_member(madiun, "Tak Pernah", whatsapp="081230000003")
    make_member(madiun, "Pengguna Telegram", telegram="123456789")
    InboundMessage.objects.create(channel=wa_channel, provider_message_id="wamid.IN1", kind="text", text="Halo",
                                  sender="whatsapp:+6281230000001", sent_at=timezone.now() - timedelta(hours=23))
    InboundMessage.objects.create(channel=wa_channel, provider_message_id="wamid.IN2", kind="text", text="Halo",
                                  sender="whatsapp:+6281230000002", sent_at=timezone.now() - timedelta(hours=25))
    return template


def estimate(broadcast):
    audience = compute_audience(broadcast)
    return selectors.cost_estimate(broadcast, audience, Channel.objects.in_bulk(list(audience.per_channel())))


def test_it_counts_recipients_in_and_out_of_the_window_and_prices_the_template(madiun, operator, admin,
                                                                              window_audience, client_for):
    broadcast = pending(madiun, operator, template=window_audience, template_parameters=["{nama}", "x"])
    cost = estimate(broadcast)
    assert (cost.free_form, cost.needs_template, cost.elsewhere) == (1, 2, 1)
    assert cost.rate is None and cost.cost == 0
    MessageRate.objects.create(office=madiun, category="MARKETING", rate=850)
    cost = estimate(broadcast)
    assert (cost.category_label, cost.template_recipients, cost.cost) == ("Pemasaran", 2, 1700)
    page = client_for(admin).get(f"/staf/siaran/{broadcast.pk}/").content.decode()
    assert "Pemasaran" in page and "Rp1.700" in page and "2 pesan templat × Rp850" in page


def test_approval_beyond_the_month_budget_is_refused_with_the_figures(madiun, operator, editor, window_audience,
                                                                      client_for):
    MessageRate.objects.create(office=madiun, category="MARKETING", rate=850)
    MessagingBudget.objects.create(office=madiun, monthly_limit=2000)
    earlier = services.approve_broadcast(actor=editor, broadcast=pending(
        madiun, operator, template=window_audience, template_parameters=["{nama}", "x"]))
    assert earlier.estimated_cost == 1700
    broadcast = pending(madiun, operator, template=window_audience, template_parameters=["{nama}", "y"])
    page = client_for(editor).get(f"/staf/siaran/{broadcast.pk}/").content.decode()
    assert "Dengan siaran ini jumlahnya Rp3.400, melewati anggaran" in page
    answer = client_for(editor).post(f"/staf/siaran/{broadcast.pk}/aksi/approve/", follow=True)
    message = answer.content.decode()
    assert "Siaran tidak dapat disetujui: anggaran pesan" in message
    assert all(figure in message for figure in ("Rp2.000", "Rp1.700", "Rp3.400", "lebih Rp1.400"))
    broadcast.refresh_from_db()
    assert broadcast.status == S.PENDING
    services.return_to_draft(actor=editor, broadcast=earlier)      # no longer counted
    assert services.approve_broadcast(actor=editor, broadcast=broadcast).status == S.SCHEDULED


def test_the_budget_counts_this_month_in_the_office_zone(madiun, operator, monkeypatch):
    def approved(at, cost, status=S.DONE, started=True):
        return Broadcast.objects.create(office=madiun, title="x", text="x", status=status, approved_at=at,
                                        estimated_cost=cost, started_at=at if started else None)

    approved(datetime(2026, 11, 30, 16, 59, tzinfo=UTC), 1)    # 30 Nov 23.59 WIB: last month
    approved(datetime(2026, 11, 30, 17, 0, tzinfo=UTC), 10)    # 1 Dec 00.00 WIB
    approved(datetime(2026, 12, 5, 0, 0, tzinfo=UTC), 100, status=S.CANCELLED, started=False)
    approved(datetime(2026, 12, 5, 0, 0, tzinfo=UTC), 1000, status=S.CANCELLED)
    budget = selectors.month_budget(madiun, datetime(2026, 12, 7, 15, 0, tzinfo=UTC))
    assert (budget.spent, budget.limit, budget.month_label) == (1010, None, "Desember 2026")


def test_only_the_office_admin_sets_rates_and_budget(madiun, admin, editor, jatim, make_staff, client_for):
    url = "/staf/siaran/tarif/"
    assert client_for(editor).get(url).status_code == 403
    assert client_for(admin).get(url).status_code == 200
    bad = client_for(admin).post(url, {"rate_MARKETING": "-5", "monthly_limit": "abc"})
    assert bad.status_code == 200
    assert not MessageRate.objects.exists()
    assert client_for(admin).post(url, {"rate_MARKETING": "850", "rate_UTILITY": "", "monthly_limit": "500000"}
                                  ).status_code == 302
    assert selectors.message_rates(madiun) == {"MARKETING": 850}
    assert selectors.month_budget(madiun).limit == 500000
    entry = AuditEntry.objects.get(action="broadcast.cost_settings")
    assert entry.after == {"rates": {"MARKETING": 850}, "monthly_limit": 500000}
    client_for(admin).post(url, {"rate_MARKETING": "850", "monthly_limit": ""})
    assert selectors.month_budget(madiun).limit is None
    with pytest.raises(ValidationError):
        services.update_cost_settings(actor=make_staff(jatim, Role.ADMIN), office=madiun, rates={},
                                      monthly_limit=None)


def test_rate_errors_name_the_field_in_indonesian(madiun, admin):
    with pytest.raises(ValidationError) as error:
        services.update_cost_settings(actor=admin, office=madiun, rates={"UTILITY": 2_000_000}, monthly_limit=-1)
    assert error.value.message_dict == {
        "rate_UTILITY": ["Tarif Utilitas harus antara Rp0 dan Rp1.000.000 per pesan."],
        "monthly_limit": ["Anggaran per bulan tidak boleh negatif."]}


# The page never contradicts itself -------------------------------------------------------------------------------

def test_no_recipients_is_never_a_full_bar(madiun, operator, editor, outbox, client_for):
    broadcast = services.approve_broadcast(actor=editor, broadcast=pending(madiun, operator))
    starting = client_for(operator).get(f"/staf/siaran/{broadcast.pk}/kemajuan/").content.decode()
    assert "Menyusun daftar penerima" in starting and "100%" not in starting
    services.start_broadcast(broadcast_id=broadcast.pk)
    done = client_for(operator).get(f"/staf/siaran/{broadcast.pk}/kemajuan/").content.decode()
    assert "tidak ada penerima yang terjangkau" in done and "100%" not in done and "<progress" not in done


def test_the_progress_poll_updates_the_badge_and_buttons_with_it(madiun, operator, editor, make_member, outbox,
                                                                 client_for):
    make_member(madiun, whatsapp="081230000001")
    broadcast = services.approve_broadcast(actor=editor, broadcast=pending(madiun, operator))
    services.start_broadcast(broadcast_id=broadcast.pk)
    html = client_for(operator).get(f"/staf/siaran/{broadcast.pk}/kemajuan/").content.decode()
    assert 'id="bc-status" hx-swap-oob="true"' in html and "Sedang dikirim" in html
    assert 'id="bc-actions" hx-swap-oob="true"' in html and "/aksi/pause/" in html and "Selesai" not in html


def test_a_broadcast_held_by_quiet_hours_while_sending_can_go_urgent(quiet_madiun, operator, editor, make_member,
                                                                     outbox, monkeypatch):
    make_member(quiet_madiun, whatsapp="081230000001")
    frozen(monkeypatch, datetime(2026, 12, 7, 13, 0, tzinfo=UTC))    # 20.00 WIB
    broadcast = services.approve_broadcast(actor=editor, broadcast=pending(quiet_madiun, operator))
    broadcast = services.start_broadcast(broadcast_id=broadcast.pk)
    assert not selectors.broadcast_actions(editor, broadcast).mark_urgent
    frozen(monkeypatch, datetime(2026, 12, 7, 14, 30, tzinfo=UTC))   # 21.30 WIB: quiet
    assert selectors.broadcast_actions(editor, broadcast).mark_urgent
    assert not selectors.broadcast_actions(operator, broadcast).mark_urgent
    services.mark_urgent(actor=editor, broadcast=broadcast)
    assert set(broadcast.deliveries.values_list("priority", flat=True)) == {PRIORITY_URGENT}


def test_a_sent_broadcast_still_shows_how_it_read(madiun, operator, editor, make_member, outbox, client_for):
    make_member(madiun, "Siti Aminah", whatsapp="081230000001")
    broadcast = services.approve_broadcast(actor=editor, broadcast=pending(madiun, operator))
    services.start_broadcast(broadcast_id=broadcast.pk)
    page = client_for(operator).get(f"/staf/siaran/{broadcast.pk}/").content.decode()
    assert "Seperti yang diterima Siti Aminah" in page and "<strong>Penting</strong>" in page
    assert "Biaya dan kategori" not in page


def test_held_by_quiet_hours_lists_what_waits_for_their_end(held, quiet_madiun, operator, editor, make_member,
                                                          monkeypatch):
    assert list(selectors.held_by_quiet_hours(quiet_madiun)) == [held]
    frozen(monkeypatch, datetime(2026, 12, 7, 23, 0, tzinfo=UTC))   # 06.00 WIB: due, no longer held
    assert not selectors.held_by_quiet_hours(quiet_madiun).exists()
