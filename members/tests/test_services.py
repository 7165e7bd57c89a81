import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from bakohumas.locking import ConflictError
from bakohumas.spamguard import SpamSuspected
from members import selectors, services
from members.models import Address, Category, Consent, Group, Member, Purpose
from members.services import AddressInput, ConsentInput


@pytest.fixture
def org(madiun, operator):
    return services.create_organization(actor=operator, office=madiun, name="DPC PKB Kota Madiun",
                                        category=Category.PARTY)


def make_member(office, actor, name="Siti Rahmawati", wa="0812-3456-7890", **kw):
    return services.create_member(actor=actor, office=office, full_name=name,
                                  addresses=[AddressInput("whatsapp", wa)], **kw)


def test_it_creates_a_member_with_normalized_addresses_consent_and_audit(madiun, operator, org):
    member = services.create_member(
        actor=operator, office=madiun, full_name="  Siti   Rahmawati ", organization=org, position="Sekretaris",
        addresses=[AddressInput("whatsapp", "0812-3456-7890"), AddressInput("mailto", "Siti@Example.ID"),
                   AddressInput("tel", "(0351) 462300")],
        consent=ConsentInput([Purpose.DISSEMINATION], Consent.Method.FORM, "formulir rapat 12/3/2024"),
    )
    assert member.full_name == "Siti Rahmawati"
    assert sorted(a.urn for a in member.addresses.all()) == [
        "mailto:siti@example.id", "tel:+62351462300", "whatsapp:+6281234567890"]
    # Consent applies to addresses that can be messaged, not to a landline.
    assert Consent.objects.filter(address__member=member).count() == 2
    entry = AuditEntry.objects.get(action="member.created", target_id=str(member.pk))
    assert entry.actor == operator and entry.office == madiun
    assert entry.after["addresses"][0]["urn"].startswith("whatsapp:+62") or entry.after["addresses"]


def test_it_refuses_the_same_number_twice_in_one_office_not_across_offices(madiun, kab_madiun, operator, make_staff):
    make_member(madiun, operator)
    with pytest.raises(ValidationError, match="sudah terdaftar atas nama Siti Rahmawati"):
        make_member(madiun, operator, name="Orang Lain", wa="+62 812 3456 7890")
    make_member(kab_madiun, make_staff(kab_madiun), name="Orang Lain", wa="6281234567890")


@pytest.mark.parametrize(("name", "wa", "message"), [
    ("<script>alert(1)</script>", "0812-3456-7890", "HTML"),
    ("", "0812-3456-7890", "wajib"),
    ("Budi", "+60123456789", "bukan nomor Indonesia"),
    ("Budi", "0812", "valid"),
])
def test_it_gives_field_errors_for_bad_members(madiun, operator, name, wa, message):
    with pytest.raises(ValidationError, match=message):
        make_member(madiun, operator, name=name, wa=wa)
    assert not Member.objects.exists()


def test_two_editors_of_the_same_member_do_not_overwrite_each_other(madiun, operator, make_staff):
    member = make_member(madiun, operator)
    other = make_staff(madiun)
    opened_version = member.version
    kwargs = dict(position="", organization=None, status=Member.Status.ACTIVE, tags=[],
                  addresses=[AddressInput("whatsapp", "0812-3456-7890")])
    services.update_member(actor=operator, member=Member.objects.get(pk=member.pk),
                           expected_version=opened_version, full_name="Siti R.", **kwargs)
    with pytest.raises(ConflictError):
        services.update_member(actor=other, member=Member.objects.get(pk=member.pk),
                               expected_version=opened_version, full_name="Siti Rahma", **kwargs)
    assert Member.objects.get(pk=member.pk).full_name == "Siti R."
    updated = AuditEntry.objects.get(action="member.updated")
    assert updated.before["full_name"] == "Siti Rahmawati" and updated.after["full_name"] == "Siti R."


def test_update_replaces_addresses_and_keeps_consent_of_unchanged_ones(madiun, operator):
    member = make_member(madiun, operator, consent=ConsentInput([Purpose.DISSEMINATION], Consent.Method.FORM, "x"))
    services.update_member(actor=operator, member=member, expected_version=member.version, full_name="Siti",
                           position="", organization=None, status=Member.Status.ACTIVE, tags=[],
                           addresses=[AddressInput("whatsapp", "081234567890"),
                                      AddressInput("mailto", "siti@example.id")])
    assert member.addresses.count() == 2
    assert Consent.objects.filter(address__member=member, withdrawn_at__isnull=True).count() == 1


