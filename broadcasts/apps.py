from django.apps import AppConfig
from django.core.signals import setting_changed

SENDING_QUEUE = "sending"   # pumps and broadcast starts: a worker on this queue never waits behind an import


def allow_sending_queue(**kwargs) -> None:
    """Every task backend that limits its queues (django.tasks allows only "default" unless TASKS lists QUEUES)
    also accepts the sending queue, so pumps can go there without each deployment's settings naming it."""
    if kwargs.get("setting", "TASKS") != "TASKS":
        return
    from django.tasks import task_backends

    for params in task_backends.settings.values():
        queues = params.get("QUEUES")
        if queues is None:
            params["QUEUES"] = ["default", SENDING_QUEUE]
        elif queues and SENDING_QUEUE not in queues:
            params["QUEUES"] = [*queues, SENDING_QUEUE]
    for backend in task_backends.all(initialized_only=True):
        if backend.queues:
            backend.queues.add(SENDING_QUEUE)


class BroadcastsConfig(AppConfig):
    name = "broadcasts"
    verbose_name = "Siaran"

    def ready(self) -> None:
        allow_sending_queue()
        # Runs after django.tasks' own receiver, which rebuilds the backends when a test swaps TASKS.
        setting_changed.connect(allow_sending_queue, dispatch_uid="broadcasts.allow_sending_queue")
