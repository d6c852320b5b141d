"""Properties of the pure validators: check digits against a reference written here from
DOMAIN.md, the one definition of a full number in free text, and the roster/search/mismatch
parsers (they raise their own error type and nothing else, and never repeat a full number).

Derandomized: CI runs the same examples every time, and nothing is written to .hypothesis/.
"""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from members import validators as v
from members.dates import parse_optional_roster_date, parse_roster_date
from members.search import SearchInputError, parse_birth_date, parse_query
from notices.batches.forms import parse_member_lines
from notices.mismatch.rules import InputRefused, parse_contact, parse_last4
from portal import checkdigits
from portal.models import (
    _SEPARATOR_CHARS,
    contains_full_number,
    mask_full_numbers,
    validate_insurer_number,
)
from portal.validators import refuse_full_number

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=150)

HALF = "0123456789"
FULL = "０１２３４５６７８９"
TO_FULL = str.maketrans(HALF, FULL)


# --- the references, written from DOMAIN.md ("Numbers and their check digits") ---------------


def reference_my_number_check_digit(first11: str) -> int:
    # Pn is the n-th digit counted from the right (n = 1..11); Qn = n+1 up to 6, n-5 from 7.
    total = 0
    for index, char in enumerate(first11):
        n = 11 - index
        q = n + 1 if n <= 6 else n - 5
        total += int(char) * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def reference_insurer_check_digit(first7: str) -> int:
    # Weights 2,1,2,1,... with 2 on the rightmost digit; the digits of each product summed.
    weights = [2 if (6 - index) % 2 == 0 else 1 for index in range(7)]
    total = sum(sum(int(d) for d in str(int(c) * w)) for c, w in zip(first7, weights, strict=True))
    return (10 - total % 10) % 10


def test_the_references_agree_with_the_examples_in_domain_md():
    assert reference_my_number_check_digit("12345678901") == 8
    # 06 (健保組合) 13 (東京) 999: a made-up insurer of the right shape.
    assert checkdigits.is_valid_insurer_number(
        "0613999" + str(reference_insurer_check_digit("0613999"))
    )


digits11 = st.text(alphabet=HALF, min_size=11, max_size=11)
digits7 = st.text(alphabet=HALF, min_size=7, max_size=7)
valid_numbers = digits11.map(lambda d: d + str(reference_my_number_check_digit(d)))


@PROPERTY
@given(digits11)
def test_my_number_check_digit_matches_the_reference(first11):
    expected = reference_my_number_check_digit(first11)
    assert checkdigits.my_number_check_digit(first11) == expected
    assert checkdigits.is_valid_my_number(first11 + str(expected))
    for wrong in set(range(10)) - {expected}:
        assert not checkdigits.is_valid_my_number(first11 + str(wrong))


@PROPERTY
@given(digits7)
def test_insurer_check_digit_matches_the_reference(first7):
    expected = reference_insurer_check_digit(first7)
    assert checkdigits.insurer_number_check_digit(first7) == expected
    assert checkdigits.is_valid_insurer_number(first7 + str(expected))
    for wrong in set(range(10)) - {expected}:
        assert not checkdigits.is_valid_insurer_number(first7 + str(wrong))


@PROPERTY
@given(st.text(max_size=20))
def test_check_digit_functions_take_anything(text):
    # The predicates answer for any text; the digit functions refuse with ValueError only.
    assert isinstance(checkdigits.is_valid_my_number(text), bool)
    assert isinstance(checkdigits.is_valid_insurer_number(text), bool)
    for function in (checkdigits.my_number_check_digit, checkdigits.insurer_number_check_digit):
        with contextlib.suppress(ValueError):
            assert 0 <= function(text) <= 9
    if checkdigits.is_valid_my_number(text):
        assert text.isascii() and len(text) == 12
        assert reference_my_number_check_digit(text[:11]) == int(text[11])


@PROPERTY
@given(st.text(max_size=20) | digits7.map(lambda d: "06" + d[2:] + "0"))
def test_validate_insurer_number_raises_only_validation_error(text):
    try:
        validate_insurer_number(text)
    except ValidationError:
        return
    assert checkdigits.is_valid_insurer_number(text) and text.startswith("06")


# --- the one definition of a full number in free text ----------------------------------------

separator_runs = st.text(alphabet=_SEPARATOR_CHARS, max_size=3)


@st.composite
def spelled_numbers(draw, numbers=valid_numbers):
    """A number as someone may type it: any width per digit, separator runs between digits."""
    number = draw(numbers)
    parts = []
    for index, digit in enumerate(number):
        parts.append(digit.translate(TO_FULL) if draw(st.booleans()) else digit)
        if index < 11:
            parts.append(draw(separator_runs))
    return number, "".join(parts)


# Text that is mostly digits and near-separators: where the definition's edges are.
digit_heavy = st.text(
    alphabet=st.sampled_from([*HALF, *FULL, " ", "-", "ー", "\u3000", "/", ".", "a", "\t", "・"]),
    max_size=40,
)
any_text = st.text(max_size=60) | digit_heavy


