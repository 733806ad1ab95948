"""Span names up to their numbers: ``step 0`` … ``step 39`` are one family of steps.

Loops name their spans after the iteration (``step 12``, ``page-3``, ``chunk_0007``).
Grouping by family folds forty such siblings into one row and one line of the
time table, where each name alone would fill the screen.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_NUMBER = re.compile(r"\d+")


@functools.lru_cache(maxsize=4096)  # a trace repeats few names over many spans; the regex is the cost
def name_family(name: str) -> str:
    """The name with every run of digits replaced by ``#``: ``"step 12"`` → ``"step #"``."""
    return _NUMBER.sub("#", name)


def family_label(names: Iterable[str]) -> str:
    """How a family reads: its one name; ``"step 0 … step 39"`` when names differ by one number
    (its smallest and largest); otherwise the family with ``#`` for the numbers."""
    names = list(names)
    if names and names.count(names[0]) == len(names):
        return names[0]  # one name, however many numbers it holds: "GET /api/v2/users/7" stays itself
    numbers: list[str] = []
    first = None
    for name in names:
        if first is None:
            first = name
        digits = _NUMBER.findall(name)
        if len(digits) != 1:
            numbers = []
            break
        numbers.append(digits[0].lstrip("0") or "0")  # as int() reads it, without int()'s digit limit
    if first is None:
        return ""
    family = name_family(first)
    if first == family:
        return first
    if not numbers:
        return family
    # Numbers compared by length, then digit by digit: "item 9" < "item 10", at any number of digits.
    low, high = min(numbers, key=_magnitude), max(numbers, key=_magnitude)
    if low == high:
        return first
    head, tail = family.split("#", 1)
    return f"{head}{low}{tail} … {head}{high}{tail}"


def _magnitude(number: str) -> tuple[int, str]:
    return len(number), number
