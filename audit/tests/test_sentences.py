"""Every action code the source writes has a sentence; rows read as Indonesian sentences, never as codes."""

import ast
import pathlib

import pytest
from django.conf import settings

from accounts.models import Role
from audit import sentences
from audit.models import AuditEntry
from audit.selectors import describe
from audit.services import REDACTED, record
from members.models import Member

ROOT = pathlib.Path(settings.BASE_DIR)
SKIPPED_PARTS = {".venv", "tests", "migrations", "bench", "e2e", "node_modules"}
ACTION_KEYWORDS = {"action", "audit_action"}


def _source_files():
    """The project's own apps and lib/ (walking the whole tree would also walk .venv and var/)."""
    from django.apps import apps

    roots = {ROOT / "lib", ROOT / "bakohumas"} | {
        pathlib.Path(app.path) for app in apps.get_app_configs() if pathlib.Path(app.path).parent == ROOT}
    for root in sorted(roots):
        for path in sorted(root.rglob("*.py")):
            if not SKIPPED_PARTS.intersection(path.relative_to(ROOT).parts):
                yield path


def _strings(node) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def written_codes() -> tuple[set[str], list[str]]:
    """The codes passed to audit.services.record() (directly, through a variable such as `action`, or through a
    helper's `audit_action=` argument), and the calls whose code cannot be read from the source."""
    codes, unreadable, variables = set(), [], {}
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in _source_files()}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(target, ast.Name) and node.value is not None:
                        variables.setdefault(target.id, set()).update(_strings(node.value))
            elif isinstance(node, ast.arguments):
                named = node.posonlyargs + node.args
                for arg, default in zip(named[len(named) - len(node.defaults):], node.defaults, strict=True):
                    variables.setdefault(arg.arg, set()).update(_strings(default))
                for arg, default in zip(node.kwonlyargs, node.kw_defaults, strict=True):
                    if default is not None:
                        variables.setdefault(arg.arg, set()).update(_strings(default))
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            for keyword in node.keywords:
                if keyword.arg not in ACTION_KEYWORDS or (keyword.arg == "action" and name != "record"):
                    continue
                value = keyword.value
                if isinstance(value, ast.Name):
                    codes.update(variables.get(value.id, set()))
                elif all(isinstance(n, ast.Constant | ast.IfExp | ast.Name | ast.Load | ast.Compare | ast.BoolOp
                                    | ast.And | ast.Or | ast.Attribute | ast.cmpop) for n in ast.walk(value)):
                    codes.update(_strings(value))
                else:
                    unreadable.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return {code for code in codes if "." in code}, unreadable


def test_every_written_action_code_has_a_sentence():
    codes, unreadable = written_codes()
    assert not unreadable, f"write the action code as a literal string (or a variable of literals): {unreadable}"
    assert {"factcheck.reporter_notified", "publication.corrected", "staff.off_duty", "message.queued",
            "factcheck.clarification_withdrawn", "address.opt_in"} <= codes       # the scan sees every form
    missing = sorted(codes - sentences.codes())
    assert not missing, f"register a sentence in the app's audit_sentences.py for: {missing}"


def test_every_code_can_be_found_with_the_audit_logs_filter():
    areas = dict(sentences.areas())
    assert not {code.split(".")[0] for code in sentences.codes()} - set(areas)


@pytest.fixture
def admin_madiun(make_staff, madiun):
    return make_staff(madiun, Role.ADMIN, first_name="Bambang", last_name="Sutrisno")


@pytest.fixture
def member(madiun):
    return Member.objects.create(office=madiun, full_name="Siti Aminah")


def test_a_row_reads_as_a_sentence_with_the_name_a_link_and_formatted_values(admin_madiun, member, madiun):
    record(actor=admin_madiun, office=madiun, action="member.status_changed", target=member,
           before={"status": "active"}, after={"status": "inactive"})
    line, = describe(AuditEntry.objects.filter(office__code="35.77"), admin_madiun)
    assert str(line.sentence) == (f'<strong>Bambang Sutrisno</strong> mengubah status anggota '
                                  f'«<a href="/staf/anggota/{member.pk}/">Siti Aminah</a>» menjadi Nonaktif')
    assert line.changes == [("status", "Aktif", "Nonaktif")]


def test_the_object_is_no_link_for_a_viewer_who_may_not_open_it_nor_once_it_is_gone(
        make_staff, admin_madiun, member, madiun):
    colleague = make_staff(madiun, Role.OPERATOR, first_name="Dewi")
    record(actor=admin_madiun, office=madiun, action="staff.updated", target=colleague)
    assert "<a " in describe(AuditEntry.objects.filter(office__code="35.77"), admin_madiun)[0].sentence
    line, = describe(AuditEntry.objects.filter(office__code="35.77"), colleague)          # staff pages are for admins
    assert "<a " not in line.sentence and "«Dewi»" in line.sentence
    AuditEntry.objects.filter(office__code="35.77").delete()
    record(actor=admin_madiun, office=madiun, action="member.created", target=member)
    member.delete()
    line, = describe(AuditEntry.objects.filter(office__code="35.77"), admin_madiun)
    assert "<a " not in line.sentence and "«Siti Aminah»" in line.sentence


