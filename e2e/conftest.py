"""Browser fixtures for the end-to-end tests: Debian's Chromium driven by Playwright's sync API.

Playwright's sync API runs an event loop in the test thread, so Django's ORM calls from the test body would be
refused as "async unsafe"; the tests only touch the database between browser steps, never concurrently.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium); e2e tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def worker(settings):
    """The real background worker (`manage.py worker`) on the test database; the test's own process enqueues to
    the database queue, as the web server does in production."""
    from members.tests.test_worker import DB_TASKS, worker_env

    settings.TASKS = DB_TASKS
    process = subprocess.Popen([sys.executable, "manage.py", "worker", "--queue-name", "*", "--interval", "0.2"],
                               cwd=django_settings.BASE_DIR, env=worker_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    yield process
    process.terminate()
    process.wait(timeout=20)


def eventually(check, timeout: float = 15.0):
    """Poll `check` until it returns something truthy (work the worker process does), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, "the worker did not finish in time"
            return result
        time.sleep(0.1)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="id-ID", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
