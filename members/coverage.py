"""When a person's membership of the society ends. Pure: no database, no clock.

The roster's 資格喪失年月日 is the first day without coverage. Two rules end it earlier whatever
the roster says (DOMAIN.md, "Ages 70 to 75"): everyone leaves on their 75th birthday for the
municipality's 後期高齢者医療制度, and a dependent's coverage never outlasts the insured
person's (so a dependent also leaves when the insured person turns 75).
"""

from __future__ import annotations

from datetime import date

from portal.dates import add_years

LATE_ELDERLY_AGE = 75  # 後期高齢者医療 from the 75th birthday on


def late_elderly_from(birth_date: date) -> date:
    """The 75th birthday: the first day in 後期高齢者医療, so the first day without coverage."""
    return add_years(birth_date, LATE_ELDERLY_AGE)


def ends_on(lost_on: date | None, birth_date: date) -> date:
    """A person's own first day without coverage: the roster's date or the 75th birthday."""
    at_75 = late_elderly_from(birth_date)
    return at_75 if lost_on is None else min(lost_on, at_75)


def coverage_lost_on(
    lost_on: date | None,
    birth_date: date,
    *,
    insured_lost_on: date | None = None,
    insured_birth_date: date | None = None,
) -> date:
    """The first day without coverage for the person: the earliest of the roster's 資格喪失年月日,
    the 75th birthday and, for a dependent (insured_birth_date given), the insured person's
    own end."""
    own = ends_on(lost_on, birth_date)
    if insured_birth_date is None:
        return own
    return min(own, ends_on(insured_lost_on, insured_birth_date))


def late_elderly_born_on_or_before(day: date) -> date:
    """The latest birth date of someone who has reached 75 by `day` (their 75th birthday is on
    or before it): for queries, `birth_date <= this` means outside the society on `day`."""
    born = add_years(day, -LATE_ELDERLY_AGE)
    # add_years maps 29 February to the 28th: someone born on 29 February 1952 reaches 75 on
    # 28 February 2027, so a day of 28 February must also count those born on the 29th.
    if day.month == 2 and day.day == 28:
        try:
            return born.replace(day=29)
        except ValueError:
            return born
    return born
