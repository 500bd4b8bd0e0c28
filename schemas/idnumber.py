"""GB 11643-1999 resident ID numbers: the checksum and the 15 → 18 digit upgrade.

Defined once here; the warehouse compiles the same weights into SQL, and the demo uses
them to write valid (and deliberately invalid) numbers.
"""

from __future__ import annotations

import datetime as dt

# ISO 7064 MOD 11-2: weight of position i (1-based from the left) is 2**(18-i) mod 11.
WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    """The 18th character for 17 leading digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def is_valid(number: str) -> bool:
    """Checksum and birth date of an 18-character number (upper-case X only)."""
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        return False
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return check_char(number[:17]) == number[17]


def upgrade_15(number: str) -> str:
    """A legacy 15-digit number (1984-1999) as its 18-digit form: century 19, new check."""
    if len(number) != 15 or not number.isdigit():
        raise ValueError(f"not a 15-digit ID number: {number!r}")
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_char(first17)


def downgrade_18(number: str) -> str:
    """The legacy 15-digit form of an 18-digit number of someone born in the 1900s."""
    if number[6:8] != "19":
        raise ValueError("only people born 1900-1999 had 15-digit ID numbers")
    return number[:6] + number[8:17]


def sex_code(number: str) -> str:
    """GB/T 2261.1 sex code from the sequence digit: odd is male (1), even is female (2)."""
    return "1" if int(number[16]) % 2 else "2"
