"""A loopback Telegram Bot API (`POST /bot<token>/sendMessage`) answering with the fixture bodies."""

import copy
import time
import zlib
from typing import Any

from channels.fakes._server import SERVER_ERROR, TIMEOUT, Answer, FakeServer, fixture

DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    502: "Bad Gateway",
}


def _error(code: int, description: str | None = None) -> Answer:
    return Answer(code if 400 <= code < 600 else 400,
                  {"ok": False, "error_code": code, "description": description or DESCRIPTIONS.get(code, "Error")})


class FakeTelegram(FakeServer):
    """`with FakeTelegram() as tg: telegram.send_message(tg.url, "123:ABC", 1111111, "…")`.

    Each accepted message gets the next message_id. Failure kinds: 429 (the fixture, retry_after 8), 400
    (chat not found), 401, 403 (bot blocked), another error code, "5xx" (502) or "timeout". Keys of `errors`
    are chat ids as strings. By default `fail_ratio` cycles 429, 5xx and timeout.
    """

    default_failures = (429, SERVER_ERROR, TIMEOUT)
    webhook: dict | None = None   # the last setWebhook request

    def error_answer(self, kind: Any) -> Answer:
        if kind == 429:
            spec = fixture("telegram", "sendmessage_response_429.json")
            answer = Answer(spec["http_status"], spec["body"])
        else:
            answer = _error(502 if kind == SERVER_ERROR else int(kind))
        answer.headers.update(self.error_headers())
        return answer

    def success(self, chat_id: Any, text: str) -> Answer:
        body = copy.deepcopy(fixture("telegram", "sendmessage_response_ok.json")["body"])
        result = body["result"]
        result["message_id"] = result["message_id"] + self.next_number()
        result["date"] = int(time.time())
        result["text"] = text
        if str(chat_id).lstrip("-").isdecimal():
            result["chat"]["id"] = int(chat_id)
        else:  # "@channelusername"
            result["chat"] = {"id": -1001000000000 - zlib.crc32(str(chat_id).encode()) % 10**9,
                              "title": str(chat_id).lstrip("@"), "username": str(chat_id).lstrip("@"),
                              "type": "channel"}
        return Answer(200, body)

    def answer(self, method, path, headers, data):
        parts = path.split("?")[0].strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            return _error(404), "404"
        if self.token is not None and parts[0] != f"bot{self.token}":
            return _error(401), "401"
        if parts[1] == "setWebhook" and isinstance(data, dict) and data.get("url"):
            self.webhook = data
            return Answer(200, {"ok": True, "result": True, "description": "Webhook was set"}), "ok"
        if parts[1] != "sendMessage":
            return _error(404), "404"
        if not isinstance(data, dict) or data.get("chat_id") in (None, "") or not data.get("text"):
            return _error(400, "Bad Request: message text is empty"), "400"
        failure = self.choose_failure(str(data["chat_id"]))
        if failure == TIMEOUT:
            answer = self.success(data["chat_id"], data["text"])
            answer.hang = True
            return answer, TIMEOUT
        if failure is not None:
            return self.error_answer(failure), str(failure)
        return self.success(data["chat_id"], data["text"]), "ok"