def test_consent_is_per_purpose_and_withdrawal_stops_messaging(madiun, operator):
    member = make_member(madiun, operator)
    address = member.addresses.get()
    assert not selectors.messageable_addresses(member, Purpose.DISSEMINATION).exists()
    services.give_consent(actor=operator, address=address, purposes=[Purpose.DISSEMINATION, Purpose.EVENTS],
                          method=Consent.Method.FORM, evidence="tanda tangan rapat")
    assert selectors.messageable_addresses(member, Purpose.DISSEMINATION).exists()
    services.withdraw_consent(actor=operator, address=address, purposes=[Purpose.DISSEMINATION], note="lisan")
    assert not selectors.messageable_addresses(member, Purpose.DISSEMINATION).exists()
    assert selectors.messageable_addresses(member, Purpose.EVENTS).exists()
    services.set_opt_out(actor=operator, address=address, opted_out=True)
    assert not selectors.messageable_addresses(member, Purpose.EVENTS).exists()
    actions = list(AuditEntry.objects.filter(target_id=str(member.pk)).values_list("action", flat=True))
    assert {"consent.given", "consent.withdrawn", "address.opt_out"} <= set(actions)


def test_import_consent_needs_a_documented_basis(madiun, operator):
    with pytest.raises(ValidationError, match="dasarnya"):
        make_member(madiun, operator, consent=ConsentInput([Purpose.DISSEMINATION], Consent.Method.IMPORT, ""))


def test_personal_data_export_and_erasure(madiun, operator, org, make_staff):
    member = make_member(madiun, operator, organization=org,
                         consent=ConsentInput([Purpose.DISSEMINATION], Consent.Method.FORM, "rapat"))
    data = selectors.member_personal_data(member)
    assert data["member"]["full_name"] == "Siti Rahmawati"
    assert data["addresses"][0]["urn"] == "whatsapp:+6281234567890"
    assert data["addresses"][0]["consents"][0]["purpose"] == Purpose.DISSEMINATION

    admin = make_staff(madiun, "admin")
    with pytest.raises(ValidationError):
        services.erase_member(actor=admin, member=member, reason=" ")
    services.erase_member(actor=admin, member=member, reason="Permintaan tertulis 3 Juni 2024")
    member.refresh_from_db()
    assert member.status == Member.Status.ERASED and member.full_name == f"Anonim #{member.pk}"
    assert not Address.objects.filter(member=member).exists()
    history = AuditEntry.objects.filter(target_id=str(member.pk), target_type="members.member")
    assert all("Siti" not in str(e.before) + str(e.after) + e.target_label for e in history)
    assert history.filter(action="member.erased").exists()
    # The number is free again.
    make_member(madiun, operator, name="Baru")


def test_dynamic_groups_follow_their_rules(madiun, kab_madiun, operator, org, make_staff):
    media = services.create_organization(actor=operator, office=madiun, name="Radar Madiun", category=Category.MEDIA)
    party_member = make_member(madiun, operator, organization=org)
    make_member(madiun, operator, name="Wartawan", wa="0812-1111-2222", organization=media)
    kab_org = services.create_organization(actor=None, office=kab_madiun, name="DPC PKB Kab", category=Category.PARTY)
    kab_member = make_member(kab_madiun, None, name="Kab", wa="0812-3333-4444", organization=kab_org)
    parties = services.create_group(actor=operator, office=madiun, name="Parpol", kind=Group.Kind.DYNAMIC,
                                    categories=[Category.PARTY])
    assert list(selectors.group_members(parties)) == [party_member]
    jatim_admin = make_staff(madiun.parent, "admin")
    wide = services.create_group(actor=jatim_admin, office=madiun.parent, name="Parpol Jatim",
                                 kind=Group.Kind.DYNAMIC, categories=[Category.PARTY], include_descendants=True)
    assert set(selectors.group_members(wide)) == {party_member, kab_member}
    tagged = services.get_or_create_tags(office=madiun, names=["Forkopimda"])
    services.update_member(actor=operator, member=party_member, expected_version=party_member.version,
                           full_name=party_member.full_name, position="", organization=org,
                           status=Member.Status.ACTIVE, tags=tagged,
                           addresses=[AddressInput("whatsapp", "0812-3456-7890")])
    by_tag = services.create_group(actor=operator, office=madiun, name="Forkopimda", kind=Group.Kind.DYNAMIC,
                                   tags=tagged)
    assert list(selectors.group_members(by_tag)) == [party_member]


def test_manual_groups_only_take_members_of_their_office(madiun, kab_madiun, operator):
    group = services.create_group(actor=operator, office=madiun, name="Rapat", kind=Group.Kind.MANUAL)
    outsider = make_member(kab_madiun, None, name="Luar")
    with pytest.raises(ValidationError):
        services.set_group_membership(actor=operator, group=group, member=outsider, included=True)
    insider = make_member(madiun, operator)
    services.set_group_membership(actor=operator, group=group, member=insider, included=True)
    assert list(selectors.group_members(group)) == [insider]
    with pytest.raises(ValidationError, match="sudah ada"):
        services.create_group(actor=operator, office=madiun, name="rapat", kind=Group.Kind.MANUAL)


