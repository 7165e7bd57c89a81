"""Settings for the test suite: the production settings with fast hashing, inline tasks and a throwaway media dir."""

import os
import sys
import tempfile
from pathlib import Path

# With PYTHONDONTWRITEBYTECODE set, every test run (and every xdist worker) compiled the project again and redid
# pytest's assertion rewriting of every test module. The compiled files go to var/pycache, outside the source
# tree, which is what that setting usually protects. This module is read before Django imports the apps.
if sys.dont_write_bytecode:
    sys.pycache_prefix = str(Path(__file__).resolve().parent.parent / "var" / "pycache")
    sys.dont_write_bytecode = False

# A fixed key for channel secrets, in the environment so that processes a test starts (workers, the production
# start-up checks) get it too.
TEST_SECRETS_KEY = "YmFrb2h1bWFzLXRlc3RzLW9ubHktc2VjcmV0cy1rZXk="
os.environ["SECRETS_KEY"] = TEST_SECRETS_KEY

from bakohumas.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Links in messages do not depend on a PORT or SITE_URL left in the shell that runs the tests.
SITE_URL = "http://127.0.0.1:8000"
# Tests run tasks inline unless they start a real worker (see members/tests/test_worker.py).
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": TASK_QUEUES}}  # noqa: F405
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="bakohumas-media-"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (WhiteNoise warns when it is missing)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# A file, not memory, so that a worker started by a test (a separate process) sees the test database.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-bakohumas-{os.getpid()}.sqlite3")}  # noqa: F405
OUTBOUND_HTTP_ALLOWED_HOSTS = []  # any unmocked outbound call in a test fails loudly; loopback fakes are allowed