@PROPERTY
@given(spelled_numbers(), st.text(max_size=10), st.text(max_size=10))
def test_any_spelling_of_a_number_is_a_full_number(spelled, before, after):
    _, text = spelled
    assert contains_full_number(text)
    assert contains_full_number(before + text + after)
    with pytest.raises(ValidationError):
        refuse_full_number(before + text + after)


@PROPERTY
@given(any_text)
def test_masked_text_never_holds_a_full_number(text):
    masked = mask_full_numbers(text)
    assert not contains_full_number(masked)
    assert len(masked) == len(text)
    assert mask_full_numbers(masked) == masked
    if not contains_full_number(text):
        assert masked == text


@PROPERTY
@given(spelled_numbers(), any_text)
def test_masking_removes_every_spelled_number(spelled, text):
    number, typed = spelled
    masked = mask_full_numbers(text + typed + text)
    assert not contains_full_number(masked)
    assert number not in masked and number.translate(TO_FULL) not in masked


@PROPERTY
@given(any_text)
def test_refuse_full_number_raises_only_validation_error(text):
    try:
        refuse_full_number(text)
    except ValidationError as error:
        assert contains_full_number(text)
        assert not any(contains_full_number(m) for m in error.messages)
    else:
        assert not contains_full_number(text)


@PROPERTY
@given(st.integers() | st.none() | st.lists(st.text(max_size=5), max_size=3))
def test_refuse_full_number_ignores_what_is_not_text(value):
    refuse_full_number(value)


# --- the roster's value parsers ---------------------------------------------------------------

PARSERS = [
    v.parse_kigo,
    v.parse_bango,
    v.parse_edaban,
    v.normalise_kana,
    v.normalise_name,
    v.normalise_address,
    v.parse_postal_code,
    v.parse_sex,
    v.parse_relation,
    v.parse_myna_registration,
    v.parse_my_number,
    parse_roster_date,
    parse_optional_roster_date,
]


@PROPERTY
@given(text=any_text | spelled_numbers().map(lambda pair: pair[1]))
def test_roster_parsers_raise_only_their_own_error_and_never_repeat_a_number(text):
    for parse in PARSERS:
        try:
            value = parse(text)
        except v.RosterValueError as error:
            assert isinstance(error.message, str) and error.message, parse.__name__
            assert not contains_full_number(error.message), parse.__name__
            continue
        if parse is v.parse_my_number:
            assert checkdigits.is_valid_my_number(value)
        elif isinstance(value, str):
            # Only 個人番号 may come out as twelve digits; any other parser was fed them.
            assert not contains_full_number(value) or contains_full_number(text), parse.__name__
        else:
            assert value is None or isinstance(value, date), parse.__name__


@PROPERTY
@given(
    valid_numbers, st.sampled_from(["", " ", "-"]), st.booleans(), st.text(" \u3000", max_size=2)
)
def test_parse_my_number_reads_the_spellings_the_roster_allows(number, sep, full, pad):
    typed = sep.join([number[:4], number[4:8], number[8:]])
    if full:
        typed = typed.translate(TO_FULL).replace("-", "－")
    assert v.parse_my_number(pad + typed + pad) == number


@PROPERTY
@given(digits11, st.integers(0, 9))
def test_parse_my_number_refuses_a_wrong_check_digit(first11, last):
    number = first11 + str(last)
    if checkdigits.is_valid_my_number(number):
        assert v.parse_my_number(number) == number
    else:
        with pytest.raises(v.RosterValueError):
            v.parse_my_number(number)


# --- the other pure parsers behind forms ------------------------------------------------------


@PROPERTY
@given(any_text | spelled_numbers().map(lambda pair: pair[1]))
def test_search_parsers_raise_only_search_input_error(text):
    for parse in (parse_query, parse_birth_date):
        try:
            parse(text)
        except SearchInputError as error:
            assert not contains_full_number(error.message)
    if contains_full_number(text):
        with pytest.raises(SearchInputError):
            parse_query(text)


@PROPERTY
@given(any_text | spelled_numbers().map(lambda pair: pair[1]))
def test_mismatch_parsers_raise_only_input_refused(text):
    for parse in (parse_last4, parse_contact):
        try:
            value = parse(text)
        except InputRefused as error:
            assert not contains_full_number(error.message)
        else:
            assert isinstance(value, str)


@PROPERTY
@given(st.lists(any_text | spelled_numbers().map(lambda pair: pair[1]), max_size=5))
def test_member_lines_never_raise_nor_repeat_a_line(lines):
    keys, errors = parse_member_lines("\n".join(lines))
    for error in errors:
        assert not contains_full_number(str(error))
    for key in keys:
        assert len(key) == 3 and all(part.isascii() and part.isdigit() for part in key)
