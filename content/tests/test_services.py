from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from bakohumas.locking import ConflictError
from content import selectors, services
from content.models import Publication, PublicationChange, Revision
from offices.models import Office

Status = Publication.Status


def edit(publication, actor, **changes):
    fresh = Publication.objects.get(pk=publication.pk)
    values = {"kind": fresh.kind, "title": fresh.title, "summary": fresh.summary, "body": fresh.body,
              "tags": fresh.tags, "stage": fresh.stage, "publish_at": fresh.publish_at,
              "unpublish_at": fresh.unpublish_at, **changes}
    expected = values.pop("expected_version", fresh.version)
    return services.update_publication(actor=actor, publication=fresh, expected_version=expected, **values)


# Creating ------------------------------------------------------------------------------------------------------

def test_it_creates_a_draft_with_a_revision_and_an_audit_row(make_publication, writer, madiun):
    publication = make_publication(tags=["Pemilu 2029", " pemilu 2029 ", "DPT", ""])
    assert publication.status == Status.DRAFT
    assert publication.slug == "rekapitulasi-daftar-pemilih-tetap"
    assert publication.tags == ["Pemilu 2029", "DPT"]
    assert "<strong>DPT</strong>" in publication.body_html
    assert publication.created_by == writer
    revision = publication.revisions.get()
    assert (revision.number, revision.title, revision.created_by) == (1, publication.title, writer)
    entry = AuditEntry.objects.get(action="publication.created", target_id=str(publication.pk))
    assert entry.actor == writer and entry.office == madiun and entry.after["slug"] == publication.slug


@pytest.mark.parametrize("field", ["title", "summary"])
@pytest.mark.parametrize("value", ["<b>Rilis</b>", "Klik <script>alert(1)</script>", "x onload=alert(1)"])
def test_it_refuses_markup_in_title_and_summary(make_publication, field, value):
    with pytest.raises(ValidationError, match="tidak boleh berisi kode HTML atau skrip") as caught:
        make_publication(**({"title": value} if field == "title" else {"summary": value}))
    assert field in caught.value.message_dict
    assert not Publication.objects.exists()


def test_it_requires_a_title_and_a_known_kind(make_publication):
    with pytest.raises(ValidationError, match="wajib diisi"):
        make_publication(title="  ")
    with pytest.raises(ValidationError, match="Jenis publikasi tidak dikenal"):
        make_publication(kind="opini")


def test_auto_slugs_count_up_and_explicit_duplicates_are_refused(make_publication, make_staff, kab_madiun):
    first = make_publication(title="Pengumuman DPT")
    second = make_publication(title="Pengumuman DPT")
    third = make_publication(title="Pengumuman: DPT!")
    assert [first.slug, second.slug, third.slug] == ["pengumuman-dpt", "pengumuman-dpt-2", "pengumuman-dpt-3"]
    with pytest.raises(ValidationError) as caught:
        make_publication(title="Lain", slug="pengumuman-dpt")
    assert "sudah dipakai" in caught.value.message_dict["slug"][0]
    # Another office may use the same slug.
    other = make_publication(title="Pengumuman DPT", office=kab_madiun, actor=make_staff(kab_madiun, Role.OPERATOR))
    assert other.slug == "pengumuman-dpt"
    # A title without letters still gets a slug.
    assert make_publication(title="2029").slug == "2029"
    assert make_publication(title="—").slug == "publikasi"


def test_the_slug_cannot_change_once_published(make_publication, publish, writer, editor):
    publication = make_publication()
    edit(publication, writer, slug="dpt-baru")
    assert Publication.objects.get(pk=publication.pk).slug == "dpt-baru"
    publish(Publication.objects.get(pk=publication.pk))
    with pytest.raises(ValidationError, match="Slug tidak dapat diubah"):
        edit(publication, editor, slug="dpt-lain")


