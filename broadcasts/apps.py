from django.apps import AppConfig


class BroadcastsConfig(AppConfig):
    name = "broadcasts"
    verbose_name = "Siaran"

    def ready(self) -> None:
        from broadcasts import keywords
        from channels.commands import Command, register, words

        register(Command("telegram-handle", keywords.connect_handle, before_filing=True, priority=10))
        register(Command("stop", keywords.handle, words(keywords.STOP_WORDS), before_filing=True, priority=20))
        register(Command("start", keywords.handle, words(keywords.START_WORDS), before_filing=True, priority=20))

        from broadcasts import engine, selectors, services
        from channels import hooks
        from members import personal_data

        hooks.on_status_update(services.apply_status)
        hooks.on_channel_resumed(engine.ensure_pump)

        personal_data.register(personal_data.Holder("deliveries", selectors.personal_deliveries,
                                                    services.erase_member_traffic))
