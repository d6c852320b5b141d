"""Check digits of the numbers the portal handles. Pure functions, no Django."""

from __future__ import annotations


def my_number_check_digit(first11: str) -> int:
    """Check digit of a 個人番号 from its first 11 digits.

    Digits are numbered n = 1..11 from the right, weighted n+1 up to n = 6 and n-5 after.
    """
    if len(first11) != 11 or not first11.isascii() or not first11.isdigit():
        raise ValueError("expected 11 ASCII digits")
    total = 0
    for n, digit in enumerate(reversed(first11), start=1):
        weight = n + 1 if n <= 6 else n - 5
        total += int(digit) * weight
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_my_number(number: str) -> bool:
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        return False
    return my_number_check_digit(number[:11]) == int(number[11])


def insurer_number_check_digit(first7: str) -> int:
    """Check digit of a 保険者番号 from its first 7 digits.

    Weights 2,1,2,1,... from the rightmost digit; the digits of each product are added up.
    """
    if len(first7) != 7 or not first7.isascii() or not first7.isdigit():
        raise ValueError("expected 7 ASCII digits")
    total = 0
    for position, digit in enumerate(reversed(first7)):
        product = int(digit) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def is_valid_insurer_number(number: str) -> bool:
    if len(number) != 8 or not number.isascii() or not number.isdigit():
        return False
    return insurer_number_check_digit(number[:7]) == int(number[7])
