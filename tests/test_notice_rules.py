"""Pure rules of the notice: when the last four digits show, and how the verify page masks."""

from __future__ import annotations

from datetime import date

import pytest

from notices import rules

CUTOFF = date(2024, 9, 30)
D = date.fromisoformat


@pytest.mark.parametrize(
    ("acquired_on", "lost_on", "status", "last4", "reason"),
    [
        pytest.param("2010-04-01", None, "on_file", "1234", "shown", id="enrolled long before"),
        pytest.param("2024-09-30", None, "on_file", "1234", "shown", id="joined on the cut-off"),
        pytest.param(
            "2024-10-01",
            None,
            "on_file",
            "1234",
            "enrolled_after_cutoff",
            id="joined the day after",
        ),
        pytest.param(
            "2010-04-01",
            "2024-09-30",
            "on_file",
            "1234",
            "enrolled_after_cutoff",
            id="lost on the cut-off (not covered that day)",
        ),
        pytest.param(
            "2010-04-01", "2024-10-01", "on_file", "1234", "shown", id="lost the day after"
        ),
        pytest.param(
            "2010-04-01",
            None,
            "needs_verification",
            "1234",
            "needs_verification",
            id="number not yet verified",
        ),
        pytest.param("2010-04-01", None, "none", "", "no_number", id="no number on file"),
        # A new joiner never sees digits, but one without a number is asked to submit it.
        pytest.param("2024-11-01", None, "none", "", "submit_number", id="new joiner, no number"),
        pytest.param(
            "2024-11-01",
            None,
            "on_file",
            "1234",
            "enrolled_after_cutoff",
            id="new joiner, number on file",
        ),
        pytest.param(
            "2024-11-01",
            None,
            "needs_verification",
            "1234",
            "enrolled_after_cutoff",
            id="new joiner, number to verify",
        ),
    ],
)
def test_last_four_digits_show_only_for_the_cut_off_members_with_a_verified_number(
    acquired_on, lost_on, status, last4, reason
):
    decision = rules.digits_decision(
        acquired_on=D(acquired_on),
        lost_on=D(lost_on) if lost_on else None,
        number_status=status,
        last4=last4,
        cutoff=CUTOFF,
    )
    assert decision.reason == reason
    assert decision.shows == (reason == "shown")
    assert bool(decision.message) == (not decision.shows)


@pytest.mark.parametrize(
    ("day", "visible"),
    [("2024-10-14", False), ("2024-10-15", True), ("2026-11-26", True)],
)
def test_members_see_notices_from_the_availability_date(day, visible):
    assert rules.visible_to_members(D(day), date(2024, 10, 15)) is visible


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("山田　花子", "山田 ○○"),
        ("山田 花子", "山田 ○○"),
        ("ジョン", "ジ ○○"),
        ("", " ○○"),
    ],
)
def test_the_verify_page_shows_the_family_name_only(name, masked):
    assert rules.masked_name(name) == masked


@pytest.mark.parametrize(
    ("value", "keep", "masked"),
    [("1201", 2, "12**"), ("15", 1, "1*"), ("7", 1, "7"), ("12345678", 2, "12******")],
)
def test_numbers_are_masked_but_recognisable(value, keep, masked):
    assert rules.masked_digits(value, keep) == masked
