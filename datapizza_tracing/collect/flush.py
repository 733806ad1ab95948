"""Exporter time at the end of a block: bounded where the library controls it, named where it cannot.

What each span processor costs the end of a block:

* ``BatchSpanProcessor`` (and any processor that exports from its own thread):
  the block flushes it so the block's spans are in the backend when it returns.
  ``force_flush`` ignores its timeout (opentelemetry-python issue 4568) and
  exports on the calling thread, so the flush runs on a helper thread and the
  block waits at most ``DATAPIZZA_TRACING_FLUSH_TIMEOUT_MS``. While a flush an
  earlier block started is still stuck, later blocks do not wait for it again
  (their spans are queued and go out when the exporter recovers, or are
  dropped by it); one ``SlowExporterWarning`` says so.
* ``SimpleSpanProcessor``: OpenTelemetry exports every span, the block's root
  span included, on the thread that ends it, before ``end()`` returns. No flush
  is involved and nothing outside the exporter can bound it: a blackholed
  endpoint holds every span of the traced code for the exporter's own timeout.
  When ending the root span takes longer than the bound, one
  ``SlowExporterWarning`` names the exporters and says to use a batch processor.
"""

from __future__ import annotations

import logging
import threading
import warnings

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from .fork_safety import renew_after_fork
from .misuse import user_stacklevel
from .provider import TracingSetupWarning

_log = logging.getLogger(__name__)
_lock = threading.Lock()
renew_after_fork(globals(), "_lock", threading.Lock)
_pending: threading.Thread | None = None
_warned_stuck_flush = False
_warned_slow_end = False


class SlowExporterWarning(TracingSetupWarning):
    """An exporter holds the end of blocks: it is slow, or its endpoint does not answer."""


def _flush(provider: TracerProvider, timeout_ms: int) -> None:
    try:
        provider.force_flush(timeout_ms)
    except Exception:  # an exporter's failure must not reach the traced code
        _log.debug("exporter flush failed", exc_info=True)


def flush_within(provider: TracerProvider, timeout_ms: int) -> bool:
    """Flush ``provider``'s processors, waiting at most ``timeout_ms``; True if done in time.

    A flush still running from an earlier block is neither doubled nor waited
    for again: it exports whatever is queued, the new spans included.
    """
    global _pending
    with _lock:
        thread = _pending
        if thread is not None and thread.is_alive():
            _log.debug("not waiting for the exporter flush an earlier block started: it is still running")
            return False
        thread = threading.Thread(
            target=_flush, args=(provider, timeout_ms), name="datapizza-tracing-flush", daemon=True
        )
        _pending = thread
        thread.start()
    thread.join(timeout_ms / 1000)
    if thread.is_alive():
        _warn_stuck_flush(timeout_ms)
        return False
    return True


def _warn_stuck_flush(timeout_ms: int) -> None:
    global _warned_stuck_flush
    if _warned_stuck_flush:
        return
    _warned_stuck_flush = True
    warnings.warn(
        f"Exporters did not finish flushing within {timeout_ms:,} ms "
        "(DATAPIZZA_TRACING_FLUSH_TIMEOUT_MS) at the end of a trace block: an exporter is slow or its "
        "endpoint does not answer. Blocks will not wait for it again while that flush is still running; "
        "their spans are queued and sent when it recovers (or dropped by the exporter). The traced code "
        "is not affected.",
        SlowExporterWarning,
        stacklevel=user_stacklevel(),
    )


def synchronous_exporters(provider: object) -> list[str]:
    """Class names of the exporters behind the provider's ``SimpleSpanProcessor``s (best effort)."""
    # The SDK keeps its processors in a private field; without it there is nothing to name.
    active = getattr(provider, "_active_span_processor", None)
    processors = getattr(active, "_span_processors", ()) or ()
    return [
        type(getattr(processor, "span_exporter", None)).__name__
        for processor in processors
        if isinstance(processor, SimpleSpanProcessor)
    ]


def note_slow_span_end(provider: object, seconds: float, timeout_ms: int) -> None:
    """Say once that ending a block's root span took ``seconds``, past the flush bound."""
    global _warned_slow_end
    if _warned_slow_end or seconds * 1000 <= timeout_ms:
        return
    _warned_slow_end = True
    exporters = synchronous_exporters(provider)
    if exporters:
        cause = (
            f"a SimpleSpanProcessor exports every span as it ends, on the thread that ends it, and its "
            f"exporter ({', '.join(sorted(set(exporters)))}) is slow or its endpoint does not answer. "
            "That holds every span of the traced code, which datapizza-tracing cannot bound: use "
            "BatchSpanProcessor for remote exporters."
        )
    else:
        cause = "a span processor of the tracer provider is slow to handle a span's end."
    warnings.warn(
        f"Ending the trace block's root span took {seconds:.1f} s, more than "
        f"DATAPIZZA_TRACING_FLUSH_TIMEOUT_MS ({timeout_ms:,} ms): {cause}",
        SlowExporterWarning,
        stacklevel=user_stacklevel(),
    )
