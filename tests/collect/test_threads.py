"""Spans from threads, thread pools and asyncio tasks started inside a block belong to it."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace

from datapizza_tracing import ContextTracing, TraceHandle
from datapizza_tracing.collect.provider import installed_collector
from tests.support.handle_spans import TRACER, by_name, make_span, parent_id, span_id

JOIN_TIMEOUT_S = 60


def test_sixteen_threads_of_two_thousand_spans_lose_none() -> None:
    start = threading.Barrier(16, timeout=JOIN_TIMEOUT_S)

    def work(worker: int) -> None:
        start.wait()  # all sixteen write at once
        for i in range(2_000):
            with TRACER.start_as_current_span(f"worker-{worker}") as span:
                span.set_attribute("i", i)

    with ContextTracing().trace("sixteen threads") as handle:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(JOIN_TIMEOUT_S)

    summary = handle.summary()
    assert summary.total_spans == 32_001
    assert summary.dropped_spans == 0
    spans = handle.get_spans()
    assert len(spans) == 32_001
    assert len({span_id(span) for span in spans}) == 32_001
    counts = Counter(span.name for span in spans)
    assert counts == {"sixteen threads": 1, **{f"worker-{n}": 2_000 for n in range(16)}}
    root = next(span for span in spans if span.name == "sixteen threads")
    assert all(parent_id(span) == span_id(root) for span in spans if span is not root)
    # Every worker's own i values arrived, none twice.
    for n in range(16):
        seen = sorted(span.attributes["i"] for span in spans if span.name == f"worker-{n}")
        assert seen == list(range(2_000))


def test_eight_concurrent_blocks_on_eight_threads_each_see_only_their_own_spans() -> None:
    all_open = threading.Barrier(8, timeout=JOIN_TIMEOUT_S)
    handles: dict[int, TraceHandle] = {}

    def run_block(n: int) -> None:
        with ContextTracing().trace(f"block-{n}") as handle:
            all_open.wait()  # every block is open before any writes
            for i in range(500):
                make_span(f"block-{n}-span-{i}")
            all_open.wait()  # and stays open until all have written
        handles[n] = handle

    threads = [threading.Thread(target=run_block, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_S)

    assert sorted(handles) == list(range(8))
    assert len({handle.trace_id for handle in handles.values()}) == 8
    for n, handle in handles.items():
        spans = handle.get_spans()
        assert handle.summary().total_spans == 501
        assert sorted(span.name for span in spans) == sorted(
            [f"block-{n}", *(f"block-{n}-span-{i}" for i in range(500))]
        )
        assert {format(span.context.trace_id, "032x") for span in spans} == {handle.trace_id}
    assert installed_collector().tracked_count == 0


def test_thread_pool_submit_and_map_work_belongs_to_the_span_current_at_submit() -> None:
    with ContextTracing().trace("pool") as handle:
        with TRACER.start_as_current_span("dispatch"):
            with ThreadPoolExecutor(max_workers=4) as pool:
                submitted = [pool.submit(make_span, f"submit-{i}") for i in range(8)]
                mapped = list(pool.map(make_span, [f"map-{i}" for i in range(8)]))
                assert [future.result(JOIN_TIMEOUT_S) for future in submitted] == [
                    f"submit-{i}" for i in range(8)
                ]
    assert mapped == [f"map-{i}" for i in range(8)]

    spans = by_name(handle)
    work = [f"submit-{i}" for i in range(8)] + [f"map-{i}" for i in range(8)]
    assert set(spans) == {"pool", "dispatch", *work}
    assert all(parent_id(spans[name]) == span_id(spans["dispatch"]) for name in work)


def test_plain_threads_and_thread_subclasses_belong_to_the_block() -> None:
    class Worker(threading.Thread):
        def run(self) -> None:
            make_span("subclass-run")

    with ContextTracing().trace("threads") as handle:
        plain = threading.Thread(target=make_span, args=("plain-thread",))
        subclass = Worker()
        plain.start()
        subclass.start()
        plain.join(JOIN_TIMEOUT_S)
        subclass.join(JOIN_TIMEOUT_S)

    spans = by_name(handle)
    assert set(spans) == {"threads", "plain-thread", "subclass-run"}
    root = span_id(spans["threads"])
    assert parent_id(spans["plain-thread"]) == root
    assert parent_id(spans["subclass-run"]) == root


def test_a_hundred_gathered_asyncio_tasks_and_executor_work_belong_to_the_block() -> None:
    async def task(i: int) -> int:
        await asyncio.sleep(0)
        with TRACER.start_as_current_span(f"task-{i}"):
            await asyncio.sleep(0)  # every task is suspended inside its span at once
        return i

    async def main() -> list[int]:
        with TRACER.start_as_current_span("gather"):
            results = await asyncio.gather(*(task(i) for i in range(100)))
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, make_span, "run_in_executor")
            await asyncio.to_thread(make_span, "to_thread")
            return results

    with ContextTracing().trace("async") as handle:
        assert asyncio.run(main()) == list(range(100))

    spans = by_name(handle)
    tasks = {f"task-{i}" for i in range(100)}
    assert set(spans) == {"async", "gather", "run_in_executor", "to_thread", *tasks}
    gather = span_id(spans["gather"])
    assert all(parent_id(spans[name]) == gather for name in tasks | {"run_in_executor", "to_thread"})
    assert handle.summary().total_spans == 104


def test_follow_threads_false_keeps_thread_and_pool_spans_out() -> None:
    outside: list[int] = []

    def record_trace() -> None:
        with TRACER.start_as_current_span("in-thread") as span:
            outside.append(span.get_span_context().trace_id)

    with ContextTracing().trace("no threads", follow_threads=False) as handle:
        thread = threading.Thread(target=record_trace)
        thread.start()
        thread.join(JOIN_TIMEOUT_S)
        with ThreadPoolExecutor(max_workers=2) as pool:
            pool.submit(record_trace).result(JOIN_TIMEOUT_S)
        make_span("in-block")

    assert sorted(span.name for span in handle.get_spans()) == ["in-block", "no threads"]
    block_trace = int(handle.trace_id, 16)
    assert len(outside) == 2 and block_trace not in outside


def test_a_pool_worker_started_inside_a_block_does_not_leak_its_context_into_later_tasks() -> None:
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        with ContextTracing().trace("starts the worker") as handle:
            pool.submit(make_span, "inside").result(JOIN_TIMEOUT_S)  # the worker thread starts here

        def later() -> tuple[bool, int]:
            current = trace.get_current_span().get_span_context()
            with TRACER.start_as_current_span("later") as span:
                return current.is_valid, span.get_span_context().trace_id

        had_context, later_trace = pool.submit(later).result(JOIN_TIMEOUT_S)
    finally:
        pool.shutdown(wait=True)

    assert not had_context
    assert later_trace != int(handle.trace_id, 16)
    assert sorted(span.name for span in handle.get_spans()) == ["inside", "starts the worker"]


def test_a_nested_block_can_opt_out_of_following_threads_alone() -> None:
    def in_thread(name: str) -> None:
        thread = threading.Thread(target=make_span, args=(name,))
        thread.start()
        thread.join(JOIN_TIMEOUT_S)

    with ContextTracing().trace("outer follows") as outer:
        with ContextTracing().trace("inner does not", follow_threads=False) as inner:
            in_thread("from inner")
        in_thread("from outer")

    assert sorted(span.name for span in inner.get_spans()) == ["inner does not"]
    assert sorted(span.name for span in outer.get_spans()) == [
        "from outer",
        "inner does not",
        "outer follows",
    ]


def test_blocks_in_concurrent_asyncio_tasks_each_see_only_their_own_spans() -> None:
    async def agent(n: int) -> TraceHandle:
        with ContextTracing().trace(f"agent-{n}") as handle:
            for step in range(20):
                with TRACER.start_as_current_span(f"agent-{n}-step-{step}"):
                    await asyncio.sleep(0)  # the other agents run here
        return handle

    async def main() -> list[TraceHandle]:
        return await asyncio.gather(*(agent(n) for n in range(5)))

    handles = asyncio.run(main())
    for n, handle in enumerate(handles):
        assert sorted(span.name for span in handle.get_spans()) == sorted(
            [f"agent-{n}", *(f"agent-{n}-step-{step}" for step in range(20))]
        )
    assert len({handle.trace_id for handle in handles}) == 5
