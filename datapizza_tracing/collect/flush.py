"""Flushing exporters when a block ends, within a time limit.

``BatchSpanProcessor.force_flush`` ignores its timeout (opentelemetry-python
issue 4568) and exports on the calling thread, so a dead endpoint would hold the
end of a block for the exporter's whole retry schedule. The flush runs on a
helper thread instead, and the block waits for it at most the configured time.
"""

from __future__ import annotations

import logging
import threading

from opentelemetry.sdk.trace import TracerProvider

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_pending: threading.Thread | None = None


def _flush(provider: TracerProvider, timeout_ms: int) -> None:
    try:
        provider.force_flush(timeout_ms)
    except Exception:  # an exporter's failure must not reach the traced code
        _log.debug("exporter flush failed", exc_info=True)


def flush_within(provider: TracerProvider, timeout_ms: int) -> bool:
    """Flush ``provider``'s processors, waiting at most ``timeout_ms``; True if done in time.

    A flush still stuck on a slow exporter is joined rather than doubled: it
    exports whatever is queued, the new spans included, until the queue is empty.
    """
    global _pending
    with _lock:
        thread = _pending
        if thread is None or not thread.is_alive():
            thread = threading.Thread(
                target=_flush, args=(provider, timeout_ms), name="datapizza-tracing-flush", daemon=True
            )
            _pending = thread
            thread.start()
    thread.join(timeout_ms / 1000)
    return not thread.is_alive()
