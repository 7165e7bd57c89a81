"""A loopback Telegram Bot API (`POST /bot<token>/sendMessage`) answering with the fixture bodies, and its file
endpoints: `getFile` (a file's path) and `GET /file/bot<token>/<file_path>` (the file)."""

import copy
import mimetypes
import time
import zlib
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.fakes._server import SERVER_ERROR, TIMEOUT, Answer, FakeServer, fixture

DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    502: "Bad Gateway",
}
MAX_DOWNLOAD = 20 * 1024 * 1024   # bots download files up to 20 MB (getFile says "file is too big" above that)
FOLDERS = (("image/", "photos"), ("video/", "videos"), ("audio/ogg", "voice"), ("audio/", "music"))


# The tags the Bot API's HTML parse mode knows (https://core.telegram.org/bots/api#html-style).
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
             "tg-emoji", "blockquote"}


class EntityError(ValueError):
    pass


class _EntityParser(HTMLParser):
    """What Telegram does with parse_mode HTML: supported tags only, properly nested; the text the user reads."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in HTML_TAGS:
            raise EntityError(f'Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            raise EntityError(f'Unmatched end tag "{tag}"')

    def handle_data(self, data):
        self.text.append(data)


def parse_entities(text: str) -> str:
    parser = _EntityParser()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise EntityError(f"Can't find end tag corresponding to start tag {parser.stack[-1]!r}")
    return "".join(parser.text)


def _error(code: int, description: str | None = None) -> Answer:
    return Answer(code if 400 <= code < 600 else 400,
                  {"ok": False, "error_code": code, "description": description or DESCRIPTIONS.get(code, "Error")})


class FakeTelegram(FakeServer):
    """`with FakeTelegram() as tg: telegram.send_message(tg.url, "123:ABC", 1111111, "…")`.

    Each accepted message gets the next message_id. Failure kinds: 429 (the fixture, retry_after 8), 400
    (chat not found), 401, 403 (bot blocked), another error code, "5xx" (502) or "timeout". Keys of `errors`
    are chat ids as strings. By default `fail_ratio` cycles 429, 5xx and timeout.

    Files: `tg.media["PHOTO_FILE_ID_Y"] = (b"...", "image/jpeg")`; `getFile?file_id=…` answers {"ok": true,
    "result": {"file_id", "file_unique_id", "file_size", "file_path": "photos/file_1.jpg"}}, an unknown id gets
    400 "invalid file_id", one over 20 MB 400 "file is too big". `GET /file/bot<token>/<file_path>` serves the
    bytes as `application/octet-stream`, as the real file server does whatever the file is.
    `tg.media_errors[id]` / `tg.download_errors[id]` inject failures (an HTTP status, "5xx", "timeout", or a
    list of them served one per request).
    """

    default_failures = (429, SERVER_ERROR, TIMEOUT)
    webhook: dict | None = None   # the last setWebhook request
    download_content_type = "application/octet-stream"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._file_paths: dict[str, str] = {}   # file_path → file_id, as getFile handed them out

    def file_path_for(self, file_id: str, mime: str) -> str:
        for path, known in self._file_paths.items():
            if known == file_id:
                return path
        folder = next((name for prefix, name in FOLDERS if mime.startswith(prefix)), "documents")
        extension = mimetypes.guess_extension(mime.split(";")[0].strip()) or ""
        path = f"{folder}/file_{len(self._file_paths) + 1}{extension}"
        self._file_paths[path] = file_id
        return path

    def media_error_answer(self, kind: Any) -> Answer:
        return _error(502 if kind == SERVER_ERROR else int(kind))

    def get_file(self, path: str, data: Any) -> tuple[Answer, str]:
        query = parse_qs(urlsplit(path).query)
        file_id = (query.get("file_id") or [""])[0] or str((data or {}).get("file_id", "") if isinstance(
            data, dict) else "")
        if file_id not in self.media:
            return _error(400, "Bad Request: invalid file_id"), "400"
        failure = self.media_failure(file_id, download=False)
        if failure is not None and failure != TIMEOUT:
            return self.media_error_answer(failure), str(failure)
        content, mime = self.media[file_id]
        if len(content) > MAX_DOWNLOAD:
            return _error(400, "Bad Request: file is too big"), "400"
        answer = Answer(200, {"ok": True, "result": {
            "file_id": file_id, "file_unique_id": f"U{zlib.crc32(file_id.encode()):08x}",
            "file_size": len(content), "file_path": self.file_path_for(file_id, mime)}})
        answer.hang = failure == TIMEOUT
        return answer, TIMEOUT if answer.hang else "ok"

    def download(self, parts: list[str]) -> tuple[Answer, str]:
        if len(parts) < 3 or not parts[1].startswith("bot") or (
                self.token is not None and parts[1] != f"bot{self.token}"):
            return _error(404), "404"
        file_id = self._file_paths.get("/".join(parts[2:]))
        if file_id is None or file_id not in self.media:
            return _error(404), "404"
        failure = self.media_failure(file_id, download=True)
        if failure is not None and failure != TIMEOUT:
            return self.media_error_answer(failure), str(failure)
        answer = self.file_answer(file_id, self.download_content_type)
        answer.hang = failure == TIMEOUT
        return answer, TIMEOUT if answer.hang else "ok"

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
        if parts[0] == "file" and method == "GET":
            return self.download(parts)
        if len(parts) != 2 or not parts[0].startswith("bot"):
            return _error(404), "404"
        if self.token is not None and parts[0] != f"bot{self.token}":
            return _error(401), "401"
        if parts[1] == "setWebhook" and isinstance(data, dict) and data.get("url"):
            self.webhook = data
            return Answer(200, {"ok": True, "result": True, "description": "Webhook was set"}), "ok"
        if parts[1] == "getFile":
            return self.get_file(path, data)
        if parts[1] != "sendMessage":
            return _error(404), "404"
        if not isinstance(data, dict) or data.get("chat_id") in (None, "") or not data.get("text"):
            return _error(400, "Bad Request: message text is empty"), "400"
        if data.get("parse_mode") == "HTML":
            try:
                data = {**data, "text": parse_entities(str(data["text"]))}
            except EntityError as exc:
                return _error(400, f"Bad Request: can't parse entities: {exc}"), "400"
        failure = self.choose_failure(str(data["chat_id"]))
        if failure == TIMEOUT:
            answer = self.success(data["chat_id"], data["text"])
            answer.hang = True
            return answer, TIMEOUT
        if failure is not None:
            return self.error_answer(failure), str(failure)
        return self.success(data["chat_id"], data["text"]), "ok"
