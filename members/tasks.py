import logging

from django.tasks import task

from lib.tabular import TabularError
from members.importing import run_import_job
from members.models import ImportJob

logger = logging.getLogger(__name__)


@task()
def process_import(job_id: int, dry_run: bool) -> dict:
    job = ImportJob.objects.select_related("office", "created_by").get(pk=job_id)
    if job.status == ImportJob.Status.CANCELLED:
        return {"skipped": "cancelled"}
    try:
        outcome = run_import_job(job, dry_run=dry_run)
    except TabularError as exc:
        logger.warning("import %s failed: %s", job_id, exc)
        return {"failed": str(exc)}
    return {"total": outcome.total_rows, "valid": outcome.valid_rows, "errors": outcome.error_rows,
            "duplicates": outcome.duplicate_rows, "created": outcome.created_members}
