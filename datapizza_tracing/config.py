"""Settings read from the environment.

Every setting is read when it is needed rather than once at import, so a user
who changes ``os.environ`` in a notebook cell sees the change on the next block.
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

DEFAULT_MAX_SPANS = 100_000
DEFAULT_TREE_LIMIT = 200
DEFAULT_FLUSH_TIMEOUT_MS = 5_000


class ConfigError(ValueError):
    """An environment variable holds a value datapizza-tracing cannot use."""


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def client_io_enabled() -> bool:
    """Whether client input/output/memory may be written on spans (opt-in, default off)."""
    return _truthy(os.environ.get(CLIENT_IO_ENV, "false"))


def display_mode() -> DisplayMode:
    value = os.environ.get(DISPLAY_ENV, "auto").strip().lower() or "auto"
    if value not in DISPLAY_MODES:
        raise ConfigError(
            f"{DISPLAY_ENV}={value!r} is not a display mode; use one of {', '.join(DISPLAY_MODES)}"
        )
    return value  # type: ignore[return-value]


def _positive_int(env: str, default: int) -> int:
    raw = os.environ.get(env)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{env}={raw!r} is not an integer") from None
    if value <= 0:
        raise ConfigError(f"{env}={raw!r} must be a positive integer")
    return value


def max_spans() -> int:
    """Spans kept per tracked block; the rest are counted as dropped."""
    return _positive_int(MAX_SPANS_ENV, DEFAULT_MAX_SPANS)


def tree_limit() -> int:
    """Spans shown in a rendered tree before an explicit "… N more spans" line."""
    return _positive_int(TREE_LIMIT_ENV, DEFAULT_TREE_LIMIT)


def flush_timeout_ms() -> int:
    """How long the end of a block waits for exporters to flush."""
    return _positive_int(FLUSH_TIMEOUT_ENV, DEFAULT_FLUSH_TIMEOUT_MS)


def extra_mask_keys() -> tuple[str, ...]:
    """Comma-separated extra key fragments whose attribute values are masked in rendered output."""
    raw = os.environ.get(MASK_KEYS_ENV, "")
    return tuple(part.strip().lower() for part in raw.split(",") if part.strip())


def trace_url_template() -> str | None:
    """A URL with ``{trace_id}`` pointing at the trace in a tracing backend, if configured."""
    value = os.environ.get(TRACE_URL_ENV, "").strip()
    return value or None
