"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

The browser starts once per session (never downloaded: /usr/bin/chromium, installed by the
Makefile's set-up); each test gets a fresh context at its viewport. Every page a journey visits
is checked with axe-core (bundled by axe-playwright-python, never fetched at run time) and
the journey fails on the first violation of the WCAG 2.2 AA rules.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.browser.driver import CHROMIUM, VIEWPORTS, Journey

# In `make test` Chromium is installed by the set-up; set PORTAL_REQUIRE_BROWSER=1 to make a
# missing browser a failure rather than a skip.
_MISSING = not CHROMIUM.exists()


@pytest.fixture(scope="package")
def browser():
    if _MISSING:
        if os.environ.get("PORTAL_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and PORTAL_REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium, or run `make test`)")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread while it lives, and
    # Django refuses ORM calls beside a running loop. The test's own ORM calls (its data, the
    # tasks it runs, the database set-up) are synchronous all the same; the browser lives only
    # as long as this package, so the rest of the suite runs with the guard on.
    allowed = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    playwright = sync_playwright().start()
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield launched
    launched.close()
    playwright.stop()
    if allowed is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


# Each journey runs twice: on a phone by touch (pointer clicks), and on a desktop screen with the
# keyboard alone (Tab, Enter, Space, arrows and typing; every focused control must show its
# focus). axe runs on every page of both. Pointer clicks at the desktop size would add a third
# run of every journey (("desktop", False)) for little: the suite keeps to about 90 s.
WAYS = {"phone": ("phone", False), "desktop-keyboard": ("desktop", True)}


@pytest.fixture(params=list(WAYS))
def journey(live_server, browser, request) -> Iterator[Journey]:
    viewport, keyboard = WAYS[request.param]
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="ja-JP", timezone_id="Asia/Tokyo"
    )
    context.set_default_timeout(5_000)
    shots = f"{request.node.originalname.removeprefix('test_')}-{request.param}"
    walk = Journey(context.new_page(), live_server.url, shots, keyboard=keyboard)
    yield from _walked(walk, request)


@pytest.fixture
def journey_en(live_server, browser, request) -> Iterator[Journey]:
    """Once more in English, on a phone: a browser set to English (issue 17)."""
    width, height = VIEWPORTS["phone"]
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="en-US", timezone_id="Asia/Tokyo"
    )
    context.set_default_timeout(5_000)
    shots = f"{request.node.originalname.removeprefix('test_')}-en"
    walk = Journey(context.new_page(), live_server.url, shots, locale="en-US")
    yield from _walked(walk, request)


def _walked(walk: Journey, request) -> Iterator[Journey]:
    # The rate limits' counters live in the cache table, which the flush between transactional
    # tests leaves alone: every journey starts with none.
    cache.clear()
    failed = request.session.testsfailed
    yield walk
    walk.page.context.close()
    if request.session.testsfailed == failed:  # a failed journey stops short of its checks
        walk.assert_every_page_checked()
