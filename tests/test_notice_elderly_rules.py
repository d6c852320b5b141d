"""Pure rules of the 70-74 notice, its batches and its end: a row at every boundary date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from members.coverage import elderly_from
from notices import rules
from notices.batches.rules import TargetError, elderly_birth_range
from notices.models import Notice

D = date.fromisoformat


@pytest.mark.parametrize(
    ("birth", "day", "expected"),
    [
        # Born 15 May 1955: reaches 70 on 14 May 2025 (the eve of the birthday); 発効期日 1 June.
        pytest.param("1955-05-15", "2025-05-13", None, id="69 in the birthday month"),
        pytest.param(
            "1955-05-15", "2025-05-14", ("2025-06-01", "2025-07-31"), id="70 in the month"
        ),
        pytest.param(
            "1955-05-15", "2025-06-01", ("2025-06-01", "2025-07-31"), id="on the 発効期日"
        ),
        pytest.param("1955-05-15", "2025-07-31", ("2025-06-01", "2025-07-31"), id="on 31 July"),
        pytest.param("1955-05-15", "2025-08-01", ("2025-08-01", "2026-07-31"), id="on 1 August"),
        # Born on the 1st: reaches 70 on the last day of the month before; 発効期日 the
        # birthday's own month.
        pytest.param("1955-06-01", "2025-05-30", None, id="born on the 1st, two days before"),
        pytest.param(
            "1955-06-01", "2025-05-31", ("2025-06-01", "2025-07-31"), id="born on the 1st"
        ),
        # Turning 70 in August: the 発効期日 is after 1 August, the period ends next 31 July.
        pytest.param("1955-08-20", "2025-08-19", ("2025-09-01", "2026-07-31"), id="70 in August"),
        # Born 10 March 1951: 75 on 10 March 2026, so the last period ends on 9 March.
        pytest.param(
            "1951-03-10", "2025-08-01", ("2025-08-01", "2026-03-09"), id="75 within the year"
        ),
        pytest.param(
            "1951-03-10", "2026-03-09", ("2025-08-01", "2026-03-09"), id="day before 75th"
        ),
        pytest.param("1951-03-10", "2026-03-10", None, id="on the 75th birthday"),
        pytest.param("1985-04-01", "2025-08-01", None, id="under 70"),
    ],
)
def test_the_70_74_terms_of_a_notice(birth, day, expected):
    terms = rules.elderly_terms(D(birth), D(day))
    if expected is None:
        assert terms is None
    else:
        assert (terms.effective_from, terms.valid_until) == (D(expected[0]), D(expected[1]))


@pytest.mark.parametrize(
    ("effective_from", "earliest", "latest"),
    [
        ("2025-06-01", "1955-05-02", "1955-06-01"),
        ("2025-01-01", "1954-12-02", "1955-01-01"),
        ("2026-03-01", "1956-02-02", "1956-03-01"),  # 29 February 1956 included
    ],
)
def test_members_reaching_70_are_chosen_by_their_発効期日(effective_from, earliest, latest):
    first, last = rules.elderly_start_births(D(effective_from))
    assert (first, last) == (D(earliest), D(latest))
    # The edges have that 発効期日; one day beyond each does not.
    assert elderly_from(first) == elderly_from(last) == D(effective_from)
    assert elderly_from(first - timedelta(days=1)) < D(effective_from)
    assert elderly_from(last + timedelta(days=1)) > D(effective_from)


@pytest.mark.parametrize(
    ("reason", "as_of", "expected"),
    [
        (Notice.Reason.ELDERLY_START, "2025-06-01", ("1955-05-02", "1955-06-01")),
        (Notice.Reason.ELDERLY_RENEWAL, "2025-08-01", (None, "1955-08-01")),
        (Notice.Reason.ELDERLY_START, "2025-06-02", "月の初日"),
        (Notice.Reason.ELDERLY_RENEWAL, "2025-07-31", "8月1日"),
        (Notice.Reason.ELDERLY_RENEWAL, "2025-09-01", "8月1日"),
    ],
)
def test_an_elderly_batch_needs_its_own_基準日(reason, as_of, expected):
    if isinstance(expected, str):
        with pytest.raises(TargetError, match=expected):
            elderly_birth_range(reason, D(as_of))
        return
    earliest, latest = elderly_birth_range(reason, D(as_of))
    assert (earliest, latest) == (expected[0] and D(expected[0]), D(expected[1]))


@pytest.mark.parametrize(
    ("birth", "lost_on", "day", "expected"),
    [
        pytest.param("1985-04-01", "2025-10-01", "2025-09-30", None, id="the day before"),
        pytest.param("1985-04-01", "2025-10-01", "2025-10-01", rules.LOST, id="on the day"),
        pytest.param("1951-03-10", "2026-03-10", "2026-03-09", None, id="the day before 75"),
        pytest.param(
            "1951-03-10", "2026-03-10", "2026-03-10", rules.LATE_ELDERLY, id="on the 75th"
        ),
        # A dependent whose insured person reached 75: their own coverage ends, not at 75.
        pytest.param("1960-01-01", "2026-03-10", "2026-03-10", rules.LOST, id="dependent"),
    ],
)
def test_a_notice_lapses_on_the_first_day_without_coverage(birth, lost_on, day, expected):
    lapse = rules.lapse(D(birth), D(lost_on), D(day))
    if expected is None:
        assert lapse is None
    else:
        assert (lapse.reason, lapse.on) == (expected, D(lost_on))


LAPSE = rules.Lapse(rules.LOST, date(2025, 10, 1))


@pytest.mark.parametrize(
    ("revoked", "superseded", "lapsed", "valid_until", "day", "state"),
    [
        (False, False, None, None, "2025-10-01", "current"),
        (False, True, None, None, "2025-10-01", "superseded"),
        (True, False, None, None, "2025-10-01", "revoked"),
        (False, False, LAPSE, None, "2025-10-01", "lapsed"),
        (False, True, LAPSE, None, "2025-10-01", "lapsed"),
        (False, False, None, "2026-07-31", "2026-07-31", "current"),
        (False, False, None, "2026-07-31", "2026-08-01", "expired"),
    ],
)
def test_the_state_of_a_notice(revoked, superseded, lapsed, valid_until, day, state):
    assert (
        rules.notice_state(
            revoked=revoked,
            superseded=superseded,
            lapsed=lapsed,
            valid_until=D(valid_until) if valid_until else None,
            day=D(day),
        )
        == state
    )
