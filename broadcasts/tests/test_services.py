"""Broadcast rules: audience and routing, approval, validation, scheduling, quiet hours, pause/resume/cancel,
priorities, the WhatsApp 24-hour window and its errors, audit, keywords (BERHENTI/MULAI) and erasure."""

import hashlib
import hmac
import json
import re
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from audit.services import REDACTED
from broadcasts import engine, services
from broadcasts.audience import compute_audience
from broadcasts.models import PRIORITY_DIRECT, Broadcast, Delivery
from broadcasts.tests.conftest import APP_SECRET, WA_TOKEN
from channels import services as channel_services
from channels.fakes import FakeWhatsApp
from channels.models import Channel, InboundMessage, Template
from channels.providers import whatsapp
from inbox.services import route_pending
from members import services as member_services
from members.models import Address, Consent, Member, Purpose
from offices.quiet import in_quiet_hours

WEBHOOKS = Path(__file__).resolve().parents[2] / "channels" / "tests" / "fixtures" / "whatsapp" / "webhooks"


# update_broadcast() replaces every field: pass them all (see test_it_keeps_the_fields_an_update_does_not_mention).
ALL_FLAGS = {"audience_all": True, "include_descendants": False, "include_channel_chats": False, "urgent": False}


def draft(actor, office, **values) -> Broadcast:
    values.setdefault("title", "Siaran uji")
    values.setdefault("text", "Info tahapan pemilu")
    if not (values.get("groups") or values.get("audience_categories")):
        values.setdefault("audience_all", True)
    return services.create_broadcast(actor=actor, office=office, **values)


def wa_channel_at(office, admin, fake, name="WhatsApp Humas") -> Channel:
    return channel_services.create_channel(
        actor=admin, office=office, kind="whatsapp", name=name,
        config={"phone_number_id": "106540352242922", "base_url": fake.url},
        secrets={"access_token": WA_TOKEN, "app_secret": APP_SECRET}, rate_per_second=1000)


def template_for(channel, admin, body="Yth. {{1}}, informasi baru: {{2}}", status="APPROVED",
                 name="info_siaran") -> Template:
    return channel_services.save_template(actor=admin, channel=channel, name=name, language="id", body=body,
                                          category="UTILITY", status=status)


def requests_to(fake, to: str) -> list:
    return [r.json for r in fake.requests if r.json and r.json.get("to") == to]


# Audience and routing ----------------------------------------------------------------------------------------

def test_it_falls_back_to_whatsapp_when_the_preferred_telegram_has_no_channel(madiun, wa_channel, make_member,
                                                                              send_broadcast):
    member = make_member(madiun, whatsapp="081230000001", telegram="123456789", preferred="telegram")
    broadcast = send_broadcast(madiun)
    [delivery] = broadcast.deliveries.all()
    assert (delivery.channel_id, delivery.recipient, delivery.member_id) == (
        wa_channel.pk, "+6281230000001", member.pk)


def test_it_uses_the_preferred_telegram_when_it_can(madiun, wa_channel, tg_channel, make_member, send_broadcast):
    prefers_telegram = make_member(madiun, whatsapp="081230000001", telegram="123456789", preferred="telegram")
    no_preference = make_member(madiun, whatsapp="081230000002", telegram="987654321")
    broadcast = send_broadcast(madiun)
    chosen = {d.member_id: (d.channel_id, d.recipient) for d in broadcast.deliveries.all()}
    assert chosen == {prefers_telegram.pk: (tg_channel.pk, "123456789"),
                      no_preference.pk: (wa_channel.pk, "+6281230000002")}   # WhatsApp first by default


def test_it_falls_back_when_the_preferred_address_is_opted_out(madiun, wa_channel, tg_channel, make_member,
                                                               send_broadcast):
    member = make_member(madiun, whatsapp="081230000001", telegram="123456789", preferred="telegram")
    member_services.set_opt_out(actor=None, address=member.addresses.get(kind="telegram"), opted_out=True)
    [delivery] = send_broadcast(madiun).deliveries.all()
    assert delivery.channel_id == wa_channel.pk


def test_it_counts_every_excluded_member_by_reason(madiun, wa_channel, make_member, send_broadcast):
    make_member(madiun, "Dapat", whatsapp="081230000001")
    make_member(madiun, "Tanpa Persetujuan", whatsapp="081230000002", consent=False)
    make_member(madiun, "Berhenti", whatsapp="081230000003", opted_out=True)
    flagged = make_member(madiun, "Nomor Mati", whatsapp="081230000004")
    Address.objects.filter(member=flagged).update(undeliverable_at=timezone.now(), undeliverable_reason="131026")
    make_member(madiun, "Tanpa Alamat")
    make_member(madiun, "Hanya Surel", email="surel@contoh.id")      # no e-mail channel in this office
    make_member(madiun, "Hanya Username", telegram="@pengguna_forum")  # no Telegram channel either
    inactive = make_member(madiun, "Nonaktif", whatsapp="081230000005")
    member_services.set_member_status(actor=None, member=inactive, status=Member.Status.INACTIVE)
    broadcast = send_broadcast(madiun)
    assert broadcast.total_recipients == 1
    assert broadcast.excluded == {"no_consent": 1, "opted_out": 1, "undeliverable": 1, "no_address": 1,
                                  "no_channel": 2}
    assert list(broadcast.deliveries.values_list("recipient", flat=True)) == ["+6281230000001"]


