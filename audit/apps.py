from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Log audit"

    def ready(self) -> None:
        # Each app's audit_sentences.py registers the sentences of its own action codes (audit.sentences).
        autodiscover_modules("audit_sentences")
