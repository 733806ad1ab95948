"""``ContextTracing().trace(name)``: the entry point of plain Python code."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from types import TracebackType

from .. import config
from ..collect.block import TraceBlock
from ..collect.propagation import install_thread_propagation
from ..collect.provider import ensure_collector
from ..remote.backends import PhoenixReader, TraceReader
from ..remote.link import REMOTE_LINK_KEY, RemoteLink
from ..remote.processes import install_process_propagation
from ..session import last
from .display import open_view, resolve_mode
from .handle import TraceHandle
from .output import TraceView

_log = logging.getLogger(__name__)


def last_trace() -> TraceHandle | None:
    """The handle of the most recently finished block in this process."""
    return last.last_trace()


class TraceContext:
    """One ``with`` block: opens the root span and the view; at the end closes both, in that order."""

    def __init__(
        self,
        name: str,
        max_spans: int,
        follow_threads: bool,
        display: str,
        *,
        follow_processes: bool = True,
        receive: bool | int = False,
        readers: Sequence[TraceReader] = (),
    ) -> None:
        self._name = name
        self._max_spans = max_spans
        self._follow_threads = follow_threads
        self._display = display
        self._follow_processes = follow_processes
        self._receive = receive
        self._readers = tuple(readers)
        self._stack: ExitStack | None = None
        self._entered = False

    def __enter__(self) -> TraceHandle:
        if self._entered:
            raise RuntimeError("a trace() context can be entered only once; call trace() again")
        self._entered = True
        with ExitStack() as stack:
            handle = stack.enter_context(self._traced())
            self._stack = stack.pop_all()
        return handle

    @contextmanager
    def _traced(self) -> Iterator[TraceHandle]:
        collector = ensure_collector()
        if self._follow_threads:
            install_thread_propagation()
        if self._follow_processes:
            install_process_propagation()
        block = TraceBlock(collector, self._name, self._max_spans, self._follow_threads)
        link = RemoteLink(
            block,
            collector,
            receive=self._receive,
            follow_processes=self._follow_processes,
            readers=self._readers,
        )
        handle = TraceHandle(block, link)
        view: TraceView | None = None
        entered = False
        block.carry(REMOTE_LINK_KEY, link)  # work sent to other processes from the block joins it
        try:
            with block:
                entered = True
                link.start()
                view = self._open_view(block)
                yield handle
        finally:
            # After the block has ended, whatever the body did: collect what other processes
            # sent, remember it, then show it.
            if entered:
                try:
                    self._settle(link)
                    last.remember(handle, block.snapshot())
                    self._show(view, block)
                finally:  # even on an interrupt: the grace period starts, or the port closes now
                    link.shown()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._stack is None:
            if not self._entered:
                raise RuntimeError("this trace() context was never entered: use it in a with statement")
            return  # already exited: ending a block twice must not record it twice
        stack, self._stack = self._stack, None
        stack.__exit__(exc_type, exc, tb)

    def _open_view(self, block: TraceBlock) -> TraceView | None:
        try:
            return open_view(block, self._display)
        except Exception:  # no view is better than a failing block
            _log.warning("datapizza-tracing could not open its view", exc_info=True)
            return None

    @staticmethod
    def _settle(link: RemoteLink) -> None:
        try:
            link.finish()
        except Exception:  # spans from elsewhere must never mask the traced code's outcome
            _log.warning("datapizza-tracing could not collect spans from other processes", exc_info=True)
            link.close()

    @staticmethod
    def _show(view: TraceView | None, block: TraceBlock) -> None:
        if view is None:
            return
        try:
            view.finish(block.snapshot())
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
        follow_processes: bool = True,
        receive: bool | int | None = None,
        read_back: TraceReader | Sequence[TraceReader] | None = None,
    ) -> TraceContext:
        """A context manager that traces its body and yields a ``TraceHandle``.

        ``max_spans`` caps the spans kept (the rest are counted as dropped);
        ``follow_threads=False`` stops threads and thread pools started inside the
        block from joining it; ``display`` overrides ``DATAPIZZA_TRACING_DISPLAY``.
        ``follow_processes=False`` stops process pools from joining it; ``receive``
        opens an OTLP/HTTP receiver on loopback for services (``True``: a free
        port, an int: that port; default ``DATAPIZZA_TRACING_RECEIVE``);
        ``read_back`` reads the trace's other spans from backends at the block's
        end (default: Phoenix at ``DATAPIZZA_TRACING_PHOENIX_URL``, if set).
        Every setting is checked now, so a typo fails before the body runs
        instead of replacing the body's own outcome at the end.
        """
        if name is None:
            name = "trace"
        if not isinstance(name, str):
            raise TypeError(f"trace name must be a str, not {type(name).__name__}")
        if max_spans is None:
            max_spans = config.max_spans()
        elif isinstance(max_spans, bool) or not isinstance(max_spans, int) or max_spans <= 0:
            raise ValueError(f"max_spans must be a positive int, not {max_spans!r}")
        config.check_all()
        if receive is None:
            receive = config.receive()
        elif not isinstance(receive, bool) and not (isinstance(receive, int) and 0 < receive <= 65_535):
            raise ValueError(f"receive must be True, False or a port number (1 to 65535), not {receive!r}")
        return TraceContext(
            name,
            max_spans,
            follow_threads,
            resolve_mode(display),
            follow_processes=bool(follow_processes),
            receive=receive,
            readers=_readers(read_back),
        )


def _readers(read_back: TraceReader | Sequence[TraceReader] | None) -> tuple[TraceReader, ...]:
    if read_back is None:
        url = config.phoenix_url()
        return (PhoenixReader(url, config.phoenix_project()),) if url else ()
    readers = (read_back,) if isinstance(read_back, TraceReader | str) else read_back
    if not isinstance(readers, Sequence):
        readers = (readers,)
    for reader in readers:
        if not isinstance(reader, TraceReader):
            raise TypeError(f"read_back takes TraceReader objects (e.g. PhoenixReader), not {reader!r}")
    return tuple(readers)
