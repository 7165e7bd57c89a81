from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "Kotak masuk"

    def ready(self) -> None:
        from channels.commands import Command, register, words
        from inbox import autoreply

        register(Command("jadwal", autoreply.answer_schedule, words({"JADWAL"}), priority=50))
        register(Command("info", autoreply.answer_info, words({"INFO"}), priority=50))

        from inbox import selectors, services
        from members import personal_data

        personal_data.register(personal_data.Holder("messages", selectors.personal_messages,
                                                    services.erase_member_messages))