def test_it_sends_once_to_a_number_registered_in_two_offices(jatim, madiun, kab_madiun, make_staff, make_member):
    outbox = channel_services.create_channel(actor=None, office=jatim, kind="outbox", name="Kotak keluar Jatim")
    make_member(madiun, "Ketua Forum", whatsapp="081230000001")
    make_member(kab_madiun, "Ketua Forum (Kab.)", whatsapp="081230000001")
    make_member(kab_madiun, "Anggota Lain", whatsapp="081230000002")
    writer, approver = make_staff(jatim, Role.OPERATOR), make_staff(jatim, Role.EDITOR)
    broadcast = draft(writer, jatim, include_descendants=True)
    services.submit_broadcast(actor=writer, broadcast=broadcast)
    services.approve_broadcast(actor=approver, broadcast=broadcast)
    broadcast = services.start_broadcast(broadcast_id=broadcast.pk)
    assert broadcast.total_recipients == 2
    assert broadcast.excluded == {"duplicate": 1}
    assert sorted(broadcast.deliveries.values_list("recipient", flat=True)) == ["+6281230000001", "+6281230000002"]
    assert engine.pump(outbox.pk, seconds=5).accepted == 2


def test_it_reaches_only_its_own_office_without_include_descendants(jatim, madiun, make_member):
    channel_services.create_channel(actor=None, office=jatim, kind="outbox", name="Kotak keluar Jatim")
    make_member(madiun, whatsapp="081230000001")
    broadcast = Broadcast(office=jatim, title="x", text="x", audience_all=True)
    assert compute_audience(broadcast).recipients == []


def test_it_sends_to_the_chosen_groups_and_categories_only(madiun, admin, outbox, make_member, send_broadcast):
    media = member_services.create_organization(actor=admin, office=madiun, name="Radio Suara Madiun",
                                                category="media")
    party = member_services.create_organization(actor=admin, office=madiun, name="Partai Contoh", category="partai")
    reporter = make_member(madiun, "Wartawan", whatsapp="081230000001", organization=media)
    politician = make_member(madiun, "Pengurus Partai", whatsapp="081230000002", organization=party)
    in_group = make_member(madiun, "Anggota Grup", whatsapp="081230000003")
    make_member(madiun, "Lainnya", whatsapp="081230000004")
    group = member_services.create_group(actor=admin, office=madiun, name="Tokoh", kind="manual",
                                         members=[in_group])
    dynamic = member_services.create_group(actor=admin, office=madiun, name="Partai", kind="dynamic",
                                           categories=["partai"])

    def recipients(**values):
        return set(send_broadcast(madiun, **values).deliveries.values_list("member_id", flat=True))

    assert recipients(groups=[group]) == {in_group.pk}
    assert recipients(audience_categories=["media"]) == {reporter.pk}
    assert recipients(groups=[dynamic]) == {politician.pk}
    assert recipients(groups=[group], audience_categories=["media"]) == {in_group.pk, reporter.pk}


def test_it_refuses_a_group_of_another_office(madiun, kab_madiun, admin, operator, make_staff):
    other = member_services.create_group(actor=None, office=kab_madiun, name="Grup lain", kind="manual")
    with pytest.raises(ValidationError) as error:
        draft(operator, madiun, groups=[other])
    assert "audience_groups" in error.value.message_dict


# Approval ------------------------------------------------------------------------------------------------------

def test_it_does_not_let_the_author_approve(madiun, editor, outbox):
    broadcast = draft(editor, madiun)
    services.submit_broadcast(actor=editor, broadcast=broadcast)
    with pytest.raises(ValidationError, match="staf lain"):
        services.approve_broadcast(actor=editor, broadcast=broadcast)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.PENDING and broadcast.approved_by is None


def test_it_does_not_let_the_last_editor_approve(madiun, operator, editor, make_staff):
    broadcast = draft(operator, madiun)
    broadcast = services.update_broadcast(actor=editor, broadcast=broadcast, expected_version=broadcast.version,
                                          title="Siaran uji (diperbaiki)", text="Info tahapan", **ALL_FLAGS)
    services.submit_broadcast(actor=operator, broadcast=broadcast)
    with pytest.raises(ValidationError, match="staf lain"):
        services.approve_broadcast(actor=editor, broadcast=broadcast)
    other_editor = make_staff(madiun, Role.EDITOR)
    approved = services.approve_broadcast(actor=other_editor, broadcast=broadcast)
    assert approved.status == Broadcast.Status.SCHEDULED and approved.approved_by == other_editor


def test_it_leaves_approval_to_editors_and_admins(madiun, operator, make_staff):
    broadcast = draft(operator, madiun)
    services.submit_broadcast(actor=operator, broadcast=broadcast)
    for role in (Role.OPERATOR, Role.VERIFIER, Role.VIEWER):
        with pytest.raises(ValidationError, match="tidak berwenang"):
            services.approve_broadcast(actor=make_staff(madiun, role), broadcast=broadcast)
    assert services.approve_broadcast(actor=make_staff(madiun, Role.ADMIN), broadcast=broadcast).approved_at


def test_it_does_not_let_another_office_approve(madiun, kab_madiun, jatim, operator, make_staff):
    broadcast = draft(operator, madiun)
    services.submit_broadcast(actor=operator, broadcast=broadcast)
    for office in (kab_madiun, jatim):   # a sibling, and even the parent office
        with pytest.raises(ValidationError, match="tidak berwenang"):
            services.approve_broadcast(actor=make_staff(office, Role.EDITOR), broadcast=broadcast)


def test_it_releases_on_submit_when_the_office_needs_no_approval(madiun, operator, outbox):
    madiun.broadcast_requires_approval = False
    madiun.save(update_fields=["broadcast_requires_approval"])
    broadcast = draft(operator, madiun)
    released = services.submit_broadcast(actor=operator, broadcast=broadcast)
    assert released.status == Broadcast.Status.SCHEDULED
    assert released.approved_by == operator and released.scheduled_at <= timezone.now()
    assert AuditEntry.objects.filter(action="broadcast.released", target_id=str(broadcast.pk)).exists()
    assert not AuditEntry.objects.filter(action="broadcast.submitted", target_id=str(broadcast.pk)).exists()


