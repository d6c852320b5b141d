import pytest

from portal.checkdigits import (
    insurer_number_check_digit,
    is_valid_insurer_number,
    is_valid_my_number,
    my_number_check_digit,
)


@pytest.mark.parametrize(
    ("first11", "expected"),
    [
        ("12345678901", 8),  # DOMAIN.md's example
        ("00000000000", 0),  # r = 0 -> 0
        ("00000000006", 0),  # n=1 weighs 2: r = 12 % 11 = 1 -> 0 (the r <= 1 boundary)
        ("00000000001", 9),  # r = 2 -> 11 - 2, the first r above the boundary
        ("00000000011", 6),  # n=2 weighs 3: r = 2 + 3 = 5 -> 6
        ("00000100000", 4),  # n=6 weighs 7 (n + 1): r = 7 -> 4
        ("00001000000", 9),  # n=7 weighs 2 (n - 5): r = 2 -> 9
        ("10000000000", 5),  # n=11 weighs 6: r = 6 -> 5
    ],
)
def test_my_number_check_digit(first11, expected):
    assert my_number_check_digit(first11) == expected


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("123456789018", True),
        ("123456789017", False),
        ("12345678901", False),  # 11 digits
        ("1234567890188", False),  # 13 digits
        ("１２３４５６７８９０１８", False),  # full-width: callers normalise first
        ("12345678901a", False),
        ("", False),
    ],
)
def test_is_valid_my_number(number, valid):
    assert is_valid_my_number(number) is valid


@pytest.mark.parametrize(
    ("first7", "expected"),
    [
        ("0613999", 2),  # the demo insurer
        ("0000000", 0),  # sum 0 -> (10 - 0) % 10
        ("0000001", 8),  # rightmost weighs 2: 2 -> 8
        ("0000005", 9),  # 5 * 2 = 10 -> digits 1 + 0 = 1 -> 9
        ("0000009", 1),  # 9 * 2 = 18 -> 1 + 8 = 9 -> 1
        ("0000010", 9),  # second from the right weighs 1 -> 9
        ("1000000", 8),  # seventh from the right weighs 2 -> 8
    ],
)
def test_insurer_number_check_digit(first7, expected):
    assert insurer_number_check_digit(first7) == expected


@pytest.mark.parametrize(
    ("number", "valid"),
    [("06139992", True), ("06139993", False), ("0613999", False), ("0613999x", False)],
)
def test_is_valid_insurer_number(number, valid):
    assert is_valid_insurer_number(number) is valid


@pytest.mark.parametrize("bad", ["", "123", "1234567890a", "１２３４５６７８９０１"])
def test_my_number_check_digit_refuses_malformed_input(bad):
    with pytest.raises(ValueError):
        my_number_check_digit(bad)
