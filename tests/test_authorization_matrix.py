"""Proven across the whole portal: every URL pattern x every persona x objects they may and may
not touch gets the outcome tests/authz_matrix.py's MATRIX gives it.

- The URL patterns are taken from the resolver: a new view (or a new allauth page) fails
  `test_the_matrix_covers_every_url_pattern` until it has rows; a row must name all eight
  personas and one outcome per object, or the table does not load.
- Every request runs in a savepoint rolled back afterwards, so a POST never changes what the
  next request sees; the world (tests/authz_world.py) is built once for the module.
- A refused request (anything but O, R and A) writes nothing: no audit row, no row of any table
  but the session's (REFUSALS_THAT_WRITE names the two refusals that must write, and what).
- No response, whatever its status, holds a name of a household outside the persona's reach or
  any spelling of a full My Number; nor does any log line.
"""

from __future__ import annotations

import io
import logging
from urllib.parse import unquote

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection, transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pypdf import PdfReader

from tests.authz_matrix import MATRIX, REFUSALS_THAT_WRITE, R
from tests.authz_world import ARGUMENTS, PERSONAS, REACH, World, build_world
from tests.mismatch_world import spellings
from tests.personas import make_user

# --- the resolver's patterns --------------------------------------------------------------------


def _patterns(patterns=None, namespace: str = "", prefix: str = "") -> set[str]:
    """Every URL pattern: its namespaced name, or its route when it has none."""
    found: set[str] = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found |= _patterns(entry.url_patterns, inner, route)
        elif isinstance(entry, URLPattern):
            found.add(namespace + entry.name if entry.name else "/" + route)
    return found


def _urls(row: R, world: World) -> list[tuple[str, str]]:
    """(object, URL) for each object the row's arguments offer."""
    if row.arguments is None:
        return [("-", reverse(row.name))]
    build = ARGUMENTS[row.arguments][1]
    return [(key, reverse(row.name, args=build(world, key))) for key in row.objects]


# --- the world, once per module -----------------------------------------------------------------


