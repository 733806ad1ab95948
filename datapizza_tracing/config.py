"""Every environment setting of datapizza-tracing, parsed and validated here and nowhere else.

Settings are read when they are needed rather than once at import, so a user
who changes ``os.environ`` in a notebook cell sees the change on the next
block. ``check_all()`` runs when a block opens: a typo then fails before the
traced code runs, instead of replacing the code's own outcome at the end.
Numbers are bounded, so a value that parses can never overflow a timer or
allocate without limit later.
"""

from __future__ import annotations

import ipaddress
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
RECEIVE_ENV = "DATAPIZZA_TRACING_RECEIVE"
RECEIVE_HOST_ENV = "DATAPIZZA_TRACING_RECEIVE_HOST"
RECEIVE_ANY_HOST_ENV = "DATAPIZZA_TRACING_RECEIVE_ALLOW_NON_LOOPBACK"
RECEIVE_MAX_BYTES_ENV = "DATAPIZZA_TRACING_RECEIVE_MAX_BYTES"
REMOTE_WAIT_ENV = "DATAPIZZA_TRACING_REMOTE_WAIT_MS"
REMOTE_GRACE_ENV = "DATAPIZZA_TRACING_REMOTE_GRACE_MS"
PHOENIX_URL_ENV = "DATAPIZZA_TRACING_PHOENIX_URL"
PHOENIX_PROJECT_ENV = "DATAPIZZA_TRACING_PHOENIX_PROJECT"

DEFAULT_MAX_SPANS = 100_000
DEFAULT_TREE_LIMIT = 200
DEFAULT_FLUSH_TIMEOUT_MS = 5_000
DEFAULT_HISTORY = 20
DEFAULT_RECEIVE_HOST = "127.0.0.1"
DEFAULT_RECEIVE_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_REMOTE_WAIT_MS = 2_000
DEFAULT_REMOTE_GRACE_MS = 10_000
DEFAULT_PHOENIX_PROJECT = "default"

# Upper bounds: far above any sensible value, far below what would overflow or exhaust memory.
MAX_SPANS_LIMIT = 100_000_000
TREE_LIMIT_MAX = 1_000_000
FLUSH_TIMEOUT_MAX_MS = 3_600_000  # an hour; threading's timeouts overflow far above
HISTORY_MAX = 10_000
PORT_MAX = 65_535
RECEIVE_MAX_BYTES_LOW, RECEIVE_MAX_BYTES_HIGH = 1_024, 1_024 * 1024 * 1024
REMOTE_WAIT_MAX_MS = 600_000
REMOTE_GRACE_MAX_MS = 3_600_000

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


def _yes_no(raw: str) -> bool | None:
    """``True`` or ``False`` for a yes/no word, ``None`` for anything else."""
    lowered = raw.lower()
    return True if lowered in _TRUE else False if lowered in _FALSE else None


def _flag(env: str, default: bool) -> bool:
    raw = _raw(env)
    if raw is None:
        return default
    value = _yes_no(raw)
    if value is not None:
        return value
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


def receive() -> bool | int:
    """Whether blocks open an OTLP receiver: ``False``, ``True`` (a free port) or a fixed port."""
    raw = _raw(RECEIVE_ENV)
    if raw is None:
        return False
    on_off = _yes_no(raw)
    if on_off is not None:
        return on_off
    if not (raw.isascii() and raw.isdigit()):
        raise ConfigError(f"{RECEIVE_ENV}={raw[:60]!r} is not on, off or a port number")
    return _bounded_int(RECEIVE_ENV, 0, 1, PORT_MAX)


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: addresses no other machine can reach."""
    name = host.strip().strip("[]").lower()
    if name in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def receive_host() -> str:
    """The address the OTLP receiver binds: loopback unless non-loopback is allowed explicitly."""
    host = _raw(RECEIVE_HOST_ENV) or DEFAULT_RECEIVE_HOST
    if not is_loopback_host(host) and not _flag(RECEIVE_ANY_HOST_ENV, False):
        raise ConfigError(
            f"{RECEIVE_HOST_ENV}={host!r} is not a loopback address: other machines could send spans "
            f"to it; set {RECEIVE_ANY_HOST_ENV}=true to allow that"
        )
    return host


def receive_max_bytes() -> int:
    """The largest OTLP request body the receiver reads; larger ones are refused whole."""
    return _bounded_int(
        RECEIVE_MAX_BYTES_ENV, DEFAULT_RECEIVE_MAX_BYTES, RECEIVE_MAX_BYTES_LOW, RECEIVE_MAX_BYTES_HIGH
    )


def remote_wait_ms() -> int:
    """How long the end of a block waits for the spans of services it called (0: not at all)."""
    return _bounded_int(REMOTE_WAIT_ENV, DEFAULT_REMOTE_WAIT_MS, 0, REMOTE_WAIT_MAX_MS)


def remote_grace_ms() -> int:
    """How long after its end a block still takes spans from other processes (0: not at all)."""
    return _bounded_int(REMOTE_GRACE_ENV, DEFAULT_REMOTE_GRACE_MS, 0, REMOTE_GRACE_MAX_MS)


def phoenix_url() -> str | None:
    """An Arize Phoenix server whose spans of each block's trace are read back at the block's end."""
    raw = _raw(PHOENIX_URL_ENV)
    if raw is not None and not raw.lower().startswith(("http://", "https://")):
        raise ConfigError(f"{PHOENIX_URL_ENV}={raw[:60]!r} must be an http:// or https:// URL")
    return raw.rstrip("/") if raw is not None else None


def phoenix_project() -> str:
    """The Phoenix project spans are read back from."""
    raw = _raw(PHOENIX_PROJECT_ENV) or DEFAULT_PHOENIX_PROJECT
    if any(char in raw for char in "/?#"):
        raise ConfigError(f"{PHOENIX_PROJECT_ENV}={raw[:60]!r}: a project name cannot hold / ? or #")
    return raw


def check_all() -> None:
    """Read every setting once, raising ``ConfigError`` for the first bad one."""
    client_io_enabled()
    display_mode()
    max_spans()
    tree_limit()
    flush_timeout_ms()
    history_limit()
    trace_url_template()
    receive()
    receive_host()
    receive_max_bytes()
    remote_wait_ms()
    remote_grace_ms()
    phoenix_url()
    phoenix_project()
