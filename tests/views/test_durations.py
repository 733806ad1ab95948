"""How a duration reads in every view: the unit is chosen after rounding, and long spans get hours."""

from __future__ import annotations

import pytest

from datapizza_tracing.views.text import DURATION_WIDTH, format_duration


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.0000004, "0µs"),
        (0.0009994, "999µs"),
        (0.0009996, "1.0ms"),  # was "1000µs"
        (0.99994, "999.9ms"),
        (0.99996, "1.00s"),  # was "1000.0ms"
        (119.994, "119.99s"),
        (119.996, "2m00.0s"),
        (3599.94, "59m59.9s"),
        (3599.96, "1h00m00s"),  # was "59m60.0s"
        (3725.4, "1h02m05s"),
        (86_400 * 2 + 61, "48h01m01s"),  # was "2881m01.0s"
    ],
)
def test_a_duration_reads_in_the_unit_its_rounded_value_belongs_to(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


def test_no_duration_under_ten_hours_is_wider_than_the_width_columns_keep_for_it() -> None:
    steps = [0.000999, 0.999, 1.0, 99.999, 119.99, 599.99, 3599.99, 35_999.4]
    assert max(len(format_duration(seconds)) for seconds in steps) == DURATION_WIDTH
