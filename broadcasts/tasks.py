from django.tasks import task

from broadcasts import engine, services

SENDING_QUEUE = "sending"   # listed in settings.TASK_QUEUES

# On their own queue: `manage.py worker --queue-name sending` sends while other workers run long imports or index
# rebuilds (a worker runs one task at a time). A worker on every queue ('*', the default) runs them too.


@task(queue_name=SENDING_QUEUE)
def start_broadcast_task(broadcast_id: int) -> dict:
    broadcast = services.start_broadcast(broadcast_id=broadcast_id)
    return {"started": broadcast is not None, "recipients": broadcast.total_recipients if broadcast else 0}


@task(queue_name=SENDING_QUEUE)
def pump_channel(channel_id: int) -> dict:
    stats = engine.pump(channel_id)
    return {"accepted": stats.accepted, "failed": stats.failed, "retried": stats.retried,
            "deferred": stats.deferred, "skipped": stats.skipped}
