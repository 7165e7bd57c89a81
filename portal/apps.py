from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal publik"

    def ready(self) -> None:
        from bakohumas import portal_hooks
        from portal import services

        portal_hooks.on_site_changed(services.bump_generation)
        portal_hooks.on_publication_changed(services.publication_changed)