@pytest.fixture(scope="module")
def world_and_media(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("authz-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings = override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast)
    with django_db_blocker.unblock(), settings, transaction.atomic():
        yield build_world(), media
        transaction.set_rollback(True)


@pytest.fixture
def world(world_and_media, db, settings) -> World:
    world, media = world_and_media
    settings.MEDIA_ROOT = media  # after tests/conftest.py's per-test media directory
    return world


# --- one request: its outcome, its text, what it wrote ------------------------------------------

_REAUTHENTICATION = ("/accounts/reauthenticate/", "/accounts/2fa/reauthenticate/")


def _outcome(response) -> str:
    status = response.status_code
    if status == 302:
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return "L"
        if location.startswith("/accounts/2fa/totp/activate/"):
            return "V"
        return "A" if location.startswith(_REAUTHENTICATION) else "R"
    return {200: "O", 403: "F", 404: "-", 405: "M"}.get(status, str(status))


def _text(response) -> str:
    """What a reader of the response sees: the page, the CSV, the PDF's text, the redirect."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return body.decode(errors="replace") + unquote(response.get("Location", ""))


def _writes() -> dict[str, int]:
    """Rows inserted, updated or deleted so far in this transaction, per table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        return dict(cursor.fetchall())


# The session limits' clock writes the session row on every request, refused or not.
_ALWAYS_WRITTEN = {"django_session"}


def _try(client, method: str, url: str) -> tuple[str, str, str, set[str]]:
    """(outcome, detail, text, tables written) of one request, undone afterwards."""
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)  # a logout, a new session: forgotten afterwards
    before = _writes()
    with transaction.atomic():
        try:
            response = client.generic(method, url)
        except Exception as error:  # a 500: reported with the URL
            outcome, detail, text = "500", repr(error), ""
        else:
            outcome, detail = _outcome(response), response.get("Location", "")
            text = _text(response)  # read to the end: the test client then closes a file
        after = _writes()
        transaction.set_rollback(True)
    client.cookies = cookies
    written = {t for t, n in after.items() if n != before.get(t, 0)} - _ALWAYS_WRITTEN
    return outcome, detail, text, written


def _names(world: World, keys: str) -> list[str]:
    return [
        person.name
        for key in keys
        for person in (world.households[key].insured, world.households[key].spouse)
    ]


def _full_numbers(world: World) -> list[str]:
    return [number for household in world.households.values() for number in household.numbers]


# --- the tests ----------------------------------------------------------------------------------


def test_the_matrix_covers_every_url_pattern():
    listed = {row.name for row in MATRIX}
    assert sorted(_patterns() - listed) == [], "URL patterns with no row in the matrix"
    assert sorted(listed - _patterns()) == [], "rows for URL patterns that do not exist"
    rows = [(row.name, row.method) for row in MATRIX]
    assert len(rows) == len(set(rows)), "a URL and method listed twice"
    for name in listed:  # each URL is tried with both, whatever methods its view takes
        assert {row.method for row in MATRIX if row.name == name} == {"GET", "POST"}, name


# Who is shown the last four digits of their households' numbers.
_SEE_LAST_FOUR = {"member", "other_member", "clerk", "supervisor"}


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_each_persona_gets_what_the_matrix_says(client, world, persona, caplog):
    caplog.set_level(logging.DEBUG)
    if persona != "anonymous":
        client.force_login(world.users[persona])
    foreign = _names(world, "".join(k for k in world.households if k not in REACH[persona]))
    numbers = [s for number in _full_numbers(world) for s in spellings(number)]
    failures: list[str] = []
    seen: list[str] = []
    for row in MATRIX:
        for (key, url), expected in zip(_urls(row, world), row.expect[persona], strict=True):
            outcome, detail, text, written = _try(client, row.method, url)
            where = f"{persona} {row.method} {url} ({row.name}, object {key})"
            if outcome != expected:
                failures.append(f"{where}: expected {expected}, got {outcome} {detail}")
            allowed = REFUSALS_THAT_WRITE.get((row.name, row.method), set())
            if expected not in "ORA" and written - allowed:
                failures.append(f"{where}: refused, yet wrote to {sorted(written)}")
            if leaked := [name for name in foreign if name in text]:
                failures.append(f"{where}: shows {', '.join(leaked)}, outside the persona's reach")
            if any(spelling in text for spelling in numbers):
                failures.append(f"{where}: shows a full My Number")
            seen.append(text)
    # The checks above are not vacuous: each household in reach was shown somewhere, and so
    # were the last four digits of its numbers to those who see them.
    shown = "\n".join(seen)
    if unseen := [name for name in _names(world, REACH[persona]) if name not in shown]:
        failures.append(f"{persona} never saw {', '.join(unseen)}")
    for key in REACH[persona] if persona in _SEE_LAST_FOUR else "":
        digits = world.households[key].numbers[0][-4:]
        if f"下4桁 {digits}" not in shown and f"****-****-{digits}" not in shown:
            failures.append(f"{persona} never saw the last four digits {digits} of {key}")
    if any(spelling in caplog.text for spelling in numbers):
        failures.append(f"{persona}: a log line holds a full My Number")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


# Where an employer or staff login without its second factor may still go: the set-up itself,
# re-authentication, logout and the health checks. Everything else sends it to the set-up (V).
_BEFORE_THE_SECOND_FACTOR = {
    "healthz",
    "readyz",
    "account_logout",
    "account_reauthenticate",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    *(name for name in _patterns() if name.startswith("mfa_")),
}


@pytest.mark.parametrize("persona", ["employer_user", "clerk"])
def test_a_login_without_its_second_factor_reaches_only_the_set_up(client, world, persona):
    email, role = PERSONAS[persona]
    user = make_user(email.replace("@", "+nototp@"), role)
    Authenticator.objects.filter(user=user).delete()
    client.force_login(user)
    failures = []
    for row in MATRIX:
        _, url = _urls(row, world)[0]  # the middleware answers before any object is looked up
        outcome, detail, _, written = _try(client, row.method, url)
        where = f"{persona} without TOTP {row.method} {url}"
        if (outcome == "V") == (row.name in _BEFORE_THE_SECOND_FACTOR):
            failures.append(f"{where}: got {outcome} {detail}")
        if outcome == "V" and written:
            failures.append(f"{where}: sent to the set-up, yet wrote to {sorted(written)}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
