"""Carrying a tracked block's context into threads it starts, for as long as the block is open.

Python's ``contextvars`` do not flow into ``threading.Thread`` or
``ThreadPoolExecutor`` work, so spans made there would start new, untracked
traces. While a block that follows threads is open, ``Thread.start``,
``ThreadPoolExecutor.submit`` (which ``map`` and ``run_in_executor`` use) and the
task methods of ``multiprocessing.pool.ThreadPool`` hand the caller's
OpenTelemetry context to the new work. Outside tracked blocks the patches only
check one dict and step aside.

A thread can outlive its block: a pool, or a worker fed from a queue. So the
span handed over is valid as a parent only while its block is open; afterwards
the thread's spans start traces of their own, as if it had never been in a
block, instead of joining a trace that has ended. Pool workers get no context
of their own at all: each task brings the context of the code that submitted it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace

from .collector import SpanCollector, TraceStore
from .provider import installed_collector

_PATCHED = "_datapizza_tracing_patched"

# Each block puts its ``follow_threads`` choice in the context it makes current,
# so the innermost open block decides (a nested block can opt out alone).
FOLLOW_THREADS_KEY = otel_context.create_key("datapizza_tracing.follow_threads")


class _BlockBoundSpan(trace.Span):
    """The span current when work was handed to a thread, a parent only while its block is open.

    Everything but ``get_span_context`` goes to the span itself, so code in the
    thread that reads or annotates its current span sees the real one.
    """

    def __init__(self, span: trace.Span, store: TraceStore, collector: SpanCollector) -> None:
        self._span = span
        self._store = store
        self._collector = collector

    def block_open(self) -> bool:
        # Identity, not the trace id alone: a later block under the same outer span reuses the trace id.
        return self._collector.store_for(self._store.trace_id) is self._store

    def get_span_context(self) -> trace.SpanContext:
        return self._span.get_span_context() if self.block_open() else trace.INVALID_SPAN_CONTEXT

    def is_recording(self) -> bool:
        return self._span.is_recording()

    def end(self, end_time: int | None = None) -> None:
        self._span.end(end_time)

    def set_attributes(self, attributes: Any) -> None:
        self._span.set_attributes(attributes)

    def set_attribute(self, key: str, value: Any) -> None:
        self._span.set_attribute(key, value)

    def add_event(self, name: str, attributes: Any = None, timestamp: int | None = None) -> None:
        self._span.add_event(name, attributes, timestamp)

    def add_link(self, context: trace.SpanContext, attributes: Any = None) -> None:
        self._span.add_link(context, attributes)

    def update_name(self, name: str) -> None:
        self._span.update_name(name)

    def set_status(self, status: Any, description: str | None = None) -> None:
        self._span.set_status(status, description)

    def record_exception(
        self,
        exception: BaseException,
        attributes: Any = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        self._span.record_exception(exception, attributes, timestamp, escaped)

    def __getattr__(self, name: str) -> Any:  # SDK span fields (name, parent, end_time, ...)
        if name == "_span":  # not set yet (copy, pickle): never recurse
            raise AttributeError(name)
        return getattr(self._span, name)

    def __repr__(self) -> str:
        return f"<span of an open block: {self._span!r}>" if self.block_open() else "<span of an ended block>"


def _context_to_carry() -> otel_context.Context | None:
    collector = installed_collector()
    if collector is None or not collector.tracked_count:
        return None
    context = otel_context.get_current()
    if otel_context.get_value(FOLLOW_THREADS_KEY, context) is not True:
        return None
    span = trace.get_current_span(context)
    if isinstance(span, _BlockBoundSpan):  # handed on again by a thread that was handed it
        return context if span.block_open() else None
    store = collector.store_for(span.get_span_context().trace_id)
    if store is None:
        return None
    return trace.set_span_in_context(_BlockBoundSpan(span, store, collector), context)


def _run_in_context(ctx: otel_context.Context, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    token = otel_context.attach(ctx)
    try:
        return fn(*args, **kwargs)
    finally:
        otel_context.detach(token)


_POOL_MODULES = frozenset({"concurrent.futures.thread", "multiprocessing.pool"})


def _is_pool_worker(thread: threading.Thread) -> bool:
    # A pool's worker thread outlives the block that happened to start it:
    # its tasks get their context from submit(), never from the thread.
    target = getattr(thread, "_target", None)
    return getattr(target, "__module__", "") in _POOL_MODULES


def _carrying(submit: Callable[..., Any]) -> Callable[..., Any]:
    """``submit(self, fn, ...)`` that runs ``fn`` in the caller's context (a pool's task method)."""

    @functools.wraps(submit)
    def carrying(self: Any, *args: Any, **kwargs: Any) -> Any:
        ctx = _context_to_carry()
        if ctx is not None:
            if args:
                args = (functools.partial(_run_in_context, ctx, args[0]), *args[1:])
            elif "func" in kwargs:  # Pool.apply_async(func=...)
                kwargs["func"] = functools.partial(_run_in_context, ctx, kwargs["func"])
        return submit(self, *args, **kwargs)

    setattr(carrying, _PATCHED, True)
    return carrying


# Every task method of multiprocessing's ThreadPool goes through one of these
# (apply → apply_async; map, map_async, starmap, starmap_async → _map_async).
# Only the thread pool: a process pool would have to pickle the context.
_THREAD_POOL_TASK_METHODS = ("apply_async", "_map_async", "imap", "imap_unordered")


def install_thread_propagation() -> None:
    """Patch ``Thread.start``, ``ThreadPoolExecutor.submit`` and ``ThreadPool``'s task methods once."""
    if getattr(threading.Thread.start, _PATCHED, False):
        return
    original_start = threading.Thread.start
    original_submit = ThreadPoolExecutor.submit

    @functools.wraps(original_start)
    def start(self: threading.Thread) -> None:
        ctx = _context_to_carry()
        if ctx is not None and not _is_pool_worker(self):
            self.run = functools.partial(_run_in_context, ctx, self.run)  # type: ignore[method-assign]
        original_start(self)

    setattr(start, _PATCHED, True)
    threading.Thread.start = start  # type: ignore[method-assign]
    ThreadPoolExecutor.submit = _carrying(original_submit)  # type: ignore[method-assign]
    for name in _THREAD_POOL_TASK_METHODS:
        setattr(ThreadPool, name, _carrying(getattr(ThreadPool, name)))
