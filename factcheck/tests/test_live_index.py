"""The clarification index follows the change log: what is published, corrected or withdrawn anywhere is matched at
once, without a rebuild; an index changed document by document ranks like one built afresh; and matching goes on
from the old index while a new one is built. The log is written by the services that change what is published,
in their transaction, and by nothing else: a plain save() is not logged."""

import threading
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Role
from factcheck import index, selectors, services
from factcheck.index import Changes, ClarificationSource, Cursor, LiveIndex, Source
from factcheck.matching import LexicalIndex
from factcheck.models import Clarification, IndexChange, Verdict

WORDS = ["surat", "suara", "tercoblos", "kpu", "pemilu", "ulang", "coblos", "tps", "bansos", "hoaks", "kotak",
         "rusak", "dpt", "ganda", "siluman", "kampanye", "uang", "politik", "quick", "count", "hasil", "curang",
         "https://wa.me/6281299990000", "Madiun", "serentak", "ditunda", "pilkada", "2024"]
QUERIES = ["surat suara tercoblos di tps", "kpu tunda pemilu", "dpt ganda pemilih siluman", "bansos kampanye uang",
           "hasil quick count curang", "wa.me/6281299990000", "kotak suara rusak", "coblos ulang pilkada serentak"]

text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
operation = st.one_of(st.tuples(st.just("put"), st.integers(0, 14), text, st.sampled_from([1, 2, 3])),
                      st.tuples(st.just("remove"), st.integers(0, 14)))


def ranking(index: LexicalIndex, query: str, groups=None) -> list[tuple[str, float]]:
    return [(m.id, m.score) for m in index.search(query, k=50, groups=groups)] + [
        ("ideal", round(index.self_score(query), 9))]


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, max_size=40))
def test_an_index_changed_document_by_document_ranks_like_one_built_afresh(operations):
    live, state = LexicalIndex(), {}
    for op in operations:
        doc_id = f"c{op[1]}"
        if op[0] == "put":
            live.add(doc_id, op[2], op[3])
            state[doc_id] = (op[2], op[3])
        else:
            live.remove(doc_id)
            state.pop(doc_id, None)
    rebuilt = LexicalIndex().build((doc_id, body, group) for doc_id, (body, group) in state.items())
    assert len(live) == len(rebuilt) == len(state)
    assert {t: {live.ids[slot]: tf for slot, tf in p.items()} for t, p in live.postings.items()} == {
        t: {rebuilt.ids[slot]: tf for slot, tf in p.items()} for t, p in rebuilt.postings.items()}
    for query in QUERIES:
        assert ranking(live, query) == ranking(rebuilt, query)
        assert ranking(live, query, {1, 2}) == ranking(rebuilt, query, {1, 2})


class FakeSource(Source):
    """A log and documents in memory; `snapshot()` can be made to wait for an event."""

    def __init__(self):
        self.documents_by_id: dict[str, str] = {}
        self.log: list[tuple[int, str]] = []
        self.release: threading.Event | None = None
        self.pruned = False

    def change(self, doc_id: str, body: str | None) -> None:
        if body is None:
            self.documents_by_id.pop(doc_id, None)
        else:
            self.documents_by_id[doc_id] = body
        self.log.append((len(self.log) + 1, doc_id))

    def snapshot(self):
        if self.release is not None:
            self.release.wait(timeout=30)
        last = self.log[-1] if self.log else None
        cursor = Cursor(last[0], (last[1],)) if last else None
        return cursor, {}, [(doc_id, body, None) for doc_id, body in self.documents_by_id.items()]

    def changes(self, cursor, gaps):
        if self.pruned:
            return Changes(pruned=True)
        after = cursor.id if cursor else 0
        rows = [row for row in self.log if row[0] > after]
        new = Cursor(rows[-1][0], (rows[-1][1],)) if rows else cursor
        return Changes(ids=[doc_id for _, doc_id in rows], cursor=new, gaps={})

    def documents(self, ids):
        return {i: (self.documents_by_id[i], None) for i in ids if i in self.documents_by_id}


def top(live: LiveIndex, query: str) -> list[str]:
    live.refresh()
    with live.lock:
        return [m.id for m in live.index.search(query)]


def test_changes_are_applied_from_the_log_without_a_rebuild():
    source = FakeSource()
    source.change("1", "surat suara tercoblos di rumah kepala desa")
    live = LiveIndex(source)
    assert top(live, "surat suara tercoblos") == ["1"] and live.builds == 1
    source.change("2", "kpu menunda pemilu serentak")
    source.change("1", None)
    assert top(live, "pemilu ditunda") == ["2"]
    assert top(live, "surat suara tercoblos") == []
    assert live.builds == 1