def test_values_are_words_not_codes(admin_madiun, madiun, member):
    record(actor=None, office=madiun, action="address.opt_out", target=member,
           after={"address": "whatsapp:+6281234567890", "opted_out": True, "note": None,
                  "when": "2026-12-07T07:05:00+00:00", "purposes": ["informasi"]})
    record(actor=admin_madiun, office=madiun, action="consent.given", target=member,
           after={"address": "mailto:a@b.id", "purposes": ["informasi", "survei"], "method": "form"})
    opted, consent = describe(AuditEntry.objects.filter(office__code="35.77").order_by("id"), admin_madiun)
    assert str(opted.sentence).startswith("<strong>Sistem</strong> menandai alamat whatsapp:+6281234567890")
    shown = dict((label, after) for label, _before, after in opted.changes)
    assert shown["berhenti berlangganan"] == "Ya"
    assert sentences.format_value("members.member", "note", None) == "—"
    assert sentences.format_value("members.member", "note", "") == "—"
    assert [sentences.format_value("accounts.user", "is_active", v) for v in ("True", "False", "None")] == [
        "Ya", "Tidak", "—"]
    assert shown["when"] == "7 Des 2026 14.05 WIB"
    assert "True" not in str(opted.changes) and "None" not in str(opted.changes)
    assert all(words in consent.sentence for words in ("Menerima informasi", "Survei dan evaluasi", "Formulir"))


def test_an_unknown_code_or_a_broken_sentence_reads_generically_and_never_crashes(admin_madiun, madiun, member,
                                                                                monkeypatch):
    record(actor=admin_madiun, office=madiun, action="retired.thing", target=member, after={"x": {"y": [1, None]}})
    record(actor=admin_madiun, office=madiun, action="retired.other")
    monkeypatch.setitem(sentences._sentences, "test.broken", sentences.Sentence("{actor} {object.attr} {x[0]}"))
    record(actor=admin_madiun, office=madiun, action="test.broken", target=member)
    lines = describe(AuditEntry.objects.filter(office__code="35.77").order_by("id"), admin_madiun)
    assert [str(line.sentence).split("</strong> ")[1].split(" «")[0] for line in lines] == [
        "mencatat perubahan pada", "mencatat perubahan", "mencatat perubahan pada"]
    assert all("retired" not in line.sentence and "test.broken" not in line.sentence for line in lines)
    assert lines[0].changes == [("x", "", "y: 1, —")]


def test_a_redacted_row_keeps_no_name_and_no_link(admin_madiun, madiun, member):
    entry = record(actor=admin_madiun, office=madiun, action="member.updated", target=member)
    AuditEntry.objects.filter(pk=entry.pk).update(target_label=REDACTED)
    line, = describe(AuditEntry.objects.filter(office__code="35.77"), admin_madiun)
    assert "<a " not in line.sentence and REDACTED in line.sentence


def test_text_stored_in_a_row_is_escaped(admin_madiun, madiun, member):
    member.full_name = "<script>x</script>"
    record(actor=admin_madiun, office=madiun, action="member.status_changed", target=member,
           after={"status": "<b>"})
    line, = describe(AuditEntry.objects.filter(office__code="35.77"), admin_madiun)
    assert "<script>" not in line.sentence and "<b>" not in line.sentence


def test_the_audit_log_page_shows_sentences_filtered_by_area(client_for, admin_madiun, make_staff, madiun, kab_madiun,
                                                             member):
    record(actor=admin_madiun, office=madiun, action="factcheck.reporter_notified", target=member,
           target_label="CEK-1234")
    record(actor=admin_madiun, office=madiun, action="member.erased", target=member, after={"reason": "permintaan"})
    page = client_for(admin_madiun).get("/staf/audit/").content.decode()
    assert "Pelapor diberi tahu hasil klarifikasi: «" in page and "CEK-1234" in page
    assert "factcheck.reporter_notified" not in page and "member.erased" not in page
    filtered = client_for(admin_madiun).get("/staf/audit/?area=member").content.decode()
    assert "menghapus dan menganonimkan" in filtered and "CEK-1234" not in filtered
    other = make_staff(kab_madiun, Role.ADMIN)
    assert "Siti Aminah" not in client_for(other).get("/staf/audit/").content.decode()
    assert client_for(make_staff(madiun, Role.OPERATOR)).get("/staf/audit/").status_code == 403


def test_a_history_lists_the_objects_rows_written_in_the_viewers_office_or_below(
        client_for, admin_madiun, make_staff, madiun, jatim, member):
    record(actor=admin_madiun, office=madiun, action="member.updated", target=member,
           before={"position": "Ketua"}, after={"position": "Sekretaris"})
    record(actor=None, office=jatim, action="member.status_changed", target=member, after={"status": "inactive"})
    page = client_for(admin_madiun).get(f"/staf/anggota/{member.pk}/").content.decode()
    assert "mengubah data anggota" in page and "member.updated" not in page
    assert "jabatan: <del>Ketua</del> → Sekretaris" in page
    assert "menjadi Nonaktif" not in page                 # the province's row stays with the province
    province_page = client_for(make_staff(jatim, Role.ADMIN)).get(f"/staf/anggota/{member.pk}/").content.decode()
    assert "mengubah data anggota" in province_page and "menjadi Nonaktif" in province_page
