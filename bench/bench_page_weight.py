"""Page weight of the public portal's office home: the HTML plus every same-origin asset it references.

    python bench/bench_page_weight.py [--path /kota-madiun/] [--keep]

A fresh SQLite database in a temporary directory is migrated and filled with `manage.py seed_demo` (the demo forum of
KPU Kota Madiun with its publications and the Pilkada 2024 stages). The settings are production's
(BAKOHUMAS_ENV=production, DEBUG unset, SECURE_SSL_REDIRECT=0) and `collectstatic` runs first, so the page links
the hashed file names that WhiteNoise serves. No server is started: django.test.Client requests the page, then
parses it for <link rel=stylesheet|icon|preload|modulepreload|manifest href>, <script src>, <img src/srcset>,
<source srcset> and <input type=image src> on the same origin, follows url(…) and @import in the stylesheets, and
requests each of those too. Feeds (<link rel=alternate>) and ordinary links are not loaded by a browser and do not
count.

Each file is printed with its size uncompressed and gzip-compressed (level 6, as a web server would compress it;
WhiteNoise serves its own pre-compressed .gz of the static files, also shown). The totals are compared with the
target: < 200 KB for the whole page. A browser also asks for /favicon.ico when the page names no icon; that answer
is shown but not counted.
"""

import argparse
import gzip
import io
import logging
import os
import re
import secrets
import string
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

from cryptography.fernet import Fernet

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from summary import summary  # noqa: E402
from workdir import bench_workdir  # noqa: E402

TARGET_KB = 200
ASSET_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload", "manifest"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class AssetParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.assets: list[tuple[str, str]] = []  # (kind, url)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href") and ASSET_RELS & set((a.get("rel") or "").lower().split()):
            self.assets.append((f"link rel={a.get('rel')}", a["href"]))
        elif tag == "script" and a.get("src"):
            self.assets.append(("script", a["src"]))
        elif tag in ("img", "source", "input"):
            if a.get("src") and (tag != "input" or (a.get("type") or "").lower() == "image"):
                self.assets.append((tag, a["src"]))
            for candidate in (a.get("srcset") or "").split(","):
                if candidate.strip():
                    self.assets.append((f"{tag} srcset", candidate.split()[0]))


def setup_django(work: Path) -> None:
    os.environ.pop("DEBUG", None)
    os.environ.update({
        "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "BAKOHUMAS_VAR_DIR": str(work / "var"),
        "STATIC_ROOT": str(work / "static"),
        "DJANGO_SETTINGS_MODULE": "bakohumas.settings",
        "BAKOHUMAS_ENV": "production",
        "SECRET_KEY": "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50)),
        "SECRETS_KEY": Fernet.generate_key().decode(),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "ERROR",
    })
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", stdout=io.StringIO())
    call_command("collectstatic", verbosity=0, interactive=False)


def same_origin_path(url: str, base: str) -> str | None:
    from django.conf import settings

    if url.startswith("data:"):
        return None
    parsed = urlparse(urljoin(base, url))
    own = {"", "testserver", urlparse(settings.SITE_URL).netloc}
    if parsed.netloc not in own or parsed.scheme not in ("", "http", "https"):
        return None
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def fetch(client, path: str, **headers) -> tuple[int, bytes, dict]:
    response = client.get(path, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if hasattr(response, "close"):
        response.close()
    return response.status_code, body, response.headers


def main() -> int:
    parser = argparse.ArgumentParser(description="Bytes of the portal's office home and its same-origin assets.")
    parser.add_argument("--path", default="/kota-madiun/", help="the page to weigh (default /kota-madiun/)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    with bench_workdir("page-weight", keep=args.keep) as work:
        setup_django(work)
        from django.test import Client

        client = Client()
        status, html, headers = fetch(client, args.path)
        if status != 200:
            raise SystemExit(f"GET {args.path} → {status}")
        rows = [("page", args.path, headers.get("Content-Type", ""), html, None)]
        found = AssetParser()
        found.feed(html.decode())
        queue = [(kind, url, args.path) for kind, url in found.assets]
        seen = set()
        while queue:
            kind, url, base = queue.pop(0)
            path = same_origin_path(url, base)
            if path is None or path in seen:
                continue
            seen.add(path)
            status, body, headers = fetch(client, path)
            if status != 200:
                raise SystemExit(f"GET {path} (referenced by {base}) → {status}")
            _, served, served_headers = fetch(client, path, accept_encoding="gzip")
            encoded = served if served_headers.get("Content-Encoding") == "gzip" else None
            rows.append((kind, path, headers.get("Content-Type", ""), body, encoded))
            if "css" in headers.get("Content-Type", ""):
                for match in CSS_URL.finditer(body.decode("utf-8", "replace")):
                    queue.append(("css url()", match.group(1) or match.group(2), path))

        print(f"GET {args.path} with the demo data (seed_demo), production settings, collectstatic; "
              f"gzip = level 6, as a web server compresses; WhiteNoise .gz = what WhiteNoise serves for "
              f"Accept-Encoding: gzip.\n")
        print(f"  {'what':<22}{'path':<52}{'bytes':>9}{'gzip':>9}{'WhiteNoise .gz':>16}")
        total = total_gz = 0
        for kind, path, _, body, encoded in rows:
            gz = len(gzip.compress(body, compresslevel=6))
            total, total_gz = total + len(body), total_gz + gz
            shown = path if len(path) <= 50 else path[:47] + "..."
            print(f"  {kind:<22}{shown:<52}{len(body):>9,}{gz:>9,}{(f'{len(encoded):,}' if encoded else '–'):>16}")
        print(f"  {'total':<22}{f'{len(rows)} requests':<52}{total:>9,}{total_gz:>9,}")
        print()
        for label, size in (("uncompressed", total), ("gzip", total_gz)):
            met = size < TARGET_KB * 1024
            print(f"  {label:<14}{size / 1024:>8.1f} KB   target < {TARGET_KB} KB   {'MET' if met else 'MISSED'}")
            summary(f"page weight {args.path}, {label}", f"< {TARGET_KB} KB",
                    f"{size / 1024:.1f} KB ({len(rows)} requests)", met)
        logging.getLogger("django.request").setLevel(logging.ERROR)  # the expected 404 is not news
        status, body, _ = fetch(client, "/favicon.ico")
        print(f"\n  /favicon.ico (asked for by browsers when no icon is linked): {status}, {len(body):,} bytes, "
              f"not counted. Images on the page: {sum(1 for r in rows if r[0].startswith(('img', 'source')))}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