def test_the_stage_must_belong_to_an_election_of_the_office_or_above(make_publication, stage_for, madiun, ri,
                                                                      jatim, kab_madiun, make_staff):
    for office in (madiun, jatim, ri):
        stage = stage_for(office, code=f"pemilihan-{office.code}")
        assert make_publication(title=f"Tahapan {office.code}", stage=stage).stage == stage
    sibling_stage = stage_for(kab_madiun, code="psu-kab-madiun")
    with pytest.raises(ValidationError, match="tidak diselenggarakan untuk satker ini"):
        make_publication(stage=sibling_stage)
    # A province cannot attach a stage of an election run below it.
    with pytest.raises(ValidationError, match="tidak diselenggarakan"):
        make_publication(office=jatim, actor=make_staff(jatim, Role.EDITOR),
                         stage=stage_for(madiun, code="psu-kota-madiun"))


@pytest.mark.parametrize("role", [Role.VIEWER, Role.VERIFIER])
def test_it_refuses_writers_without_the_role(make_publication, make_staff, madiun, role):
    with pytest.raises(PermissionDenied):
        make_publication(actor=make_staff(madiun, role))


def test_it_refuses_writing_for_another_office(make_publication, make_staff, jatim, kab_madiun):
    with pytest.raises(PermissionDenied):
        make_publication(actor=make_staff(jatim, Role.ADMIN))
    publication = make_publication()
    with pytest.raises(PermissionDenied):
        edit(publication, make_staff(kab_madiun, Role.ADMIN), title="Diubah satker lain")


def test_naive_times_are_wall_clock_times_of_the_office_zone(make_publication, make_staff):
    papua = Office.objects.filter(timezone=Office.Zone.WIT, level=Office.Level.REGENCY).first()
    year = timezone.now().year + 2
    madiun_item = make_publication(publish_at=datetime(year, 1, 2, 10, 0))
    assert madiun_item.publish_at == datetime(year, 1, 2, 3, 0, tzinfo=UTC)  # 10.00 WIB
    papua_item = make_publication(office=papua, actor=make_staff(papua, Role.OPERATOR),
                                  publish_at=datetime(year, 1, 2, 10, 0))
    assert papua_item.publish_at == datetime(year, 1, 2, 1, 0, tzinfo=UTC)  # 10.00 WIT


# Schedules -----------------------------------------------------------------------------------------------------

def test_it_refuses_a_schedule_in_the_past(make_publication):
    with pytest.raises(ValidationError, match="Jadwal terbit sudah lewat"):
        make_publication(publish_at=timezone.now() - timedelta(minutes=5))
    # Seconds ago is "now", not the past.
    assert make_publication(publish_at=timezone.now() - timedelta(seconds=20)).publish_at


def test_it_refuses_an_unpublish_time_before_publishing(make_publication):
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError, match="harus sesudah waktu terbit") as caught:
        make_publication(publish_at=start, unpublish_at=start - timedelta(hours=1))
    assert "unpublish_at" in caught.value.message_dict
    with pytest.raises(ValidationError, match="harus sesudah waktu terbit"):
        make_publication(publish_at=start, unpublish_at=start)
    with pytest.raises(ValidationError, match="harus sesudah waktu terbit"):
        make_publication(unpublish_at=timezone.now() - timedelta(hours=1))


def test_approval_refuses_a_schedule_that_passed_while_waiting(make_publication, writer, editor):
    publication = make_publication(publish_at=timezone.now() + timedelta(hours=1))
    services.submit_for_review(actor=writer, publication=publication)
    Publication.objects.filter(pk=publication.pk).update(publish_at=timezone.now() - timedelta(hours=2))
    publication.refresh_from_db()
    with pytest.raises(ValidationError, match="Jadwal terbit sudah lewat"):
        services.approve_and_publish(actor=editor, publication=publication)
    assert Publication.objects.get(pk=publication.pk).status == Status.REVIEW