def test_it_approves_only_pending_broadcasts(madiun, operator, editor):
    broadcast = draft(operator, madiun)
    with pytest.raises(ValidationError, match="menunggu persetujuan"):
        services.approve_broadcast(actor=editor, broadcast=broadcast)
    services.submit_broadcast(actor=operator, broadcast=broadcast)
    with pytest.raises(ValidationError, match="draf"):
        services.submit_broadcast(actor=operator, broadcast=broadcast)


# Validation ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "field"), [
    ({"text": "   "}, "text"),
    ({"text": "x" * 4097}, "text"),
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"media_url": "https://kpu.test/undangan.pdf", "media_kind": ""}, "media_kind"),
    ({"media_url": "ftp://kpu.test/undangan.pdf", "media_kind": "document"}, "media_url"),
    ({"audience_all": False}, "audience_groups"),
    ({"audience_categories": ["alien"]}, "audience_categories"),
])
def test_it_refuses_an_invalid_broadcast(madiun, operator, values, field):
    with pytest.raises(ValidationError) as error:
        draft(operator, madiun, **values)
    assert field in error.value.message_dict
    assert not Broadcast.objects.exists()


def test_it_accepts_text_of_exactly_the_maximum_length(madiun, operator):
    longest = services.max_text_length()
    assert 4000 < longest < 4096   # room for the opt-out note
    assert len(draft(operator, madiun, text="x" * longest).text) == longest
    with pytest.raises(ValidationError) as error:
        draft(operator, madiun, text="x" * (longest + 1))
    assert f"paling banyak {longest}" in str(error.value)
    link = "https://kpu.go.id/" + "a" * 80
    with pytest.raises(ValidationError):
        draft(operator, madiun, text="x" * longest, media_url=link, media_kind="document")


def test_it_refuses_a_schedule_in_the_past(madiun, operator):
    with pytest.raises(ValidationError) as error:
        draft(operator, madiun, scheduled_at=timezone.now() - timedelta(hours=2))
    assert "scheduled_at" in error.value.message_dict


def test_it_checks_the_template_and_its_parameters(madiun, kab_madiun, admin, operator, wa_channel, fake_wa,
                                                   make_staff):
    template = template_for(wa_channel, admin)
    assert template.parameters == ["1", "2"]
    with pytest.raises(ValidationError) as error:
        draft(operator, madiun, template=template, template_parameters=["hanya satu"])
    assert "template_parameters" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        draft(operator, madiun, template=template, template_parameters=["satu", "  "])
    assert "template_parameters" in error.value.message_dict
    pending = template_for(wa_channel, admin, status="PENDING", name="belum_disetujui", body="Halo")
    with pytest.raises(ValidationError) as error:
        draft(operator, madiun, template=pending)
    assert "template" in error.value.message_dict
    other_channel = wa_channel_at(kab_madiun, make_staff(kab_madiun, Role.ADMIN), fake_wa, name="WA Kab")
    foreign = template_for(other_channel, admin, name="milik_lain", body="Halo")
    with pytest.raises(ValidationError) as error:
        draft(operator, madiun, template=foreign)
    assert "template" in error.value.message_dict
    ok = draft(operator, madiun, template=template, template_parameters=[" {nama} ", "jadwal"])
    assert ok.template_parameters == ["{nama}", "jadwal"]


def test_it_refuses_an_empty_or_overlong_direct_message(madiun, outbox):
    for text in ("  ", "x" * 4097):
        with pytest.raises(ValidationError):
            services.send_direct(channel=outbox, recipient="+6281230000001", text=text)
    assert not Delivery.objects.exists()


def test_it_edits_only_drafts_and_detects_a_concurrent_edit(madiun, operator, editor):
    broadcast = draft(operator, madiun)
    from bakohumas.locking import ConflictError

    with pytest.raises(ConflictError):
        services.update_broadcast(actor=editor, broadcast=broadcast, expected_version=broadcast.version - 1,
                                  title="Lama", text="Lama", **ALL_FLAGS)
    updated = services.update_broadcast(actor=editor, broadcast=broadcast, expected_version=broadcast.version,
                                        title="Baru", text="Baru", **ALL_FLAGS)
    assert (updated.version, updated.updated_by) == (broadcast.version + 1, editor)
    assert AuditEntry.objects.filter(action="broadcast.updated", target_id=str(broadcast.pk)).exists()
    services.submit_broadcast(actor=operator, broadcast=broadcast)
    with pytest.raises(ValidationError, match="draf"):
        services.update_broadcast(actor=editor, broadcast=broadcast, expected_version=None, title="Baru",
                                  text="Baru", **ALL_FLAGS)


def test_it_keeps_the_fields_an_update_does_not_mention(madiun, operator):
    broadcast = draft(operator, madiun, urgent=True)
    updated = services.update_broadcast(actor=operator, broadcast=broadcast, expected_version=None,
                                        title="Judul baru", text="Isi baru", audience_all=True)
    assert updated.urgent and updated.title == "Judul baru"


# Scheduling ----------------------------------------------------------------------------------------------------

