"""How numbers read in every view, so terminal and notebook agree."""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f}µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f}ms"
    if seconds < 120:
        return f"{seconds:.2f}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:04.1f}s"


def format_count(value: int) -> str:
    return f"{value:,}"


def more_spans_line(hidden: int) -> str:
    return f"… {hidden:,} more span{'s' if hidden != 1 else ''}"


def format_cost(usd: float | None) -> str:
    """Dollars with enough digits that a single cheap call is not shown as zero; "—" when unknown."""
    if usd is None:
        return "—"
    if usd == 0:
        return "$0.00"
    if usd >= 1:
        return f"${usd:,.2f}"
    if usd >= 0.01:
        return f"${usd:.4f}"
    if round(usd, 6) == 0:
        return "<$0.000001"  # six decimals would show it as zero
    return f"${usd:.6f}"
