from django.tasks import task

from broadcasts import engine, services


@task()
def start_broadcast_task(broadcast_id: int) -> dict:
    broadcast = services.start_broadcast(broadcast_id=broadcast_id)
    return {"started": broadcast is not None, "recipients": broadcast.total_recipients if broadcast else 0}


@task()
def pump_channel(channel_id: int) -> dict:
    stats = engine.pump(channel_id)
    return {"accepted": stats.accepted, "failed": stats.failed, "retried": stats.retried,
            "deferred": stats.deferred, "skipped": stats.skipped}
