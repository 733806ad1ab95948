"""Every environment setting of datapizza-tracing, parsed and validated here and nowhere else.

Settings are read when they are needed rather than once at import, so a user
who changes ``os.environ`` in a notebook cell sees the change on the next
block. ``check_all()`` runs when a block opens: a typo then fails before the
traced code runs, instead of replacing the code's own outcome at the end.
Numbers are bounded, so a value that parses can never overflow a timer or
allocate without limit later.
"""

from __future__ import annotations

import os
from typing import Literal

DisplayMode = Literal["auto", "terminal", "widget", "static", "off"]
DISPLAY_MODES: tuple[str, ...] = ("auto", "terminal", "widget", "static", "off")

CLIENT_IO_ENV = "DATAPIZZA_TRACE_CLIENT_IO"
DISPLAY_ENV = "DATAPIZZA_TRACING_DISPLAY"
MAX_SPANS_ENV = "DATAPIZZA_TRACING_MAX_SPANS"
TREE_LIMIT_ENV = "DATAPIZZA_TRACING_TREE_LIMIT"
FLUSH_TIMEOUT_ENV = "DATAPIZZA_TRACING_FLUSH_TIMEOUT_MS"
MASK_KEYS_ENV = "DATAPIZZA_TRACING_MASK_KEYS"
TRACE_URL_ENV = "DATAPIZZA_TRACING_TRACE_URL"
PRICES_ENV = "DATAPIZZA_TRACING_PRICES"
HISTORY_ENV = "DATAPIZZA_TRACING_HISTORY"

DEFAULT_MAX_SPANS = 100_000
DEFAULT_TREE_LIMIT = 200
DEFAULT_FLUSH_TIMEOUT_MS = 5_000
DEFAULT_HISTORY = 20

# Upper bounds: far above any sensible value, far below what would overflow or exhaust memory.
MAX_SPANS_LIMIT = 100_000_000
TREE_LIMIT_MAX = 1_000_000
FLUSH_TIMEOUT_MAX_MS = 3_600_000  # an hour; threading's timeouts overflow far above
HISTORY_MAX = 10_000

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class ConfigError(ValueError):
    """An environment variable holds a value datapizza-tracing cannot use."""


def _raw(env: str) -> str | None:
    """The variable's value stripped, or ``None`` when unset or blank (the default applies)."""
    value = os.environ.get(env)
    if value is None or not value.strip():
        return None
    return value.strip()


def _flag(env: str, default: bool) -> bool:
    raw = _raw(env)
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{env}={raw!r} is not a yes/no value; use true or false (or 1/0, yes/no, on/off)")


def _bounded_int(env: str, default: int, low: int, high: int) -> int:
    raw = _raw(env)
    if raw is None:
        return default
    digits = raw[1:] if raw[0] in "+-" else raw
    if not (digits.isascii() and digits.isdigit()):
        raise ConfigError(f"{env}={raw[:60]!r} is not a whole number")
    # Out of range by its length alone: never convert thousands of digits.
    if len(digits.lstrip("0")) > len(str(high)) or not low <= int(raw) <= high:
        raise ConfigError(f"{env}={raw[:60]!r} must be between {low:,} and {high:,}")
    return int(raw)


def client_io_enabled() -> bool:
    """Whether client input/output/memory may be written on spans (opt-in, default off)."""
    return _flag(CLIENT_IO_ENV, False)


def display_mode() -> DisplayMode:
    raw = _raw(DISPLAY_ENV)
    value = raw.lower() if raw is not None else "auto"
    if value not in DISPLAY_MODES:
        raise ConfigError(
            f"{DISPLAY_ENV}={raw!r} is not a display mode; use one of {', '.join(DISPLAY_MODES)}"
        )
    return value  # type: ignore[return-value]


def max_spans() -> int:
    """Spans kept per tracked block; the rest are counted as dropped."""
    return _bounded_int(MAX_SPANS_ENV, DEFAULT_MAX_SPANS, 1, MAX_SPANS_LIMIT)


def tree_limit() -> int:
    """Spans shown in a rendered tree before an explicit "… N more spans" line."""
    return _bounded_int(TREE_LIMIT_ENV, DEFAULT_TREE_LIMIT, 1, TREE_LIMIT_MAX)


def flush_timeout_ms() -> int:
    """How long the end of a block waits for exporters to flush."""
    return _bounded_int(FLUSH_TIMEOUT_ENV, DEFAULT_FLUSH_TIMEOUT_MS, 1, FLUSH_TIMEOUT_MAX_MS)


def history_limit() -> int:
    """Finished blocks kept in the session history (0 keeps none)."""
    return _bounded_int(HISTORY_ENV, DEFAULT_HISTORY, 0, HISTORY_MAX)


def extra_mask_keys() -> tuple[str, ...]:
    """Comma-separated extra key fragments whose attribute values are masked in rendered output."""
    raw = os.environ.get(MASK_KEYS_ENV, "")
    return tuple(part.strip().lower() for part in raw.split(",") if part.strip())


def trace_url_template() -> str | None:
    """A URL with ``{trace_id}`` pointing at the trace in a tracing backend, if configured."""
    raw = _raw(TRACE_URL_ENV)
    if raw is not None and "{trace_id}" not in raw:
        raise ConfigError(f"{TRACE_URL_ENV}={raw!r} needs a {{trace_id}} placeholder for the trace's id")
    return raw


def prices_path() -> str | None:
    """A JSON file of model prices that extends the built-in table, if configured."""
    return _raw(PRICES_ENV)


def check_all() -> None:
    """Read every setting once, raising ``ConfigError`` for the first bad one."""
    client_io_enabled()
    display_mode()
    max_spans()
    tree_limit()
    flush_timeout_ms()
    history_limit()
    trace_url_template()
