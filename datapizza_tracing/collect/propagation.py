"""Carrying a tracked block's context into threads it starts.

Python's ``contextvars`` do not flow into ``threading.Thread`` or
``ThreadPoolExecutor`` work, so spans made there would start new, untracked
traces. While a block that follows threads is open, ``Thread.start`` and
``ThreadPoolExecutor.submit`` (which ``map`` and ``run_in_executor`` use) hand
the caller's OpenTelemetry context to the new work. Outside tracked blocks the
patches only check one dict and step aside.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace

from .provider import installed_collector

_PATCHED = "_datapizza_tracing_patched"

# Each block puts its ``follow_threads`` choice in the context it makes current,
# so the innermost open block decides (a nested block can opt out alone).
FOLLOW_THREADS_KEY = otel_context.create_key("datapizza_tracing.follow_threads")


def _context_to_carry() -> otel_context.Context | None:
    collector = installed_collector()
    if collector is None or not collector.tracked_count:
        return None
    context = otel_context.get_current()
    if otel_context.get_value(FOLLOW_THREADS_KEY, context) is not True:
        return None
    trace_id = trace.get_current_span(context).get_span_context().trace_id
    if collector.store_for(trace_id) is None:
        return None
    return context


def _run_in_context(ctx: otel_context.Context, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    token = otel_context.attach(ctx)
    try:
        return fn(*args, **kwargs)
    finally:
        otel_context.detach(token)


def _is_pool_worker(thread: threading.Thread) -> bool:
    # A pool's worker thread outlives the block that happened to start it:
    # its tasks get their context from submit(), never from the thread.
    target = getattr(thread, "_target", None)
    return getattr(target, "__module__", "") == "concurrent.futures.thread"


def install_thread_propagation() -> None:
    """Patch ``Thread.start`` and ``ThreadPoolExecutor.submit`` once per process."""
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

    @functools.wraps(original_submit)
    def submit(self: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        ctx = _context_to_carry()
        if ctx is not None:
            fn = functools.partial(_run_in_context, ctx, fn)
        return original_submit(self, fn, *args, **kwargs)

    setattr(start, _PATCHED, True)
    setattr(submit, _PATCHED, True)
    threading.Thread.start = start  # type: ignore[method-assign]
    ThreadPoolExecutor.submit = submit  # type: ignore[method-assign]