def test_it_starts_a_scheduled_broadcast_only_when_due(madiun, operator, editor, outbox, make_member):
    make_member(madiun, whatsapp="081230000001")
    broadcast = draft(operator, madiun, scheduled_at=timezone.now() + timedelta(hours=3))
    services.submit_broadcast(actor=operator, broadcast=broadcast)
    services.approve_broadcast(actor=editor, broadcast=broadcast)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SCHEDULED and broadcast.scheduled_at > timezone.now()
    assert services.start_broadcast(broadcast_id=broadcast.pk) is None
    engine.tick()
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SCHEDULED
    assert not broadcast.deliveries.exists()

    # Time passes: the schedule is now due.
    Broadcast.objects.filter(pk=broadcast.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    engine.tick()
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENDING and broadcast.started_at is not None
    assert broadcast.deliveries.count() == 1
    assert services.start_broadcast(broadcast_id=broadcast.pk) is None   # idempotent: a second start does nothing
    assert broadcast.deliveries.count() == 1


def test_it_sends_now_when_approved_long_after_the_schedule(madiun, operator, editor, outbox):
    broadcast = draft(operator, madiun, scheduled_at=timezone.now() + timedelta(minutes=5))
    services.submit_broadcast(actor=operator, broadcast=broadcast)
    Broadcast.objects.filter(pk=broadcast.pk).update(scheduled_at=timezone.now() - timedelta(hours=5))
    approved = services.approve_broadcast(actor=editor, broadcast=broadcast)
    assert approved.status == Broadcast.Status.SCHEDULED
    assert abs((approved.scheduled_at - timezone.now()).total_seconds()) < 60


def test_it_finishes_at_once_a_broadcast_without_recipients(madiun, outbox, make_member, send_broadcast):
    make_member(madiun, whatsapp="081230000001", consent=False)
    broadcast = send_broadcast(madiun)
    assert broadcast.status == Broadcast.Status.DONE and broadcast.finished_at is not None
    assert broadcast.excluded == {"no_consent": 1}


# Quiet hours ---------------------------------------------------------------------------------------------------

def make_quiet_now(office) -> None:
    local = timezone.now().astimezone(ZoneInfo(office.timezone))
    office.quiet_hours_start = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    office.quiet_hours_end = (local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    office.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    assert in_quiet_hours(office)


def test_it_holds_normal_broadcasts_during_quiet_hours(madiun, outbox, make_member, send_broadcast):
    for i in range(3):
        make_member(madiun, whatsapp=f"08123000000{i}")
    normal = send_broadcast(madiun, title="Biasa")
    make_quiet_now(madiun)
    stats = engine.pump(outbox.pk, seconds=5)
    assert stats.accepted == 0
    assert set(normal.deliveries.values_list("status", flat=True)) == {Delivery.Status.QUEUED}

    urgent = send_broadcast(madiun, title="Mendesak", urgent=True)
    direct = services.send_direct(channel=outbox, recipient="+6281230000099", text="Balasan pertanyaan")
    assert engine.pump(outbox.pk, seconds=5).accepted == 4
    assert set(urgent.deliveries.values_list("status", flat=True)) == {Delivery.Status.DELIVERED}
    direct.refresh_from_db()
    assert direct.status == Delivery.Status.DELIVERED
    assert set(normal.deliveries.values_list("status", flat=True)) == {Delivery.Status.QUEUED}

    madiun.quiet_hours_start = madiun.quiet_hours_end = None
    madiun.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    assert engine.pump(outbox.pk, seconds=5).accepted == 3


def test_it_knows_quiet_hours_that_span_midnight(madiun):
    madiun.quiet_hours_start, madiun.quiet_hours_end = clock(21, 0), clock(6, 0)
    wib = ZoneInfo("Asia/Jakarta")
    assert in_quiet_hours(madiun, datetime(2026, 3, 1, 23, 30, tzinfo=wib))
    assert in_quiet_hours(madiun, datetime(2026, 3, 2, 5, 59, tzinfo=wib))
    assert not in_quiet_hours(madiun, datetime(2026, 3, 2, 6, 0, tzinfo=wib))
    assert not in_quiet_hours(madiun, datetime(2026, 3, 2, 14, 0, tzinfo=wib))


# Pause, resume, cancel -----------------------------------------------------------------------------------------

def test_it_holds_a_paused_broadcast_and_sends_it_on_resume(madiun, editor, outbox, make_member, send_broadcast):
    for i in range(3):
        make_member(madiun, whatsapp=f"08123000000{i}")
    broadcast = send_broadcast(madiun)
    paused = services.pause_broadcast(actor=editor, broadcast=broadcast)
    assert paused.status == Broadcast.Status.PAUSED
    assert set(broadcast.deliveries.values_list("status", flat=True)) == {Delivery.Status.HELD}
    assert engine.pump(outbox.pk, seconds=5).accepted == 0
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.PAUSED   # not "done": held rows are still to send
    with pytest.raises(ValidationError):
        services.pause_broadcast(actor=editor, broadcast=broadcast)

    resumed = services.resume_broadcast(actor=editor, broadcast=broadcast)
    assert resumed.status == Broadcast.Status.SENDING
    assert set(broadcast.deliveries.values_list("status", flat=True)) == {Delivery.Status.QUEUED}
    assert engine.pump(outbox.pk, seconds=5).accepted == 3
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE


def test_it_skips_what_is_left_when_cancelled(madiun, editor, outbox, make_member, send_broadcast):
    for i in range(3):
        make_member(madiun, whatsapp=f"08123000000{i}")
    broadcast = send_broadcast(madiun)
    cancelled = services.cancel_broadcast(actor=editor, broadcast=broadcast)
    assert cancelled.status == Broadcast.Status.CANCELLED and cancelled.finished_at is not None
    assert set(broadcast.deliveries.values_list("status", "error_outcome")) == {(Delivery.Status.SKIPPED,
                                                                                  "cancelled")}
    assert engine.pump(outbox.pk, seconds=5).accepted == 0
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.CANCELLED
    with pytest.raises(ValidationError):
        services.cancel_broadcast(actor=editor, broadcast=broadcast)


def test_it_cancels_a_paused_broadcast(madiun, editor, outbox, make_member, send_broadcast):
    make_member(madiun, whatsapp="081230000001")
    broadcast = send_broadcast(madiun)
    services.pause_broadcast(actor=editor, broadcast=broadcast)
    services.cancel_broadcast(actor=editor, broadcast=broadcast)
    assert list(broadcast.deliveries.values_list("status", flat=True)) == [Delivery.Status.SKIPPED]


def test_it_writes_an_audit_row_for_every_step(madiun, admin, operator, editor, outbox, make_member):
    make_member(madiun, whatsapp="081230000001")
    make_member(madiun, whatsapp="081230000002")
    broadcast = draft(operator, madiun)
    services.submit_broadcast(actor=operator, broadcast=broadcast)
    services.approve_broadcast(actor=editor, broadcast=broadcast)
    services.start_broadcast(broadcast_id=broadcast.pk)
    services.pause_broadcast(actor=editor, broadcast=broadcast)
    services.resume_broadcast(actor=editor, broadcast=broadcast)
    services.cancel_broadcast(actor=editor, broadcast=broadcast)
    rows = AuditEntry.objects.filter(target_type="broadcasts.broadcast", target_id=str(broadcast.pk)).order_by("id")
    assert [(r.action, r.actor_id) for r in rows] == [
        ("broadcast.created", operator.pk), ("broadcast.submitted", operator.pk),
        ("broadcast.approved", editor.pk), ("broadcast.started", None), ("broadcast.paused", editor.pk),
        ("broadcast.resumed", editor.pk), ("broadcast.cancelled", editor.pk)]
    started = rows.get(action="broadcast.started")
    assert started.after["recipients"] == 2 and started.after["per_channel"] == {str(outbox.pk): 2}
    assert rows.get(action="broadcast.paused").after == {"held": 2}
    assert rows.get(action="broadcast.cancelled").after == {"not_sent": 2}
    assert AuditEntry.objects.filter(action="channel.created", target_id=str(outbox.pk), actor=admin).exists()


# Priorities and pacing ------------------------------------------------------------------------------------------

def test_it_claims_direct_messages_before_queued_bulk(madiun, outbox, make_member, send_broadcast):
    for i in range(5):
        make_member(madiun, whatsapp=f"08123000000{i}")
    send_broadcast(madiun)
    direct = services.send_direct(channel=outbox, recipient="+6281230000099", text="Balasan")
    assert direct.priority == PRIORITY_DIRECT
    assert engine.claim(outbox, "uji", 1) == [direct.pk]


def test_it_sends_urgent_broadcasts_before_normal_ones(madiun, outbox, make_member, send_broadcast):
    make_member(madiun, whatsapp="081230000001")
    normal = send_broadcast(madiun, title="Biasa")
    urgent = send_broadcast(madiun, title="Mendesak", urgent=True)
    assert engine.claim(outbox, "uji", 1) == [urgent.deliveries.get().pk]
    assert normal.deliveries.get().status == Delivery.Status.QUEUED


def test_it_waits_six_seconds_between_two_messages_to_one_whatsapp_number(madiun, wa_channel, fake_wa):
    first = services.send_direct(channel=wa_channel, recipient="+6281230000001", text="Pesan pertama")
    second = services.send_direct(channel=wa_channel, recipient="+6281230000001", text="Pesan kedua")
    other = services.send_direct(channel=wa_channel, recipient="+6281230000002", text="Orang lain")
    stats = engine.pump(wa_channel.pk, seconds=5)
    assert (stats.accepted, stats.deferred) == (2, 1)
    for delivery in (first, second, other):
        delivery.refresh_from_db()
    assert first.status == other.status == Delivery.Status.SENT
    assert second.status == Delivery.Status.QUEUED and second.attempts == 0
    wait = (second.next_attempt_at - first.sent_at).total_seconds()
    assert 5 <= wait <= 7
    assert [r.json["text"]["body"] for r in fake_wa.requests if r.json["to"] == "+6281230000001"] == [
        "Pesan pertama"]


# WhatsApp: the 24-hour window and the provider's errors -------------------------------------------------------

def test_it_sends_text_inside_the_24_hour_window_and_the_template_outside(madiun, admin, wa_channel, fake_wa,
                                                                          make_member, send_broadcast):
    template = template_for(wa_channel, admin)
    recent = make_member(madiun, "Baru Menulis", whatsapp="081230000001")
    make_member(madiun, "Lama Diam", whatsapp="081230000002")
    make_member(madiun, "Tak Pernah", whatsapp="081230000003")
    now = timezone.now()
    InboundMessage.objects.create(channel=wa_channel, provider_message_id="wamid.IN1", sender="whatsapp:+6281230000001",
                                  kind="text", text="Halo", sent_at=now - timedelta(hours=23))
    InboundMessage.objects.create(channel=wa_channel, provider_message_id="wamid.IN2", sender="whatsapp:+6281230000002",
                                  kind="text", text="Halo", sent_at=now - timedelta(hours=25))
    broadcast = send_broadcast(madiun, text="*Info* kampanye", template=template,
                               template_parameters=["{nama}", "jadwal kampanye"])
    assert engine.pump(wa_channel.pk, seconds=5).accepted == 3
    [inside] = requests_to(fake_wa, "+6281230000001")
    assert inside["type"] == "text" and inside["text"]["body"].startswith("*Info* kampanye")
    for to, name in (("+6281230000002", "Lama Diam"), ("+6281230000003", "Tak Pernah")):
        [outside] = requests_to(fake_wa, to)
        assert outside["type"] == "template"
        assert outside["template"]["name"] == "info_siaran"
        assert [p["text"] for p in outside["template"]["components"][0]["parameters"]] == [name, "jadwal kampanye"]
    via = dict(broadcast.deliveries.values_list("member_id", "via_template"))
    assert via[recent.pk] is False
    assert sorted(via.values()) == [False, True, True]


def test_it_sends_text_to_everyone_when_the_broadcast_has_no_template(madiun, wa_channel, fake_wa, make_member,
                                                                     send_broadcast):
    make_member(madiun, whatsapp="081230000001")
    send_broadcast(madiun, text="Tanpa templat")
    engine.pump(wa_channel.pk, seconds=5)
    [request] = fake_wa.requests
    assert request.json["type"] == "text"


class WindowClosedWhatsApp(FakeWhatsApp):
    """Like Meta after the window closed: free text to a number in `errors` gets 131047, a template goes through."""

    def answer(self, method, path, headers, data):
        if isinstance(data, dict) and data.get("type") == "template":
            return self.success(str(data.get("to"))), "ok"
        return super().answer(method, path, headers, data)


def test_it_resends_as_the_template_when_whatsapp_says_the_window_closed(madiun, admin, make_member,
                                                                         send_broadcast):
    with WindowClosedWhatsApp(errors={"+6281230000001": 131047}) as fake:
        channel = wa_channel_at(madiun, admin, fake)
        template = template_for(channel, admin)
        member = make_member(madiun, "Budi", whatsapp="081230000001")
        InboundMessage.objects.create(channel=channel, provider_message_id="wamid.IN1",
                                      sender="whatsapp:+6281230000001", kind="text", text="Halo",
                                      sent_at=timezone.now() - timedelta(hours=1))   # our clock says: still open
        broadcast = send_broadcast(madiun, template=template, template_parameters=["{nama}", "rapat"])
        stats = engine.pump(channel.pk, seconds=5)
        types = [r.json["type"] for r in fake.requests]
    assert types == ["text", "template"]
    assert (stats.accepted, stats.retried, stats.failed) == (1, 1, 0)
    delivery = broadcast.deliveries.get(member=member)
    assert delivery.status == Delivery.Status.SENT and delivery.via_template
    assert delivery.attempts == 1   # the switch to the template is not counted as a failed attempt


def test_it_fails_a_131047_when_there_is_no_template_to_fall_back_to(madiun, wa_channel, fake_wa, make_member,
                                                                     send_broadcast):
    member = make_member(madiun, whatsapp="081230000001")
    fake_wa.errors["+6281230000001"] = 131047
    broadcast = send_broadcast(madiun)
    assert engine.pump(wa_channel.pk, seconds=5).failed == 1
    delivery = broadcast.deliveries.get()
    assert (delivery.status, delivery.error_outcome, delivery.error_code) == (Delivery.Status.FAILED,
                                                                             "needs_template", 131047)
    assert member.addresses.get().undeliverable_at is None   # the number is fine; only free text is refused


def test_it_flags_a_number_whatsapp_cannot_deliver_to(madiun, wa_channel, fake_wa, make_member, send_broadcast):
    bad = make_member(madiun, whatsapp="081230000001")
    make_member(madiun, whatsapp="081230000002")
    fake_wa.errors["+6281230000001"] = 131026
    broadcast = send_broadcast(madiun)
    stats = engine.pump(wa_channel.pk, seconds=5)
    assert (stats.accepted, stats.failed) == (1, 1)
    delivery = broadcast.deliveries.get(member=bad)
    assert (delivery.status, delivery.error_outcome, delivery.error_code) == (Delivery.Status.FAILED,
                                                                             "bad_address", 131026)
    address = bad.addresses.get()
    assert address.undeliverable_at is not None and address.undeliverable_reason
    assert send_broadcast(madiun).excluded == {"undeliverable": 1}


def test_it_stops_a_whatsapp_channel_with_an_expired_token_and_resumes_after_reactivation(
        madiun, admin, wa_channel, fake_wa, make_member, send_broadcast, mailoutbox, notify_now):
    for i in range(3):
        make_member(madiun, whatsapp=f"08123000000{i}")
    fake_wa.token = "EAAJB-token-baru"   # ours expired: 190
    broadcast = send_broadcast(madiun)
    stats = engine.pump(wa_channel.pk, seconds=5)
    assert (stats.accepted, stats.failed) == (0, 0)
    wa_channel.refresh_from_db()
    assert wa_channel.status == Channel.Status.BROKEN and wa_channel.status_reason.startswith("190")
    assert {(d.status, d.attempts) for d in broadcast.deliveries.all()} == {(Delivery.Status.QUEUED, 0)}
    assert AuditEntry.objects.filter(action="channel.broken", target_id=str(wa_channel.pk)).count() == 1
    notify_now()   # the audit row becomes the admins' notification, sent at once (urgent by default)
    [alert] = mailoutbox
    assert alert.to == ["admin@kpu-madiun.test"]
    assert WA_TOKEN not in alert.body

    fake_wa.token = WA_TOKEN
    channel_services.set_channel_status(actor=admin, channel=wa_channel, active=True)
    assert AuditEntry.objects.filter(action="channel.resumed", target_id=str(wa_channel.pk)).exists()
    assert engine.pump(wa_channel.pk, seconds=5).accepted == 3
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE


def test_it_routes_around_a_broken_channel_for_new_broadcasts(madiun, wa_channel, fake_wa, make_member,
                                                              send_broadcast):
    make_member(madiun, whatsapp="081230000001")
    fake_wa.token = "lain"
    send_broadcast(madiun)
    engine.pump(wa_channel.pk, seconds=5)
    assert send_broadcast(madiun).excluded == {"no_channel": 1}


def test_it_sends_a_media_broadcast_with_the_caption(madiun, wa_channel, fake_wa, make_member, send_broadcast):
    make_member(madiun, whatsapp="081230000001")
    send_broadcast(madiun, text="Undangan terlampir", media_url="https://kpu.test/undangan.pdf",
                   media_kind="document")
    engine.pump(wa_channel.pk, seconds=5)
    [request] = fake_wa.requests
    assert request.json["type"] == "document"
    assert request.json["document"]["link"] == "https://kpu.test/undangan.pdf"
    assert request.json["document"]["caption"].startswith("Undangan terlampir")


def test_it_keeps_the_attachment_when_the_text_is_too_long_for_a_caption(madiun, wa_channel, fake_wa, make_member,
                                                                         send_broadcast):
    make_member(madiun, whatsapp="081230000001")
    send_broadcast(madiun, text="x" * 1000, media_url="https://kpu.test/undangan.pdf", media_kind="document")
    engine.pump(wa_channel.pk, seconds=5)
    sent = json.dumps([r.json for r in fake_wa.requests])
    assert "https://kpu.test/undangan.pdf" in sent


def test_it_keeps_a_maximum_length_broadcast_within_the_whatsapp_limit(madiun, wa_channel, fake_wa, make_member,
                                                                       send_broadcast):
    make_member(madiun, whatsapp="081230000001")
    send_broadcast(madiun, text="x" * services.max_text_length())
    engine.pump(wa_channel.pk, seconds=5)
    [request] = fake_wa.requests
    assert len(request.json["text"]["body"]) == 4096
    assert "BERHENTI" in request.json["text"]["body"]


# Keywords: BERHENTI / MULAI over a signed WhatsApp webhook ----------------------------------------------------

def inbound_body(text: str, sender: str, message_id: str) -> bytes:
    payload = json.loads((WEBHOOKS / "inbound_text.json").read_text())
    value = payload["entry"][0]["changes"][0]["value"]
    digits = sender.lstrip("+")
    value["contacts"][0]["wa_id"] = digits
    message = value["messages"][0]
    message.update({"from": digits, "id": message_id, "timestamp": str(int(time.time()))})
    message["text"]["body"] = text
    return json.dumps(payload).encode()


def signature(raw: bytes) -> str:
    return "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()


def receive(channel, text: str, sender: str, message_id: str = "wamid.KATAKUNCI1") -> dict:
    raw = inbound_body(text, sender, message_id)
    assert channel.provider.verify_webhook(channel, {"X-Hub-Signature-256": signature(raw)}, raw)
    assert not channel.provider.verify_webhook(channel, {"X-Hub-Signature-256": signature(raw + b" ")}, raw)
    counts = channel_services.process_webhook_events(channel=channel, events=whatsapp.parse_webhook(raw))
    route_pending()
    return counts


def replies_to(recipient: str):
    return Delivery.objects.filter(broadcast__isnull=True, recipient=recipient).order_by("id")


def test_it_opts_out_on_berhenti_and_confirms(madiun, wa_channel, make_member):
    member = make_member(madiun, "Budi", whatsapp="081230000001")
    counts = receive(wa_channel, "berhenti", "+6281230000001")
    assert counts == {"statuses": 0, "messages": 1, "duplicates": 0, "errors": 0}
    address = member.addresses.get()
    assert address.opted_out and address.opted_out_at is not None
    consent = Consent.objects.get(address=address, purpose=Purpose.DISSEMINATION)
    assert consent.withdrawn_at is not None and "berhenti" in consent.withdrawal_note
    [reply] = replies_to("+6281230000001")
    assert reply.priority == PRIORITY_DIRECT and reply.member_id == member.pk and reply.address_id == address.pk
    assert "MULAI" in reply.text and madiun.name in reply.text
    assert InboundMessage.objects.get().keyword == "stop"
    assert AuditEntry.objects.filter(action="message.keyword_reply").count() == 1


@pytest.mark.parametrize("text", ["STOP", " Berhenti! ", "berhenti langganan"])
def test_it_understands_the_variants_of_the_stop_keyword(madiun, wa_channel, make_member, text):
    member = make_member(madiun, whatsapp="081230000001")
    receive(wa_channel, text, "+6281230000001")
    assert member.addresses.get().opted_out


def test_it_ignores_a_sentence_that_only_contains_the_keyword(madiun, wa_channel, make_member):
    member = make_member(madiun, whatsapp="081230000001")
    receive(wa_channel, "Kapan rapat berhenti?", "+6281230000001")
    assert not member.addresses.get().opted_out
    assert not replies_to("+6281230000001").exists()


def test_it_gives_consent_back_on_mulai(madiun, wa_channel, make_member, send_broadcast):
    member = make_member(madiun, whatsapp="081230000001")
    receive(wa_channel, "BERHENTI", "+6281230000001", "wamid.STOP")
    assert send_broadcast(madiun).excluded == {"opted_out": 1}
    receive(wa_channel, "MULAI", "+6281230000001", "wamid.START")
    address = member.addresses.get()
    assert not address.opted_out
    active = Consent.objects.get(address=address, purpose=Purpose.DISSEMINATION, withdrawn_at__isnull=True)
    assert active.method == Consent.Method.KEYWORD and "MULAI" in active.evidence
    # Evidence a person can read: the word, the channel, the date in Indonesian with the zone; no provider id.
    assert "wamid" not in active.evidence and re.search(r"\d{1,2} \w+ \d{4} \d{2}\.\d{2} WIB", active.evidence)
    assert wa_channel.name in active.evidence
    replies = list(replies_to("+6281230000001"))
    assert len(replies) == 2 and "kembali menerima" in replies[1].text
    assert send_broadcast(madiun).total_recipients == 1


def test_it_answers_an_unknown_sender(madiun, wa_channel):
    receive(wa_channel, "MULAI", "+6281299990000", "wamid.START")
    [reply] = replies_to("+6281299990000")
    assert "belum terdaftar" in reply.text and "+6281299990000" in reply.text
    assert reply.member_id is None and reply.priority == PRIORITY_DIRECT
    receive(wa_channel, "berhenti", "+6281299990000", "wamid.STOP")   # nothing to opt out: just the confirmation
    assert "MULAI" in replies_to("+6281299990000").last().text
    # The inbox keeps the sender as a public contact (never part of "all members"), now opted out.
    address = Address.objects.get()
    assert address.member.source == "inbound" and address.opted_out


def test_it_handles_a_redelivered_webhook_once(madiun, wa_channel, make_member, client):
    member = make_member(madiun, whatsapp="081230000001")
    raw = inbound_body("BERHENTI", "+6281230000001", "wamid.SEKALI")
    url = f"/webhooks/{wa_channel.uuid}/"
    first = client.post(url, data=raw, content_type="application/json",
                        headers={"X-Hub-Signature-256": signature(raw)})
    again = client.post(url, data=raw, content_type="application/json",
                        headers={"X-Hub-Signature-256": signature(raw)})
    assert first.status_code == again.status_code == 200
    assert first.json()["messages"] == 1
    assert again.json() == {"statuses": 0, "messages": 0, "duplicates": 1, "errors": 0}
    assert InboundMessage.objects.count() == 1
    route_pending()
    assert replies_to("+6281230000001").count() == 1
    assert Consent.objects.filter(address__member=member, withdrawn_at__isnull=False).count() == 1
    forged = client.post(url, data=raw, content_type="application/json",
                         headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert forged.status_code == 403


def test_it_skips_a_queued_delivery_of_someone_who_just_opted_out(madiun, wa_channel, fake_wa, make_member,
                                                                  send_broadcast):
    leaving = make_member(madiun, whatsapp="081230000001")
    make_member(madiun, whatsapp="081230000002")
    broadcast = send_broadcast(madiun)
    receive(wa_channel, "BERHENTI", "+6281230000001")
    stats = engine.pump(wa_channel.pk, seconds=5)
    assert stats.skipped == 1
    assert broadcast.deliveries.get(member=leaving).status == Delivery.Status.SKIPPED
    sent = [(r.json["to"], r.json["text"]["body"][:9]) for r in fake_wa.requests]
    assert ("+6281230000001", "Anda tida") in sent            # the confirmation, a direct message, still goes
    assert sum(1 for to, _text in sent if to == "+6281230000001") == 1


# Erasure (UU 27/2022) ----------------------------------------------------------------------------------------

def test_it_redacts_the_deliveries_of_an_erased_member(madiun, admin, outbox, make_member, send_broadcast):
    member = make_member(madiun, "Siti Aminah", whatsapp="081230000001")
    kept = make_member(madiun, "Tetap", whatsapp="081230000002")
    broadcast = send_broadcast(madiun)
    engine.pump(outbox.pk, seconds=5)
    member_services.erase_member(actor=admin, member=member, reason="Permintaan tertulis 1 Mei 2026")
    delivery = broadcast.deliveries.get(member=member)
    assert delivery.recipient.startswith(REDACTED[:200])
    assert delivery.recipient_name == "" and delivery.address_id is None
    assert delivery.status == Delivery.Status.DELIVERED   # counts and statuses stay
    assert broadcast.deliveries.get(member=kept).recipient == "+6281230000002"


def test_erasure_clears_direct_messages_direct_messages_too(madiun, outbox, make_member):
    member = make_member(madiun, "Siti Aminah", whatsapp="081230000001")
    services.send_direct(channel=outbox, recipient="+6281230000001", text="Halo Bu Siti", member=member)
    assert services.erase_member_traffic(member) == 1
    delivery = Delivery.objects.get()
    assert (delivery.recipient, delivery.recipient_name, delivery.text) == (f"{REDACTED[:200]} #{delivery.pk}", "", "")


def test_it_erases_two_members_who_received_the_same_broadcast(madiun, admin, outbox, make_member, send_broadcast):
    first = make_member(madiun, whatsapp="081230000001")
    second = make_member(madiun, whatsapp="081230000002")
    send_broadcast(madiun)
    member_services.erase_member(actor=admin, member=first, reason="Permintaan tertulis")
    member_services.erase_member(actor=admin, member=second, reason="Permintaan tertulis")
    assert Delivery.objects.filter(recipient__startswith=REDACTED[:200]).count() == 2


def test_it_leaves_no_audit_row_naming_an_erased_member(madiun, admin, wa_channel, make_member):
    member = make_member(madiun, "Siti Aminah", whatsapp="081230000001")
    receive(wa_channel, "BERHENTI", "+6281230000001")
    member_services.erase_member(actor=admin, member=member, reason="Permintaan tertulis")
    leftovers = [(a.action, a.target_label) for a in AuditEntry.objects.all()
                 if "6281230000001" in f"{a.target_label}{a.before}{a.after}" or "Siti" in f"{a.before}{a.after}"]
    assert leftovers == []


def test_it_leaves_no_inbound_message_of_an_erased_member(madiun, admin, wa_channel, make_member):
    member = make_member(madiun, "Siti Aminah", whatsapp="081230000001")
    receive(wa_channel, "BERHENTI", "+6281230000001")
    member_services.erase_member(actor=admin, member=member, reason="Permintaan tertulis")
    assert not InboundMessage.objects.filter(sender="whatsapp:+6281230000001").exists()
