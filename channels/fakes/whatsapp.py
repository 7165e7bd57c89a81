"""A loopback WhatsApp Cloud API (`POST /<phone-number-id>/messages`) answering with the fixture bodies, and its
media endpoints: `GET /<media-id>` (the file's short-lived address) and `GET <that address>` (the file)."""

import base64
import copy
import hashlib
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

    Media (as the Cloud API, both steps need `Authorization: Bearer <token>`): `wa.media["1003383421387256"] =
    (b"...", "image/jpeg")`; `GET /1003383421387256` answers {"messaging_product", "url", "mime_type", "sha256",
    "file_size", "id"} with `url` = `<wa.url>/media/1003383421387256`, and that address serves the bytes.
    An unknown id gets Graph's 400 (code 100). `wa.media_errors[id]` / `wa.download_errors[id]` inject failures
    (an HTTP status, "5xx", "timeout", or a list of them served one per request).
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

    def media_error_answer(self, kind: Any, *, download: bool) -> Answer:
        if kind == SERVER_ERROR or (isinstance(kind, int) and kind >= 500):
            status = kind if isinstance(kind, int) else 500
            return Answer(status, None, raw=b"Server Error", content_type="text/plain") if download else _error(
                131000, "Something went wrong", status=status)
        if download:
            return Answer(int(kind), None, raw=b"Not Found" if kind == 404 else b"Error", content_type="text/plain")
        if kind in ERROR_FIXTURES:
            return self.error_answer(kind)
        return _error(100, "Unsupported get request.", status=int(kind)) if 400 <= int(kind) < 600 else _error(
            int(kind), "Injected error")

    def media_answer(self, path: str, headers: dict[str, str], *, download: bool) -> tuple[Answer, str]:
        media_id = path.split("?")[0].strip("/").split("/")[-1]
        authorization = headers.get("authorization", "")
        if not authorization.startswith("Bearer ") or (
                self.token is not None and authorization != f"Bearer {self.token}"):
            return self.error_answer(190), "190"
        failure = self.media_failure(media_id, download=download)
        if media_id not in self.media:
            if download:
                return Answer(404, None, raw=b"Not Found", content_type="text/plain"), "404"
            return _error(100, f"Unsupported get request. Object with ID '{media_id}' does not exist, cannot be "
                               "loaded due to missing permissions, or does not support this operation."), "100"
        if failure is not None and failure != TIMEOUT:
            return self.media_error_answer(failure, download=download), str(failure)
        content, mime = self.media[media_id]
        if download:
            answer = self.file_answer(media_id)
        else:
            answer = Answer(200, {"messaging_product": "whatsapp", "url": f"{self.url}/media/{media_id}",
                                  "mime_type": mime, "sha256": base64.b64encode(hashlib.sha256(content).digest())
                                  .decode(), "file_size": len(content), "id": media_id})
        answer.hang = failure == TIMEOUT
        return answer, TIMEOUT if answer.hang else "ok"

    def answer(self, method, path, headers, data):
        parts = path.split("?")[0].strip("/").split("/")
        if method == "GET" and len(parts) == 1 and parts[0]:
            return self.media_answer(path, headers, download=False)
        if method == "GET" and len(parts) == 2 and parts[0] == "media":
            return self.media_answer(path, headers, download=True)
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
