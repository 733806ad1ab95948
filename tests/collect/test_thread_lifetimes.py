"""Long-lived threads keep no block: work reaches a block only while that block is open.

A thread started inside a block carries the block's context, but a thread pool
or a queue-fed worker outlives the block that happened to create it. Its later
work (from another block, or from outside any block) must not join the ended
trace: it is not shown anywhere, yet every backend would parent it to that trace.
"""

from __future__ import annotations

import queue
import threading
from multiprocessing.pool import ThreadPool

import pytest
from opentelemetry import trace

from datapizza_tracing import ContextTracing
from tests.support.handle_spans import TRACER

JOIN_TIMEOUT_S = 30
pytestmark = pytest.mark.timeout(120)


def traced_work(name: str) -> tuple[str, int, int | None]:
    """One span; returns its trace id (32 hex) and its parent's span id, as seen from inside."""
    with TRACER.start_as_current_span(name) as span:
        parent = span.parent  # type: ignore[attr-defined]
        return (
            format(span.get_span_context().trace_id, "032x"),
            span.get_span_context().span_id,
            (parent.span_id if parent is not None else None),
        )


def names(handle) -> set[str]:
    return {span.name for span in handle.get_spans()}


def root_id(handle) -> int:
    return next(s.context.span_id for s in handle.get_spans() if s.name == handle.name)


def test_a_thread_pool_made_in_one_block_gives_each_later_block_its_own_work():
    with ContextTracing().trace("A") as block_a:
        pool = ThreadPool(2)
        during_a = pool.apply(traced_work, ("work in A",))
    try:
        with ContextTracing().trace("B") as block_b:
            during_b = pool.apply(traced_work, ("apply in B",))
            mapped = pool.map(traced_work, ["map in B 1", "map in B 2"])
            starmapped = pool.starmap(traced_work, [("starmap in B",)])
            unordered = list(pool.imap_unordered(traced_work, ["imap in B"]))
            pool.apply_async(traced_work, ("async in B",)).get(JOIN_TIMEOUT_S)
        outside = pool.apply(traced_work, ("outside any block",))
    finally:
        pool.close()
        pool.join()

    assert names(block_a) == {"A", "work in A"}
    assert during_a[0] == block_a.trace_id and during_a[2] == root_id(block_a)
    assert names(block_b) == {
        "B", "apply in B", "map in B 1", "map in B 2", "starmap in B", "imap in B", "async in B"
    }  # fmt: skip
    for result in (during_b, *mapped, *starmapped, *unordered):
        assert result[0] == block_b.trace_id and result[2] == root_id(block_b)
    # Work outside every block is a trace of its own, as if no block had ever made the pool.
    assert outside[0] not in (block_a.trace_id, block_b.trace_id) and outside[2] is None


def test_a_queue_fed_worker_started_in_a_block_stops_joining_it_when_the_block_ends():
    jobs: queue.Queue[str | None] = queue.Queue()
    results: queue.Queue[tuple[str, int, int | None]] = queue.Queue()

    def worker() -> None:
        while (name := jobs.get()) is not None:
            results.put(traced_work(name))

    with ContextTracing().trace("A") as block_a:
        thread = threading.Thread(target=worker, daemon=True)
        thread.start()
        jobs.put("job during A")
        during_a = results.get(timeout=JOIN_TIMEOUT_S)
    with ContextTracing().trace("B") as block_b:
        jobs.put("job during B")
        during_b = results.get(timeout=JOIN_TIMEOUT_S)
    jobs.put("job outside any block")
    outside = results.get(timeout=JOIN_TIMEOUT_S)
    jobs.put(None)
    thread.join(JOIN_TIMEOUT_S)

    assert names(block_a) == {"A", "job during A"}
    assert during_a[0] == block_a.trace_id and during_a[2] == root_id(block_a)
    # The worker cannot know it now works for B: its jobs are traces of their own, never A's.
    assert names(block_b) == {"B"}
    for result in (during_b, outside):
        assert result[0] not in (block_a.trace_id, block_b.trace_id) and result[2] is None


def test_threads_a_long_lived_thread_starts_join_the_block_only_while_it_is_open():
    started: queue.Queue[tuple[str, int, int | None]] = queue.Queue()
    go: queue.Queue[bool] = queue.Queue()

    def spawner() -> None:
        while go.get():
            child = threading.Thread(target=lambda: started.put(traced_work("grandchild thread")))
            child.start()
            child.join(JOIN_TIMEOUT_S)

    with ContextTracing().trace("A") as block_a:
        thread = threading.Thread(target=spawner, daemon=True)
        thread.start()
        go.put(True)
        during_a = started.get(timeout=JOIN_TIMEOUT_S)
    go.put(True)
    after_a = started.get(timeout=JOIN_TIMEOUT_S)
    go.put(False)
    thread.join(JOIN_TIMEOUT_S)

    assert during_a[0] == block_a.trace_id and during_a[2] == root_id(block_a)
    assert after_a[0] != block_a.trace_id and after_a[2] is None


def test_a_thread_keeps_its_blocks_current_span_while_the_block_is_open():
    # Inside the block the thread sees the span that was current when it started, as before.
    seen: list[str] = []

    def look() -> None:
        current = trace.get_current_span()
        seen.append(format(current.get_span_context().span_id, "016x"))
        current.set_attribute("touched.by.thread", True)

    with ContextTracing().trace("A") as block_a:
        with TRACER.start_as_current_span("dispatch") as dispatch:
            thread = threading.Thread(target=look)
            thread.start()
            thread.join(JOIN_TIMEOUT_S)
    assert seen == [format(dispatch.get_span_context().span_id, "016x")]
    dispatched = next(s for s in block_a.get_spans() if s.name == "dispatch")
    assert dispatched.attributes["touched.by.thread"] is True
