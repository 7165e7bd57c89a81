from django.tasks import task

from factcheck import services
from factcheck.models import Report


@task()
def notify_reporters(clarification_id: int, kind: str, report_ids: list[int] | None,
                     per_report: bool = False) -> dict:
    return {"notified": services.notify(clarification_id=clarification_id, kind=kind, report_ids=report_ids,
                                        per_report=per_report)}


@task()
def refile_reports(report_ids: list[int]) -> dict:
    return {"refiled": services.refile(report_ids=report_ids)}


@task()
def read_screenshot(report_id: int) -> dict:
    """OCR takes about half a second a screenshot: done by the worker, never in the request."""
    from factcheck import images

    report = Report.objects.filter(pk=report_id).select_related("office").first()
    if report is None or not report.media:
        return {"status": "gone"}
    with report.media.open("rb") as handle:
        text = images.extract_text(images.open_image(handle.read()))
    services.attach_ocr_text(report=report, text=text)
    return {"status": "read", "characters": len(text)}


@task()
def embed_clarification(clarification_id: int) -> dict:
    """About 0.1 s a clarification on one core: done by the worker when it is published, corrected or imported."""
    from factcheck import semantic

    return {"embedded": semantic.store_embeddings([clarification_id])}
