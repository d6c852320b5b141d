"""A journey through the portal in the browser: every page it reaches is checked with axe-core,
key pages are photographed, and in keyboard mode every action is Tab, Enter, Space or typing.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from axe_playwright_python.sync_playwright import Axe

CHROMIUM = Path("/usr/bin/chromium")
VIEWPORTS = {"phone": (360, 740), "desktop": (1280, 900)}
# Git-ignored; the README's Development section names it.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
_AXE = Axe()

# Violations known to be fixed by work in progress elsewhere in the same issue, as
# (rule id, path pattern, CSS target substring): each entry says why it is tolerated. The lead
# empties this list once that work is in; nothing else may be added to it.
KNOWN_VIOLATIONS: list[tuple[str, str, str]] = []

_MAX_TABS = 250
# WCAG 2.4.7: the focused control shows it (the portal's :focus-visible outline and ring).
_FOCUS_SHOWN = """el => {
  const style = getComputedStyle(el);
  return style.outlineStyle !== "none" || style.boxShadow !== "none";
}"""


class Journey:
    # The landing's login link and the login button, in the browser's language.
    LOGIN_WORDS = {"ja-JP": ("ログイン", "ログイン"), "en-US": ("Log in", "Sign in")}

    def __init__(
        self, page, base_url: str, shots: str, *, keyboard: bool = False, locale: str = "ja-JP"
    ):
        self.page = page
        self.base = base_url
        self.shots = shots
        self.keyboard = keyboard
        self.locale = locale
        self.login_words = self.LOGIN_WORDS[locale]
        self.visited: list[str] = []
        self.checked: set[str] = set()
        self.languages: list[tuple[str, str | None, bool]] = []
        self._shot = 0
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.visited.append(frame.url)

    def beside(self, who: str) -> Journey:
        """A second person at another browser (a fresh context), same viewport, mode and
        language."""
        page = self.page.context.browser.new_context(
            viewport=self.page.viewport_size, locale=self.locale, timezone_id="Asia/Tokyo"
        ).new_page()
        page.set_default_timeout(5_000)
        shots = f"{self.shots}-{who}"
        return Journey(page, self.base, shots, keyboard=self.keyboard, locale=self.locale)

    def leave(self) -> None:
        self.page.context.close()
        self.assert_every_page_checked()

    # --- pages ------------------------------------------------------------------------------

    def go(self, path: str, label: str, *, shot: bool = False) -> None:
        """Open a page by its address: the journey's start, or a link from an e-mail."""
        self.page.goto(urljoin(self.base, path))
        self.check(label, shot=shot)

    def check(self, label: str, *, shot: bool = False) -> None:
        """axe-core on the page as it stands: no violation of the WCAG 2.2 AA rules."""
        page = self.page
        page.wait_for_load_state("load")
        assert page.locator("h1").count() == 1, f"{label}: {page.url} has not exactly one <h1>"
        results = _AXE.run(page, options=AXE_OPTIONS).response
        path = urlsplit(page.url).path
        found = [
            f"{v['id']} ({v['impact']}) at {node['target']}: {v['help']}"
            for v in results["violations"]
            for node in v["nodes"]
            if not _known(v["id"], path, str(node["target"]))
        ]
        assert not found, f"axe on {label} ({path}):\n  " + "\n  ".join(found)
        self.checked.add(page.url)
        # Each page's language and whether it offers the language switch (issue 17).
        switch = page.locator('button[name="language"]').count() > 0
        self.languages.append((path, page.locator("html").get_attribute("lang"), switch))
        if shot:
            self._shot += 1
            SCREENSHOTS.mkdir(exist_ok=True)
            name = f"{self.shots}-{self._shot:02d}-{label}.png"
            page.screenshot(path=SCREENSHOTS / name, full_page=True)

    def assert_every_page_checked(self) -> None:
        missed = [url for url in self.visited if url not in self.checked and url != "about:blank"]
        assert not missed, f"pages visited without an axe check: {missed}"

    # --- actions ----------------------------------------------------------------------------

    def focus(self, locator) -> None:
        """Tab until the element has the focus (keyboard mode); a mouse user needs nothing."""
        if not self.keyboard:
            return
        locator = locator.first
        locator.wait_for(state="visible")
        for _ in range(_MAX_TABS):
            if locator.evaluate("el => el === document.activeElement"):
                assert locator.evaluate(_FOCUS_SHOWN), f"no visible focus on {locator}"
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reaches {locator} on {self.page.url}")

    def fill(self, locator, text: str) -> None:
        if self.keyboard:
            self.focus(locator)
            self.page.keyboard.press("Control+A")
            self.page.keyboard.type(text)
        else:
            locator.first.fill(text)

    def tick(self, locator) -> None:
        if self.keyboard:
            self.focus(locator)
            if not locator.first.is_checked():
                self.page.keyboard.press("Space")
        else:
            locator.first.check()
        assert locator.first.is_checked()

    def radio(self, locator) -> None:
        """Pick a radio button: Tab into its group, then the arrow keys, as the keyboard does."""
        target = locator.first
        if not self.keyboard:
            target.check()
            return
        name = target.get_attribute("name")
        for _ in range(_MAX_TABS):
            if self.page.evaluate("() => document.activeElement.name") == name:
                break
            self.page.keyboard.press("Tab")
        for _ in range(10):
            if target.is_checked():
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"the arrow keys never reach {locator}")

    def choose(self, select, label: str) -> None:
        """Pick an option of a <select>: typed on the closed list with the keyboard."""
        if self.keyboard:
            self.focus(select)
            self.page.keyboard.type(label)
            assert label in select.first.evaluate("el => el.selectedOptions[0].text")
        else:
            select.first.select_option(label=label)

    def press(self, locator) -> None:
        """Activate a link or button without leaving the page."""
        if self.keyboard:
            self.focus(locator)
            self.page.keyboard.press("Enter")
        else:
            locator.first.click()

    def follow(self, locator, label: str, *, shot: bool = False) -> None:
        """Activate a link or button that leads to another page, then check that page."""
        with self.page.expect_navigation():
            self.press(locator)
        self.check(label, shot=shot)

    def pdf(self, link) -> bytes:
        """A PDF link: reachable (by Tab in keyboard mode) and answering a PDF."""
        self.focus(link)
        href = link.first.get_attribute("href")
        response = self.page.request.get(urljoin(self.page.url, href))
        assert response.ok and response.headers["content-type"] == "application/pdf", href
        body = response.body()
        assert body.startswith(b"%PDF")
        return body

    # --- reading ----------------------------------------------------------------------------

    def text(self) -> str:
        return self.page.locator("main").first.inner_text()

    def path(self) -> str:
        return urlsplit(self.page.url).path


def _known(rule: str, path: str, target: str) -> bool:
    return any(
        rule == known_rule and re.search(pattern, path) and where in target
        for known_rule, pattern, where in KNOWN_VIOLATIONS
    )
