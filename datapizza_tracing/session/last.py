"""The handle of the most recently finished block, and the history it joins."""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..model.snapshot import TraceSnapshot
from .history import session_history

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_last: Any = None


def last_trace() -> Any:
    """The handle of the most recently finished block in this process (``None`` before the first)."""
    return _last


def remember(handle: Any, snapshot: TraceSnapshot) -> None:
    """Make ``handle`` the last trace and add its final ``snapshot`` to the session history."""
    global _last
    with _lock:
        _last = handle
    try:
        session_history().add(snapshot)  # for %trace_history / compare()
    except Exception:  # e.g. a bad DATAPIZZA_TRACING_HISTORY must not break the traced code
        _log.warning("datapizza-tracing could not add the block to the trace history", exc_info=True)
