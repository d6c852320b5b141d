"""portal.settings with STATIC_ROOT from the environment, for tests that start a production
server (DEBUG off serves the collected, hashed static files): each collects its own into a
temporary directory instead of the checkout's staticfiles/, which benchmarks also write."""

import os

from portal.settings import *  # noqa: F403

STATIC_ROOT = os.environ["PORTAL_TEST_STATIC_ROOT"]
