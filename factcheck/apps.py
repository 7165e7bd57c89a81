from django.apps import AppConfig


class FactcheckConfig(AppConfig):
    name = "factcheck"
    verbose_name = "Cek fakta"

    def ready(self) -> None:
        from channels.commands import Command, register
        from factcheck import services

        # No matcher: CEK in any of its spellings, and every message to a tipline channel, are decided there.
        register(Command("cek", services.take_command, priority=10))

        from factcheck import selectors
        from inbox import hooks
        from members import personal_data

        hooks.on_image_stored(services.attach_message_image)

        from factcheck import public, sitemaps
        from portal import sections
        from portal.sitemaps import SITEMAPS

        sections.on_home_page(lambda office: {"clarifications": public.listed(office)[:5]})
        SITEMAPS["cek-fakta"] = sitemaps.ClarificationSitemap

        personal_data.register(personal_data.Holder("hoax_reports", selectors.personal_reports,
                                                    services.erase_member_reports))
