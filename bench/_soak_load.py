"""The soak's load generator: threads of virtual users over http.client, every response recorded.

Members sign in through the login form (a real session, password hash and all); staff and
employer sessions are made directly (their second factor is a browser step). Each virtual
user repeats a journey of its role with a short think time between requests:
- member: the dashboard, one of the notices linked there, its PDF;
- clerk: a search by kana, 記号 or birth date, then a member page from the results;
- employer: the people list, a person's page, now and then an application for 資格確認書.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

TIMEOUT = 30  # seconds; gunicorn's own timeout is 60
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NOTICE_LINK = re.compile(r'href="/member/notices/(\d+)/"')
STAFF_MEMBER_LINK = re.compile(r'href="/staff/members/(\d+)/"')
PERSON_LINK = re.compile(r'href="/employer/people/(\d+)/"')
PEOPLE_CHECKBOX = re.compile(r'name="people" value="(\d+)"')
ID = re.compile(r"/\d+/")


@dataclass
class Record:
    start: float  # seconds since the soak's t0
    end: float
    role: str
    path: str  # with ids replaced by <id>
    status: int  # 0: no answer (refused, reset, timed out)


@dataclass
class Persona:
    role: str  # member, clerk, employer
    cookies: dict[str, str] = field(default_factory=dict)
    email: str = ""
    password: str = ""
    searches: list[dict[str, str]] = field(default_factory=list)  # staff queries


class Recorder:
    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self.records: list[Record] = []
        self.lock = threading.Lock()

    def add(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)


class Session:
    """One virtual user's cookies and requests; every request is recorded."""

    def __init__(self, port: int, persona: Persona, recorder: Recorder) -> None:
        self.port = port
        self.persona = persona
        self.recorder = recorder

    def request(
        self, method: str, path: str, form: dict[str, str] | list[tuple[str, str]] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Host": "127.0.0.1"}
        if self.persona.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.persona.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        status, answer_headers, content = 0, {}, b""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            status = response.status
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
            for key, value in response.getheaders():
                if key.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.persona.cookies[name.strip()] = rest.split(";", 1)[0]
        except (OSError, http.client.HTTPException):
            status = 0
        finally:
            connection.close()
        ended = time.monotonic()
        template = ID.sub("/<id>/", path.split("?", 1)[0])
        self.recorder.add(
            Record(
                started - self.recorder.t0,
                ended - self.recorder.t0,
                self.persona.role,
                f"{method} {template}",
                status,
            )
        )
        return status, answer_headers, content

    def sign_in(self) -> bool:
        status, _, page = self.request("GET", "/accounts/login/")
        token = CSRF_FIELD.search(page.decode(errors="replace"))
        if status != 200 or token is None:
            return False
        status, headers, _ = self.request(
            "POST",
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token.group(1),
                "login": self.persona.email,
                "password": self.persona.password,
            },
        )
        return status == 302 and "/accounts/login" not in headers.get("location", "")


def _page(session: Session, path: str) -> str:
    status, headers, content = session.request("GET", path)
    if status == 302 and "/accounts/login" in headers.get("location", ""):
        if session.persona.role == "member":
            session.sign_in()  # signed out (it should not happen): record it, sign in again
        return ""
    return content.decode(errors="replace") if status == 200 else ""


def member_journey(session: Session, rng: random.Random, pause) -> None:
    dashboard = _page(session, "/member/")
    notices = NOTICE_LINK.findall(dashboard)
    if not notices:
        return
    pk = rng.choice(notices)
    pause()
    _page(session, f"/member/notices/{pk}/")
    pause()
    session.request("GET", f"/member/notices/{pk}/pdf/")


def clerk_journey(session: Session, rng: random.Random, pause) -> None:
    query = rng.choice(session.persona.searches)
    results = _page(session, "/staff/members/?" + urlencode(query))
    found = STAFF_MEMBER_LINK.findall(results)
    for pk in rng.sample(found, min(len(found), 2)):
        pause()
        _page(session, f"/staff/members/{pk}/")


def employer_journey(session: Session, rng: random.Random, pause) -> None:
    people = PERSON_LINK.findall(_page(session, "/employer/people/"))
    if not people:
        return
    pk = rng.choice(people)
    pause()
    _page(session, f"/employer/people/{pk}/")
    if rng.random() < 0.3:
        pause()
        form = _page(session, f"/employer/people/{pk}/apply/")
        token, ticked = CSRF_FIELD.search(form), PEOPLE_CHECKBOX.findall(form)
        if token and ticked:
            pause()
            # 要配慮者(要介護): eligible whether or not the person uses a マイナ保険証; a person
            # with an application pending is refused with a message (200), as designed.
            session.request(
                "POST",
                f"/employer/people/{pk}/apply/",
                [
                    ("csrfmiddlewaretoken", token.group(1)),
                    ("people", ticked[0]),
                    ("reason", "care_certified"),
                    ("reason_detail", ""),
                ],
            )


JOURNEYS = {"member": member_journey, "clerk": clerk_journey, "employer": employer_journey}


def run_user(
    port: int,
    personas: list[Persona],
    recorder: Recorder,
    stop: threading.Event,
    seed: int,
    think: tuple[float, float],
) -> None:
    """One virtual user: a persona at a time from its pool, journeys until `stop` is set."""
    rng = random.Random(seed)

    def pause() -> None:
        stop.wait(rng.uniform(*think))

    while not stop.is_set():
        persona = rng.choice(personas)
        session = Session(port, persona, recorder)
        signed_out = persona.role == "member" and "sessionid" not in persona.cookies
        if signed_out and not session.sign_in():
            stop.wait(1)
            continue
        JOURNEYS[persona.role](session, rng, pause)
        pause()
