"""``ContextTracing().trace(name)``: the entry point of plain Python code."""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from .. import config
from ..analysis.history import session_history
from ..collect.block import TraceBlock
from ..collect.propagation import install_thread_propagation
from ..collect.provider import ensure_collector
from .display import TraceView, open_view, resolve_mode
from .handle import TraceHandle

_log = logging.getLogger(__name__)
_last_lock = threading.Lock()
_last: TraceHandle | None = None


def last_trace() -> TraceHandle | None:
    """The handle of the most recently finished block in this process."""
    return _last


def _remember(handle: TraceHandle) -> None:
    global _last
    with _last_lock:
        _last = handle
    try:
        session_history().add(handle.snapshot())  # for %trace_history / compare()
    except Exception:  # e.g. a bad DATAPIZZA_TRACING_HISTORY must not break the traced code
        _log.warning("datapizza-tracing could not add the block to the trace history", exc_info=True)


class TraceContext:
    """One ``with`` block: opens the root span, shows the view, closes both."""

    def __init__(self, name: str, max_spans: int, follow_threads: bool, display: str) -> None:
        self._name = name
        self._max_spans = max_spans
        self._follow_threads = follow_threads
        self._display = display
        self._block: TraceBlock | None = None
        self._view: TraceView | None = None

    def __enter__(self) -> TraceHandle:
        if self._block is not None:
            raise RuntimeError("a trace() context can be entered only once; call trace() again")
        collector = ensure_collector()
        if self._follow_threads:
            install_thread_propagation()
        self._block = TraceBlock(collector, self._name, self._max_spans, self._follow_threads)
        self._block.__enter__()
        handle = TraceHandle(self._block)
        try:
            self._view = open_view(self._block, self._display)
        except Exception:
            _log.warning("datapizza-tracing could not open its view", exc_info=True)
        self._handle = handle
        return handle

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._block is not None
        self._block.__exit__(exc_type, exc, tb)
        _remember(self._handle)
        if self._view is not None:
            try:
                self._view.finish(self._block.snapshot())
            except Exception:  # showing the trace must never mask the traced code's outcome
                _log.warning("datapizza-tracing could not show the trace", exc_info=True)


class ContextTracing:
    """Collects the spans of the operations it wraps and shows what they did.

    ``ContextTracing()`` always returns the same instance: there is one
    collector per process, attached once to the global tracer provider.
    """

    _instance: ContextTracing | None = None
    _instance_lock = threading.Lock()

    def __new__(cls) -> ContextTracing:
        if cls._instance is None:
            with cls._instance_lock:
                if cls._instance is None:
                    cls._instance = super().__new__(cls)
        return cls._instance

    def trace(
        self,
        name: str | None = None,
        *,
        max_spans: int | None = None,
        follow_threads: bool = True,
        display: str | None = None,
    ) -> TraceContext:
        """A context manager that traces its body and yields a ``TraceHandle``.

        ``max_spans`` caps the spans kept (the rest are counted as dropped);
        ``follow_threads=False`` stops threads and thread pools started inside the
        block from joining it; ``display`` overrides ``DATAPIZZA_TRACING_DISPLAY``.
        """
        if name is None:
            name = "trace"
        if not isinstance(name, str):
            raise TypeError(f"trace name must be a str, not {type(name).__name__}")
        if max_spans is None:
            max_spans = config.max_spans()
        elif isinstance(max_spans, bool) or not isinstance(max_spans, int) or max_spans <= 0:
            raise ValueError(f"max_spans must be a positive int, not {max_spans!r}")
        # Settings read only when the report is drawn are checked now, so a typo
        # fails before the body runs instead of silently losing the report.
        config.tree_limit()
        return TraceContext(name, max_spans, follow_threads, resolve_mode(display))