def test_the_approver_may_set_the_schedule(make_publication, writer, editor):
    publication = make_publication()
    services.submit_for_review(actor=writer, publication=publication)
    with pytest.raises(ValidationError, match="Jadwal terbit sudah lewat"):
        services.approve_and_publish(actor=editor, publication=publication,
                                     publish_at=timezone.now() - timedelta(hours=1))
    year = timezone.now().year + 1
    services.approve_and_publish(actor=editor, publication=publication, publish_at=datetime(year, 6, 1, 9, 0))
    stored = Publication.objects.get(pk=publication.pk)
    assert stored.status == Status.PUBLISHED and stored.publish_at == datetime(year, 6, 1, 2, 0, tzinfo=UTC)
    entry = AuditEntry.objects.get(action="publication.published")
    assert entry.after["scheduled"] is True and entry.after["publish_at"] == stored.publish_at.isoformat()


def test_approval_refuses_an_unpublish_time_already_passed(make_publication, writer, editor):
    publication = make_publication(unpublish_at=timezone.now() + timedelta(minutes=30))
    services.submit_for_review(actor=writer, publication=publication)
    Publication.objects.filter(pk=publication.pk).update(unpublish_at=timezone.now() - timedelta(minutes=1))
    publication.refresh_from_db()
    with pytest.raises(ValidationError, match="harus sesudah waktu terbit"):
        services.approve_and_publish(actor=editor, publication=publication)


# Workflow ------------------------------------------------------------------------------------------------------

