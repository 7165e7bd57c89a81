"""A loopback WhatsApp Cloud API (`POST /<phone-number-id>/messages`) answering with the fixture bodies."""

import copy
from typing import Any

from channels.fakes._server import SERVER_ERROR, TIMEOUT, Answer, FakeServer, fixture

ERROR_FIXTURES = {
    130429: "error_130429_rate_limit.json",
    131056: "error_131056_pair_rate_limit.json",
    80007: "error_80007_waba_rate_limit.json",
    131047: "error_131047_reengagement.json",
    131026: "error_131026_undeliverable.json",
    190: "error_190_access_token_expired.json",
}


def _error(code: int, message: str, status: int = 400) -> Answer:
    return Answer(status, {"error": {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code,
                                     "fbtrace_id": "FakeWhatsAppTraceId"}})


class FakeWhatsApp(FakeServer):
    """`with FakeWhatsApp() as wa: whatsapp.send_text(wa.url, "106540352242922", "EAAJB...", "+62…", "…")`.

    Every accepted message gets a unique wamid. Failure kinds: an error code (the fixture for 130429, 131056,
    80007, 131047, 131026, 190; a generic Graph error otherwise), "5xx" (500, code 131000) or "timeout".
    By default `fail_ratio` cycles 130429, 80007 (HTTP 429), 5xx and timeout.
    """

    default_failures = (130429, 80007, SERVER_ERROR, TIMEOUT)

    def error_answer(self, kind: Any) -> Answer:
        if kind == SERVER_ERROR:
            answer = _error(131000, "Something went wrong", status=500)
        elif kind in ERROR_FIXTURES:
            spec = fixture("whatsapp", "api", ERROR_FIXTURES[kind])
            answer = Answer(spec["http_status"], spec["body"])
        else:
            answer = _error(int(kind), "Injected error")
        answer.headers.update(self.error_headers())
        return answer

    def success(self, to: str) -> Answer:
        body = copy.deepcopy(fixture("whatsapp", "api", "send_response_success.json")["body"])
        body["contacts"] = [{"input": to, "wa_id": "".join(ch for ch in to if ch.isdecimal())}]
        body["messages"] = [{"id": f"wamid.FAKE{self.next_number():012d}"}]
        return Answer(200, body)

    def answer(self, method, path, headers, data):
        parts = path.split("?")[0].strip("/").split("/")
        if method != "POST" or len(parts) < 2 or parts[-1] != "messages":
            return _error(100, "Unsupported request", status=404), "404"
        if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
            return self.error_answer(190), "190"
        if not isinstance(data, dict) or data.get("messaging_product") != "whatsapp" or not data.get("to"):
            return _error(100, "Invalid parameter"), "100"
        to = str(data["to"])
        failure = self.choose_failure(to)
        if failure == TIMEOUT:
            answer = self.success(to)
            answer.hang = True   # it may well have been sent: the client just never hears about it
            return answer, TIMEOUT
        if failure is not None:
            return self.error_answer(failure), str(failure)
        return self.success(to), "ok"
