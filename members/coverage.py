"""When a person's membership of the society ends. Pure: no database, no clock.

The roster's 資格喪失年月日 is the first day without coverage. Two rules end it earlier whatever
the roster says (DOMAIN.md, "Ages 70 to 75"): everyone leaves on their 75th birthday for the
municipality's 後期高齢者医療制度, and a dependent's coverage never outlasts the insured
person's (so a dependent also leaves when the insured person turns 75).
"""

from __future__ import annotations

from datetime import date, timedelta

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


# --- ages 70 to 74 (高齢受給者) -----------------------------------------------------------------

ELDERLY_AGE = 70  # 一部負担金の割合 of 2割 or 3割 from the month after reaching it


def reaches_age_on(birth_date: date, age: int) -> date:
    """The day a person reaches `age` under 年齢計算ニ関スル法律: the day before the birthday."""
    return add_years(birth_date, age) - timedelta(days=1)


def elderly_from(birth_date: date) -> date:
    """The 発効期日 of the 70-74 負担割合: the 1st of the month after the person reaches 70 (the
    day before the 70th birthday), so the birthday's own month for someone born on the 1st."""
    reached = reaches_age_on(birth_date, ELDERLY_AGE)
    if reached.month == 12:
        return date(reached.year + 1, 1, 1)
    return date(reached.year, reached.month + 1, 1)


def is_elderly_on(birth_date: date, day: date) -> bool:
    """Aged 70-74 for the 負担割合 on `day`: from the 発効期日 to the eve of the 75th birthday."""
    return elderly_from(birth_date) <= day < late_elderly_from(birth_date)


def elderly_born_between(day: date) -> tuple[date, date]:
    """(after, on_or_before): for queries, `after < birth_date <= on_or_before` is exactly
    is_elderly_on(birth_date, day). elderly_from is always a 1st, so it is on or before `day`
    when the 70th birthday is on or before the 1st of `day`'s month."""
    first_of_month = day.replace(day=1)
    return late_elderly_born_on_or_before(day), add_years(first_of_month, -ELDERLY_AGE)


def copay_period_end(day: date) -> date:
    """The 31 July that ends the 負担割合's yearly period (from 1 August) containing `day`."""
    year = day.year if (day.month, day.day) <= (7, 31) else day.year + 1
    return date(year, 7, 31)


def elderly_expiry(birth_date: date, day: date) -> date:
    """有効期限 of the 70-74 負担割合 in force on `day`: the end of the current 1 August period,
    or the day before the 75th birthday if sooner."""
    return min(copay_period_end(day), late_elderly_from(birth_date) - timedelta(days=1))


def copay_rate_allowed(birth_date: date, day: date) -> bool:
    """Whether a roster imported on `day` may give the person a 負担割合: they must have reached
    70 by the end of the current yearly period (a rate decided ahead for someone turning 70
    before it ends is accepted)."""
    return reaches_age_on(birth_date, ELDERLY_AGE) <= copay_period_end(day)