def test_the_whole_workflow_is_audited(make_publication, writer, editor, madiun):
    publication = make_publication()
    services.submit_for_review(actor=writer, publication=publication)
    services.return_to_draft(actor=editor, publication=publication, note="Lengkapi jumlah TPS.")
    edit(publication, writer, body="DPT ditetapkan untuk **612 TPS**.")
    publication.refresh_from_db()
    services.submit_for_review(actor=writer, publication=publication)
    before = timezone.now()
    services.approve_and_publish(actor=editor, publication=publication)
    publication.refresh_from_db()
    assert publication.status == Status.PUBLISHED and publication.reviewed_by == editor
    # "Now" is stored as the current whole minute: public at once, and aligned with the per-minute page cache.
    assert publication.publish_at in {before.replace(second=0, microsecond=0),
                                      timezone.now().replace(second=0, microsecond=0)}
    assert publication.first_published_at == publication.publish_at
    services.archive(actor=editor, publication=publication, note="Diganti rilis baru")
    services.unarchive(actor=editor, publication=publication)
    publication.refresh_from_db()
    assert publication.status == Status.DRAFT and publication.publish_at is None
    actions = list(AuditEntry.objects.filter(target_id=str(publication.pk), target_type="content.publication")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["publication.created", "publication.submitted", "publication.returned",
                       "publication.updated", "publication.submitted", "publication.published",
                       "publication.archived", "publication.unarchived"]
    returned = AuditEntry.objects.get(action="publication.returned")
    assert returned.after == {"status": Status.DRAFT, "note": "Lengkapi jumlah TPS."}
    assert returned.actor == editor and returned.office == madiun


def test_returning_to_draft_needs_a_note(make_publication, writer, editor):
    publication = make_publication()
    services.submit_for_review(actor=writer, publication=publication)
    with pytest.raises(ValidationError, match="catatan"):
        services.return_to_draft(actor=editor, publication=publication, note="   ")


def test_an_empty_publication_cannot_be_submitted(make_publication, writer):
    with pytest.raises(ValidationError, match="masih kosong"):
        services.submit_for_review(actor=writer, publication=make_publication(body=""))


@pytest.mark.parametrize(("step", "role"), [
    ("return_to_draft", Role.OPERATOR), ("approve_and_publish", Role.OPERATOR),
    ("approve_and_publish", Role.VERIFIER), ("approve_and_publish", Role.VIEWER),
])
def test_it_refuses_review_steps_without_the_publish_role(make_publication, writer, make_staff, madiun, step, role):
    publication = make_publication()
    services.submit_for_review(actor=writer, publication=publication)
    kwargs = {"note": "x"} if step == "return_to_draft" else {}
    with pytest.raises(PermissionDenied):
        getattr(services, step)(actor=make_staff(madiun, role), publication=publication, **kwargs)
    assert Publication.objects.get(pk=publication.pk).status == Status.REVIEW


def test_a_viewer_cannot_submit(make_publication, make_staff, madiun):
    with pytest.raises(PermissionDenied):
        services.submit_for_review(actor=make_staff(madiun, Role.VIEWER), publication=make_publication())


def test_a_province_editor_cannot_publish_a_kota_item(make_publication, writer, make_staff, jatim):
    publication = make_publication()
    services.submit_for_review(actor=writer, publication=publication)
    with pytest.raises(PermissionDenied):
        services.approve_and_publish(actor=make_staff(jatim, Role.EDITOR), publication=publication)


@pytest.mark.parametrize(("step", "status_label"), [
    ("approve_and_publish", "Draf"), ("return_to_draft", "Draf"), ("archive", "Draf"), ("unarchive", "Draf"),
])
def test_it_refuses_transitions_from_the_wrong_state_naming_the_status(make_publication, editor, step,
                                                                        status_label):
    publication = make_publication()
    kwargs = {"note": "x"} if step == "return_to_draft" else {}
    with pytest.raises(ValidationError, match=f"berstatus “{status_label}”"):
        getattr(services, step)(actor=editor, publication=publication, **kwargs)


def test_it_refuses_submitting_what_is_already_published(make_publication, publish, writer):
    publication = publish(make_publication())
    with pytest.raises(ValidationError, match="berstatus “Terbit”"):
        services.submit_for_review(actor=writer, publication=publication)


def test_the_last_editor_cannot_approve_their_own_text(make_publication, make_staff, madiun, editor):
    # The editor writes, submits and tries to approve: refused.
    own = make_publication(actor=editor, title="Tulisan editor")
    services.submit_for_review(actor=editor, publication=own)
    with pytest.raises(ValidationError, match="orang lain"):
        services.approve_and_publish(actor=editor, publication=own)
    # An operator wrote it but the editor changed it last: the editor still may not approve.
    publication = make_publication()
    edit(publication, editor, body="Diperbaiki editor.")
    publication.refresh_from_db()
    services.submit_for_review(actor=editor, publication=publication)
    with pytest.raises(ValidationError, match="prinsip empat mata"):
        services.approve_and_publish(actor=editor, publication=publication)
    second = make_staff(madiun, Role.ADMIN)
    services.approve_and_publish(actor=second, publication=publication)
    assert publication.status == Status.PUBLISHED and publication.reviewed_by == second


def test_restoring_a_revision_makes_the_restorer_the_last_editor(make_publication, writer, editor, make_staff,
                                                                 madiun):
    publication = make_publication()
    edit(publication, writer, body="Versi kedua.")
    publication.refresh_from_db()
    services.restore_revision(actor=editor, publication=publication, revision=publication.revisions.get(number=1),
                              expected_version=publication.version)
    services.submit_for_review(actor=writer, publication=publication)
    with pytest.raises(ValidationError, match="orang lain"):
        services.approve_and_publish(actor=editor, publication=publication)


# Editing, conflicts, revisions ---------------------------------------------------------------------------------

def test_two_editors_saving_the_same_draft_do_not_overwrite_each_other(make_publication, writer, editor):
    publication = make_publication()
    opened = publication.version
    edit(publication, writer, body="Teks penulis.", expected_version=opened)
    with pytest.raises(ConflictError) as caught:
        edit(publication, editor, body="Teks editor.", expected_version=opened)
    assert "sudah diubah oleh pengguna lain" in str(caught.value)
    assert caught.value.current.body == "Teks penulis."
    stored = Publication.objects.get(pk=publication.pk)
    assert stored.body == "Teks penulis." and stored.version == opened + 1
    assert list(stored.revisions.values_list("number", flat=True)) == [2, 1]
    assert AuditEntry.objects.filter(action="publication.updated").count() == 1


def test_an_approval_of_a_version_changed_meanwhile_is_a_conflict(make_publication, writer, editor):
    publication = make_publication()
    services.submit_for_review(actor=writer, publication=publication)
    seen = publication.version
    edit(publication, writer, body="Diubah setelah diajukan.")
    with pytest.raises(ConflictError):
        services.approve_and_publish(actor=editor, publication=Publication.objects.get(pk=publication.pk),
                                     expected_version=seen)
    assert Publication.objects.get(pk=publication.pk).status == Status.REVIEW


def test_every_save_writes_a_revision(make_publication, writer):
    publication = make_publication()
    edit(publication, writer, title="Judul kedua")
    edit(publication, writer, summary="Ringkasan ketiga")
    revisions = list(Revision.objects.filter(publication=publication).order_by("number"))
    assert [(r.number, r.title, r.summary) for r in revisions] == [
        (1, "Rekapitulasi Daftar Pemilih Tetap", "KPU Kota Madiun menetapkan DPT."),
        (2, "Judul kedua", "KPU Kota Madiun menetapkan DPT."),
        (3, "Judul kedua", "Ringkasan ketiga")]


def test_correcting_a_published_item_waits_for_a_second_person(make_publication, publish, editor, make_staff,
                                                                madiun):
    publication = publish(make_publication())
    published_at = publication.publish_at
    edit(publication, editor, body="Koreksi: **613 TPS**.")
    stored = Publication.objects.get(pk=publication.pk)
    # Nothing public changes until someone else approves.
    assert stored.status == Status.PUBLISHED and "613 TPS" not in stored.body_html
    assert stored.revisions.count() == 1
    change = selectors.pending_change(stored)
    assert change.proposed_by == editor and change.body == "Koreksi: **613 TPS**."
    assert AuditEntry.objects.filter(action="publication.change_proposed", target_id=str(publication.pk)).exists()

    with pytest.raises(ValidationError, match="empat mata"):
        services.approve_change(actor=editor, publication=stored)
    second = make_staff(madiun, Role.EDITOR)
    services.approve_change(actor=second, publication=Publication.objects.get(pk=publication.pk))
    stored = Publication.objects.get(pk=publication.pk)
    assert stored.status == Status.PUBLISHED and stored.publish_at == published_at
    assert "613 TPS" in stored.body_html and stored.revisions.count() == 2 and stored.reviewed_by == second
    assert stored.revisions.first().created_by == editor
    assert selectors.pending_change(stored) is None
    entry = AuditEntry.objects.get(action="publication.change_approved", target_id=str(publication.pk))
    assert entry.actor == second and entry.after["proposed_by"] == editor.pk


def test_a_writer_may_propose_a_change_to_a_published_item(make_publication, publish, writer, editor):
    publication = publish(make_publication())
    edit(publication, writer, body="Diubah tanpa tinjauan.")
    stored = Publication.objects.get(pk=publication.pk)
    assert "tanpa tinjauan" not in stored.body and stored.revisions.count() == 1
    services.approve_change(actor=editor, publication=stored)
    assert "tanpa tinjauan" in Publication.objects.get(pk=publication.pk).body


def test_everyone_who_changed_the_proposal_is_barred_from_approving_it(make_publication, publish, writer, editor,
                                                                       make_staff, madiun):
    publication = publish(make_publication())
    edit(publication, editor, title="Judul usulan editor")
    # The edit form opens with the pending change's values (see PublicationForm.initial_for).
    edit(publication, writer, title="Judul usulan editor", body="Isi usulan operator.")
    change = selectors.pending_change(publication)
    assert change.title == "Judul usulan editor" and change.body == "Isi usulan operator."
    assert change.proposed_by == writer and set(change.contributors) == {editor.pk, writer.pk}
    with pytest.raises(ValidationError, match="empat mata"):
        services.approve_change(actor=editor, publication=Publication.objects.get(pk=publication.pk))
    services.approve_change(actor=make_staff(madiun, Role.ADMIN),
                            publication=Publication.objects.get(pk=publication.pk))
    assert Publication.objects.get(pk=publication.pk).title == "Judul usulan editor"


def test_a_rejected_change_never_goes_live_and_needs_a_note(make_publication, publish, writer, editor):
    publication = publish(make_publication())
    edit(publication, writer, body="Angka salah.")
    with pytest.raises(ValidationError, match="catatan"):
        services.reject_change(actor=editor, publication=Publication.objects.get(pk=publication.pk), note=" ")
    change = services.reject_change(actor=editor, publication=Publication.objects.get(pk=publication.pk),
                                    note="Angka belum dicek.")
    assert change.status == PublicationChange.Status.REJECTED and change.decided_by == editor
    stored = Publication.objects.get(pk=publication.pk)
    assert "Angka salah" not in stored.body and selectors.pending_change(stored) is None
    with pytest.raises(ValidationError, match="Tidak ada perubahan"):
        services.approve_change(actor=editor, publication=stored)
    entry = AuditEntry.objects.get(action="publication.change_rejected", target_id=str(publication.pk))
    assert entry.after["note"] == "Angka belum dicek."


def test_approving_and_rejecting_a_change_need_the_publish_role(make_publication, publish, writer, editor,
                                                                make_staff, madiun, kab_madiun):
    publication = publish(make_publication())
    edit(publication, editor, body="Usulan.")
    for actor in (writer, make_staff(madiun, Role.VIEWER), make_staff(kab_madiun, Role.EDITOR)):
        with pytest.raises(PermissionDenied):
            services.approve_change(actor=actor, publication=Publication.objects.get(pk=publication.pk))
        with pytest.raises(PermissionDenied):
            services.reject_change(actor=actor, publication=Publication.objects.get(pk=publication.pk), note="x")


def test_attachments_and_a_cover_added_to_a_published_item_wait_with_the_change(make_publication, publish,
                                                                                writer, editor):
    from content.tests.samples import image_bytes, pdf_bytes, upload

    publication = publish(make_publication())
    attachment = services.add_attachment(actor=writer, publication=Publication.objects.get(pk=publication.pk),
                                         uploaded_file=upload("sk.pdf", pdf_bytes()), title="SK baru")
    services.set_cover_image(actor=writer, publication=Publication.objects.get(pk=publication.pk),
                             uploaded_file=upload("foto.png", image_bytes()), alt="Rapat pleno")
    stored = Publication.objects.get(pk=publication.pk)
    assert not stored.cover_image and list(selectors.approved_attachments(stored)) == []
    change = selectors.pending_change(stored)
    assert list(change.attachments.all()) == [attachment] and change.cover_image and change.cover_changed
    services.approve_change(actor=editor, publication=stored)
    stored = Publication.objects.get(pk=publication.pk)
    assert stored.cover_image and stored.cover_alt == "Rapat pleno"
    assert list(selectors.approved_attachments(stored)) == [attachment]


def test_archiving_cancels_a_pending_change(make_publication, publish, writer, editor):
    publication = publish(make_publication())
    edit(publication, writer, body="Usulan.")
    services.archive(actor=editor, publication=Publication.objects.get(pk=publication.pk))
    assert PublicationChange.objects.get(publication=publication).status == PublicationChange.Status.CANCELLED
    assert AuditEntry.objects.filter(action="publication.change_cancelled", target_id=str(publication.pk)).exists()


def test_an_archived_item_cannot_be_edited(make_publication, publish, editor):
    publication = publish(make_publication())
    services.archive(actor=editor, publication=publication)
    with pytest.raises(ValidationError, match="diarsipkan tidak dapat diubah"):
        edit(publication, editor, body="x")


def test_restoring_a_revision_writes_a_new_one(make_publication, writer):
    publication = make_publication(body="Versi **pertama**.")
    edit(publication, writer, title="Judul salah", body="Versi kedua.")
    publication.refresh_from_db()
    services.restore_revision(actor=writer, publication=publication, revision=publication.revisions.get(number=1),
                              expected_version=publication.version)
    stored = Publication.objects.get(pk=publication.pk)
    assert stored.title == "Rekapitulasi Daftar Pemilih Tetap" and "<strong>pertama</strong>" in stored.body_html
    assert stored.revisions.first().number == 3 and stored.revisions.first().body == "Versi **pertama**."
    entry = AuditEntry.objects.get(action="publication.revision_restored")
    assert entry.after["restored_revision"] == 1 and entry.after["revision"] == 3
    other = make_publication(title="Lain")
    with pytest.raises(ValidationError, match="milik publikasi lain"):
        services.restore_revision(actor=writer, publication=stored, revision=other.revisions.get(),
                                  expected_version=None)


def test_only_never_published_drafts_can_be_deleted(make_publication, publish, writer, editor):
    draft = make_publication(title="Draf dibuang")
    services.delete_draft(actor=writer, publication=draft)
    assert not Publication.objects.filter(title="Draf dibuang").exists()
    assert AuditEntry.objects.filter(action="publication.deleted").exists()
    published = publish(make_publication())
    services.archive(actor=editor, publication=published)
    services.unarchive(actor=editor, publication=published)
    with pytest.raises(ValidationError, match="belum pernah terbit"):
        services.delete_draft(actor=writer, publication=Publication.objects.get(pk=published.pk))


def test_searchable_text_has_title_summary_and_plain_body(make_publication):
    publication = make_publication(body="## Jadwal\n\nRapat *pleno* <script>x()</script>")
    assert selectors.searchable_text(publication) == (
        "Rekapitulasi Daftar Pemilih Tetap\nKPU Kota Madiun menetapkan DPT.\nJadwal Rapat pleno")


def test_an_approver_who_added_an_attachment_cannot_approve_it(make_publication, writer, editor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from content.tests.samples import pdf_bytes

    publication = make_publication()
    services.submit_for_review(actor=writer, publication=publication)
    publication.refresh_from_db()
    services.add_attachment(actor=editor, publication=publication, title="Lampiran editor",
                            uploaded_file=SimpleUploadedFile("a.pdf", pdf_bytes(), "application/pdf"))
    publication.refresh_from_db()
    with pytest.raises(ValidationError, match="empat mata"):
        services.approve_and_publish(actor=editor, publication=publication)


def test_control_characters_are_removed_from_the_body(make_publication, writer):
    publication = make_publication()
    edit(publication, writer, body="Baris satu\x0bbaris dua\x00.")
    assert Publication.objects.get(pk=publication.pk).body == "Baris satubaris dua."


def test_absurd_dates_are_refused_not_crashing(make_publication, writer):
    from datetime import datetime

    publication = make_publication()
    with pytest.raises(ValidationError, match="tidak masuk akal"):
        edit(publication, writer, publish_at=datetime(1, 1, 1, 0, 0))


def test_restoring_a_revision_of_a_published_item_is_a_proposal(make_publication, publish, writer, editor,
                                                                make_staff, madiun):
    publication = publish(make_publication(body="Versi satu."))
    edit(publication, writer, body="Versi dua.")
    services.approve_change(actor=editor, publication=Publication.objects.get(pk=publication.pk))
    stored = Publication.objects.get(pk=publication.pk)
    services.restore_revision(actor=editor, publication=stored, revision=stored.revisions.get(number=1),
                              expected_version=stored.version)
    stored = Publication.objects.get(pk=publication.pk)
    assert stored.body == "Versi dua." and selectors.pending_change(stored).body == "Versi satu."
    entry = AuditEntry.objects.filter(action="publication.change_proposed").latest("id")
    assert entry.after["restored_revision"] == 1
    services.approve_change(actor=make_staff(madiun, Role.ADMIN), publication=stored)
    assert Publication.objects.get(pk=publication.pk).body == "Versi satu."