def test_matching_goes_on_from_the_old_index_while_a_new_one_is_built():
    source = FakeSource()
    source.change("1", "surat suara tercoblos di rumah kepala desa")
    live = LiveIndex(source)
    assert top(live, "surat suara tercoblos") == ["1"]
    # The log no longer holds the cursor: a new index is built, and this build waits until it is released.
    source.release, source.pruned = threading.Event(), True
    source.change("2", "kpu menunda pemilu serentak")
    assert top(live, "surat suara tercoblos") == ["1"]    # served from the old index, not waiting for the build
    assert top(live, "kpu menunda pemilu") == []          # the old index does not have it yet
    builder = live._builder
    assert builder is not None and builder.is_alive()
    source.pruned = False
    source.release.set()
    builder.join(timeout=30)
    assert not builder.is_alive() and live.builds == 2
    assert top(live, "kpu menunda pemilu") == ["2"]


@pytest.fixture
def live_index():
    selectors._clarifications.reset()
    yield selectors._clarifications
    selectors._clarifications.reset()


@pytest.mark.django_db
def test_publishing_correcting_and_withdrawing_reach_matching_without_a_rebuild(
        live_index, madiun, publish, make_staff, editor, django_capture_on_commit_callbacks):
    first = publish(claim_reviewed="Surat suara tercoblos ditemukan di rumah kepala desa")
    assert selectors.match_clarifications("surat suara tercoblos di rumah kepala desa", madiun)[0].id == first.pk
    builds = live_index.builds
    other_process = LiveIndex(ClarificationSource())   # another web or worker process, with its own index
    other_process.refresh()

    second = publish(claim_reviewed="KPU menunda pemilu serentak karena anggaran habis")
    assert selectors.match_clarifications("benarkah kpu menunda pemilu serentak", madiun)[0].id == second.pk
    admin = make_staff(madiun, Role.ADMIN)
    services.propose_correction(actor=admin, clarification=second, note="Judul diperbaiki.",
                                claim_reviewed="KPU membatalkan debat kandidat karena anggaran habis",
                                verdict=Verdict.MISLEADING, summary="Debat tetap berjalan.")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_change(actor=editor, clarification=second)
    assert selectors.match_clarifications("kpu membatalkan debat kandidat", madiun)[0].id == second.pk
    services.propose_withdrawal(actor=admin, clarification=first, reason="Diperiksa ulang.")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_change(actor=editor, clarification=first)
    found = selectors.match_clarifications("surat suara tercoblos di rumah kepala desa", madiun)
    assert first.pk not in [s.id for s in found]
    assert live_index.builds == builds

    other_process.refresh()
    with other_process.lock:
        assert str(second.pk) in other_process.index and str(first.pk) not in other_process.index
        assert "membatalkan" in other_process.index.texts[str(second.pk)]
    assert other_process.builds == 1


@pytest.mark.django_db
def test_the_scope_stays_the_office_and_the_offices_above(live_index, madiun, kab_madiun, jatim, make_staff, publish):
    province = publish(jatim, claim_reviewed="Kotak suara rusak di gudang logistik provinsi",
                       author=make_staff(jatim, Role.VERIFIER), approver=make_staff(jatim, Role.EDITOR))
    selectors.match_clarifications("apa saja", madiun)
    neighbour = publish(kab_madiun, claim_reviewed="Kotak suara rusak di gudang logistik kabupaten",
                        author=make_staff(kab_madiun, Role.VERIFIER), approver=make_staff(kab_madiun, Role.EDITOR))
    found = [s.id for s in selectors.match_clarifications("kotak suara rusak di gudang logistik", madiun)]
    assert province.pk in found and neighbour.pk not in found


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_on_another_connection_is_picked_up(live_index, madiun, publish):
    publish(claim_reviewed="Surat suara tercoblos ditemukan di rumah kepala desa")
    selectors.match_clarifications("apa saja", madiun)
    builds = live_index.builds
    done = {}

    def elsewhere():
        from django.db import connection

        try:
            done["clarification"] = publish(claim_reviewed="Pemilih siluman terdaftar ganda di DPT Madiun")
        finally:
            connection.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join(timeout=60)
    found = selectors.match_clarifications("pemilih siluman dpt ganda", madiun)
    assert found[0].id == done["clarification"].pk and live_index.builds == builds


@pytest.mark.django_db
def test_a_rewound_log_builds_the_index_again(live_index, madiun, publish):
    clarification = publish(claim_reviewed="Surat suara tercoblos ditemukan di rumah kepala desa")
    selectors.match_clarifications("apa saja", madiun)
    builds = live_index.builds
    IndexChange.objects.all().delete()   # a database restored from before the cursor, or a test rolled back
    Clarification.objects.filter(pk=clarification.pk).update(status=Clarification.Status.WITHDRAWN)
    IndexChange.objects.create(clarification_id=0)
    assert selectors.match_clarifications("surat suara tercoblos di rumah kepala desa", madiun) == []
    assert live_index.builds == builds + 1


# Who writes the log ---------------------------------------------------------------------------------------------

