"""The inbound command table: every app's commands in one place, consulted by the router; a new command is one
registration."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from channels import commands
from inbox.models import Message


def test_the_table_holds_every_command_with_its_app():
    names = [c.name for c in commands.registered()]
    assert {"stop", "start", "telegram-handle", "cek", "jadwal", "info"} <= set(names)
    assert names.index("cek") < names.index("jadwal")   # on a tipline, JADWAL is a report like any text


@pytest.mark.parametrize("text, keyword", [("BERHENTI", "stop"), (" stop. ", "stop"), ("/stop@BotHumas", "stop"),
                                           ("Mulai", "start"), ("berhenti kapan?", ""), ("JADWAL", "")])
def test_subscription_keywords_come_from_the_table(text, keyword):
    assert commands.keyword_of(text) == keyword


def test_a_new_command_is_one_registration(madiun, wa_channel, post_webhook, monkeypatch):
    answered = []

    def hadir(*, conversation, message, channel, created):
        answered.append(message.text)
        return True

    monkeypatch.setattr(commands, "_commands", dict(commands._commands))
    commands.register(commands.Command("hadir", hadir, commands.words({"HADIR"}), priority=40))
    from inbox.tests.conftest import whatsapp_body

    assert post_webhook(wa_channel, whatsapp_body(text="hadir!")).status_code == 200
    assert answered == ["hadir!"]
    assert Message.objects.filter(text="hadir!", direction=Message.Direction.INBOUND).exists()


def test_the_inbox_router_imports_no_app_that_answers_commands():
    source = Path(settings.BASE_DIR, "inbox", "services.py").read_text()
    imported = {node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert not {m for m in imported if m and (m.startswith("factcheck") or m == "broadcasts.keywords")}, imported
