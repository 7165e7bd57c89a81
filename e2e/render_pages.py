"""Render the main staff and public pages to PNG at desktop and phone sizes, to look at them.

    python e2e/render_pages.py [--base http://127.0.0.1:8000] [--out var/screenshots] [--only inbox,portal]

Needs a running instance with the demo data (`make run`) and Debian's Chromium (/usr/bin/chromium). Staff pages are
taken as the demo user named in PAGES (password `demo-bakohumas-2024`, the one `make run` prints). Each page is
written as <name>-desktop.png (1280×900) and <name>-phone.png (390×844), the whole page length.
"""

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "demo-bakohumas-2024"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
# (name, path, user or None for a citizen)
PAGES = [
    ("perlu-tindakan", "/staf/", "operator.madiun"),
    ("perlu-tindakan-editor", "/staf/", "editor.madiun"),
    ("perlu-tindakan-provinsi", "/staf/", "admin.jatim"),
    ("notifikasi", "/staf/notifikasi/", "editor.madiun"),
    ("notifikasi-pengaturan", "/staf/notifikasi/pengaturan/", "operator.madiun"),
    ("inbox", "/staf/kotak-masuk/", "operator.madiun"),
    ("inbox-provinsi", "/staf/kotak-masuk/", "admin.jatim"),
    ("cek-fakta", "/staf/cek-fakta/", "operator.madiun"),
    ("siaran", "/staf/siaran/", "admin.madiun"),
    ("publikasi", "/staf/publikasi/", "editor.madiun"),
    ("anggota", "/staf/anggota/", "operator.madiun"),
    ("ringkasan-forum", "/staf/ringkasan/", "operator.madiun"),
    ("kanal", "/staf/kanal/", "admin.madiun"),
    ("log-audit", "/staf/audit/", "admin.madiun"),
    ("portal", "/kota-madiun/", None),
    ("portal-kontak", "/kota-madiun/kontak/", None),
    ("portal-lapor-hoaks", "/kota-madiun/lapor-hoaks/", None),
    ("portal-cek-fakta", "/kota-madiun/cek-fakta/", None),
    ("portal-kirim-pesan", "/kota-madiun/kirim-pesan/", None),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="var/screenshots")
    parser.add_argument("--only", default="", help="comma-separated words: pages whose name contains one")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = [w for w in args.only.split(",") if w]
    pages = [p for p in PAGES if not wanted or any(w in p[0] for w in wanted)]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for size, (width, height) in SIZES.items():
            sessions = {}
            for name, path, user in pages:
                if user not in sessions:
                    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
                    if user:
                        login = context.new_page()
                        login.goto(args.base + "/masuk/")
                        login.fill("input[name=username]", user)
                        login.fill("input[name=password]", PASSWORD)
                        login.click("main form button")
                        login.close()
                    sessions[user] = context
                page = sessions[user].new_page()
                page.goto(args.base + path)
                page.wait_for_load_state("networkidle")
                target = out / f"{name}-{size}.png"
                page.screenshot(path=str(target), full_page=True)
                page.close()
                print(target)
            for context in sessions.values():
                context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