@pytest.fixture
def logged():
    """The clarification ids logged since the previous call, in log order."""
    seen = [IndexChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0]

    def logged() -> list[int]:
        rows = list(IndexChange.objects.filter(pk__gt=seen[0]).order_by("pk").values_list("pk", "clarification_id"))
        if rows:
            seen[0] = rows[-1][0]
        return [clarification_id for _pk, clarification_id in rows]

    return logged


def _pending(verifier, office, claim_reviewed: str) -> Clarification:
    draft = services.save_clarification(actor=verifier, office=office, claim_reviewed=claim_reviewed,
                                        verdict=Verdict.FALSE, summary="Tidak benar.")
    return services.submit_clarification(actor=verifier, clarification=draft)


@pytest.mark.django_db
def test_publishing_correcting_and_withdrawing_each_log_one_row_and_the_steps_before_none(
        madiun, verifier, editor, make_staff, logged):
    proposer = make_staff(madiun, Role.ADMIN)
    clarification = _pending(verifier, madiun, "Surat suara tercoblos ditemukan di rumah kepala desa")
    services.return_clarification(actor=editor, clarification=clarification, reason="Sebutkan sumbernya.")
    services.save_clarification(actor=verifier, office=madiun, clarification=clarification, verdict=Verdict.FALSE,
                                claim_reviewed="Surat suara tercoblos ditemukan di rumah kepala desa Madiun",
                                summary="Tidak benar: keterangan KPU Kota Madiun.")
    services.submit_clarification(actor=verifier, clarification=clarification)
    assert logged() == []   # drafts and clarifications awaiting approval are not matched

    services.publish_clarification(actor=editor, clarification=clarification)
    assert logged() == [clarification.pk]

    services.propose_correction(actor=proposer, clarification=clarification, note="Putusan diperbaiki.",
                                claim_reviewed=clarification.claim_reviewed, verdict=Verdict.MISLEADING,
                                summary="Menyesatkan: surat suara itu spesimen.")
    assert logged() == []   # nothing public changes until a second person approves
    services.approve_change(actor=editor, clarification=clarification)
    assert logged() == [clarification.pk]

    services.propose_withdrawal(actor=proposer, clarification=clarification, reason="Diperiksa ulang.")
    services.reject_change(actor=editor, clarification=clarification, reason="Putusan sudah tepat.")
    assert logged() == []
    services.propose_withdrawal(actor=proposer, clarification=clarification, reason="Diperiksa ulang.")
    services.approve_change(actor=editor, clarification=clarification)
    assert logged() == [clarification.pk]


@pytest.mark.django_db
def test_an_import_logs_nothing_until_an_imported_fact_check_is_published(
        live_index, madiun, editor, make_staff, logged):
    data = (Path(__file__).parent / "fixtures" / "external" / "google_claims.json").read_bytes()
    assert services.import_external(actor=editor, office=madiun, data=data)["created"] > 0
    assert logged() == []   # awaiting approval: not matched yet
    imported = Clarification.objects.filter(office=madiun).exclude(external_url="").order_by("pk").first()
    services.publish_clarification(actor=make_staff(madiun, Role.EDITOR), clarification=imported)
    assert logged() == [imported.pk]
    assert selectors.match_clarifications(imported.claim_reviewed, madiun)[0].id == imported.pk


@pytest.mark.django_db
def test_the_log_row_is_written_in_the_services_transaction(madiun, verifier, editor, logged):
    clarification = _pending(verifier, madiun, "KPU menunda pemilu serentak karena anggaran habis")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.publish_clarification(actor=editor, clarification=clarification)
        raise RuntimeError("the request fails after publishing")
    clarification.refresh_from_db()
    assert clarification.status == Clarification.Status.PENDING and logged() == []


@pytest.mark.django_db
def test_a_plain_save_outside_the_services_is_not_logged_so_no_index_sees_it(live_index, madiun, publish, logged):
    published = publish(claim_reviewed="Surat suara tercoblos ditemukan di rumah kepala desa")
    selectors.match_clarifications("apa saja", madiun)   # this process's index is built
    logged()
    bypassed = Clarification.objects.create(
        office=madiun, slug="tanpa-layanan", claim_reviewed="Pemilih siluman terdaftar ganda di DPT Madiun",
        verdict=Verdict.FALSE, summary="Tidak benar.", status=Clarification.Status.PUBLISHED,
        published_at=timezone.now())
    published.claim_reviewed = "Kotak suara rusak di gudang logistik"
    published.save()
    assert logged() == []
    assert bypassed.pk not in [s.id for s in selectors.match_clarifications("pemilih siluman dpt ganda", madiun)]
    assert selectors.match_clarifications("surat suara tercoblos di rumah kepala desa", madiun)[0].id == published.pk

    index.log_change(bypassed.pk)   # what a service does in its transaction
    index.log_change(published.pk)
    assert selectors.match_clarifications("pemilih siluman dpt ganda", madiun)[0].id == bypassed.pk
    assert selectors.match_clarifications("kotak suara rusak di gudang", madiun)[0].id == published.pk