def test_self_registration_is_pending_until_approved_and_blocks_bots(madiun, operator, monkeypatch):
    import time

    from bakohumas import spamguard

    monkeypatch.setattr(spamguard, "MIN_FILL_SECONDS", 0)
    data = {"full_name": "Rudi Hartono", "organization": "Karang Taruna Manguharjo", "category": Category.NGO,
            "position": "Ketua", "whatsapp": "0813-1234-5678", "email": "", "telegram": "",
            "purposes": [Purpose.DISSEMINATION], "website": "",
            "started": spamguard.form_token(services.SELF_REGISTRATION_SALT)}
    member = services.register_self(office=madiun, data=data, ip_address="10.0.0.1")
    assert member.status == Member.Status.PENDING
    assert member.addresses.get().consents.get().method == Consent.Method.SELF_REGISTRATION
    services.approve_registration(actor=operator, member=member)
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE and member.organization.name == "Karang Taruna Manguharjo"
    with pytest.raises(ValidationError, match="sudah diproses"):
        services.approve_registration(actor=operator, member=member)
    with pytest.raises(SpamSuspected):
        services.register_self(office=madiun, data={**data, "website": "http://spam"}, ip_address="10.0.0.2")
    # The client's own clock proves nothing: an unsigned timestamp, however old, is refused like a bot.
    with pytest.raises(SpamSuspected):
        services.register_self(office=madiun, data={**data, "started": str(int(time.time()) - 30)},
                               ip_address="10.0.0.2")
    monkeypatch.setattr(spamguard, "MIN_FILL_SECONDS", 60)   # faster than a person types
    with pytest.raises(SpamSuspected):
        services.register_self(office=madiun, data={**data, "started": spamguard.form_token(
            services.SELF_REGISTRATION_SALT)}, ip_address="10.0.0.2")


@pytest.mark.parametrize("who", ["operator", "editor", "province admin", "sibling admin", "nobody"])
def test_only_an_admin_of_the_members_office_may_erase(who, madiun, kab_madiun, jatim, operator, make_staff):
    member = make_member(madiun, operator)
    actor = {"operator": operator, "editor": make_staff(madiun, "editor"),
             "province admin": make_staff(jatim, "admin"), "sibling admin": make_staff(kab_madiun, "admin"),
             "nobody": None}[who]
    if actor is None:
        from django.contrib.auth.models import AnonymousUser
        actor = AnonymousUser()
    with pytest.raises(PermissionDenied):
        services.erase_member(actor=actor, member=member, reason="Permintaan tertulis")
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE and member.addresses.exists()


def test_a_member_can_never_be_moved_back_to_pending(madiun, operator):
    member = make_member(madiun, operator)
    with pytest.raises(ValidationError, match="menunggu persetujuan"):
        services.update_member(actor=operator, member=member, expected_version=member.version,
                               full_name=member.full_name, position="", organization=None,
                               status=Member.Status.PENDING, addresses=[AddressInput("whatsapp", "0812-3456-7890")],
                               tags=[])
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


@pytest.mark.parametrize("source", [Member.Source.STAFF, Member.Source.IMPORT, Member.Source.API])
def test_only_a_self_registration_can_be_rejected(source, madiun, operator):
    member = make_member(madiun, operator, source=source)
    Member.objects.filter(pk=member.pk).update(status=Member.Status.PENDING)
    member.refresh_from_db()
    with pytest.raises(ValidationError):
        services.reject_registration(actor=operator, member=member)
    member.refresh_from_db()
    assert member.status == Member.Status.PENDING and member.addresses.exists()


def test_the_personal_data_export_holds_every_field_of_every_consent(madiun, operator):
    member = make_member(madiun, operator,
                         consent=ConsentInput([Purpose.DISSEMINATION, Purpose.EVENTS], Consent.Method.FORM,
                                              "Formulir rapat 12 Maret 2024"))
    address = member.addresses.get()
    services.withdraw_consent(actor=operator, address=address, purposes=[Purpose.EVENTS],
                              note="Permintaan lisan di kantor, 3 Juni")
    exported = selectors.member_personal_data(member)["addresses"][0]["consents"]
    stored = {c.purpose: c for c in address.consents.all()}
    assert {c["purpose"] for c in exported} == set(stored)
    fields = [f.name for f in Consent._meta.concrete_fields if f.name not in {"id", "address"}]
    for row in exported:
        consent = stored[row["purpose"]]
        for name in fields:
            assert name in row, name
        assert row["evidence"] == "Formulir rapat 12 Maret 2024"
        assert row["recorded_by"]["username"] == operator.username
        assert row["method_label"] == str(consent.get_method_display())
    withdrawn = next(c for c in exported if c["purpose"] == Purpose.EVENTS)
    assert withdrawn["withdrawal_note"] == "Permintaan lisan di kantor, 3 Juni" and withdrawn["withdrawn_at"]


def test_every_app_that_holds_personal_data_is_registered_and_members_imports_none_of_them():
    import ast
    from pathlib import Path

    from django.conf import settings

    from members import personal_data

    assert [h.key for h in personal_data.holders()] == ["deliveries", "messages", "hoax_reports"]
    for module in ("services.py", "selectors.py"):
        tree = ast.parse(Path(settings.BASE_DIR, "members", module).read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {m for m in imported if m and m.split(".")[0] in {"broadcasts", "inbox", "factcheck"}}, imported
