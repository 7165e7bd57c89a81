from django.tasks import task

from inbox import media


@task()
def fetch_media(message_id: int) -> dict:
    return {"status": media.fetch(message_id)}
