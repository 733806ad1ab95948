"""Work a block hands to process pools joins the block: every worker span, under the submitting span.

Real pools of real processes (fork, spawn and forkserver); the workers make instrumented
spans with token usage and send them back over OTLP to the block's receiver on
loopback. The figures must be exact: each worker call counted once.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import pytest
from opentelemetry import trace

from datapizza_tracing import ContextTracing, TraceHandle
from datapizza_tracing.model.record import SpanRecord
from datapizza_tracing.remote import ports
from tests.support.process_work import (
    MODEL,
    PROMPT_TOKENS,
    failing_task,
    instrumented_pair,
    instrumented_task,
)

pytestmark = pytest.mark.timeout(120)
tracer = trace.get_tracer(__name__)
START_METHODS = [
    pytest.param("fork"),
    pytest.param("spawn", marks=pytest.mark.slow),
    pytest.param("forkserver", marks=pytest.mark.slow),
]


@pytest.fixture(autouse=True)
def _no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each block's receiver closes as soon as the block is done: no port outlives a test.
    monkeypatch.setenv("DATAPIZZA_TRACING_REMOTE_GRACE_MS", "0")


def _by_name(handle: TraceHandle) -> dict[str, SpanRecord]:
    spans = handle.snapshot().spans
    by_name = {span.name: span for span in spans}
    assert len(by_name) == len(spans), sorted(span.name for span in spans)  # every span once
    return by_name


def _assert_tasks_under(handle: TraceHandle, parent: str, tasks: list[int]) -> None:
    spans = _by_name(handle)
    for n in tasks:
        assert spans[f"task {n}"].parent_id == spans[parent].span_id
        assert spans[f"call {n}"].parent_id == spans[f"task {n}"].span_id
    usage = handle.summary().usage
    assert set(usage) == {MODEL}
    figures = usage[MODEL]
    assert (figures.calls, figures.prompt_tokens, figures.completion_tokens, figures.cached_tokens) == (
        len(tasks),
        PROMPT_TOKENS * len(tasks),
        sum(tasks),
        len(tasks),
    )


@pytest.mark.parametrize("method", START_METHODS)
def test_process_pool_executor_work_joins_the_block(method: str) -> None:
    with ContextTracing().trace("executor") as handle:
        with tracer.start_as_current_span("submit"):
            with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(method)) as pool:
                mapped = list(pool.map(instrumented_task, range(4)))
                submitted = pool.submit(instrumented_task, 4).result()
    assert os.getpid() not in {*mapped, submitted}  # the work really ran in other processes
    _assert_tasks_under(handle, "submit", [0, 1, 2, 3, 4])
    assert set(_by_name(handle)) == {"executor", "submit"} | {
        f"{k} {n}" for k in ("task", "call") for n in range(5)
    }
    assert handle.summary().total_spans == 12 and handle.summary().notes == ()


@pytest.mark.parametrize("method", START_METHODS)
def test_multiprocessing_pool_work_joins_the_block(method: str) -> None:
    with multiprocessing.get_context(method).Pool(2) as pool:  # workers started before the block
        with ContextTracing().trace("pool") as handle:
            with tracer.start_as_current_span("map"):
                pids = pool.map(instrumented_task, range(3), chunksize=2)
            with tracer.start_as_current_span("starmap"):
                pids += pool.starmap(instrumented_pair, [(1, 1), (1, 2)])
            with tracer.start_as_current_span("apply"):
                pids.append(pool.apply_async(instrumented_task, (5,)).get(timeout=60))
                pids.append(pool.apply(instrumented_task, (6,)))
            with tracer.start_as_current_span("imap"):
                pids += list(pool.imap_unordered(instrumented_task, [7, 8]))
    assert os.getpid() not in pids
    spans = _by_name(handle)
    expected_parents = {0: "map", 1: "map", 2: "map", 11: "starmap", 12: "starmap", 5: "apply", 6: "apply"}
    expected_parents |= {7: "imap", 8: "imap"}
    for n, parent in expected_parents.items():
        assert spans[f"task {n}"].parent_id == spans[parent].span_id, n
        assert spans[f"call {n}"].parent_id == spans[f"task {n}"].span_id, n
    figures = handle.summary().usage[MODEL]
    assert (figures.calls, figures.prompt_tokens, figures.completion_tokens) == (
        9,
        9 * PROMPT_TOKENS,
        sum(expected_parents),
    )


def test_a_failing_worker_raises_unchanged_and_its_spans_still_arrive() -> None:
    with pytest.raises(ValueError, match="task 3 failed on purpose"):
        with ContextTracing().trace("failing") as handle:
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
                pool.submit(failing_task, 3).result()
    failed = _by_name(handle)["failing 3"]
    assert failed.is_error and failed.parent_id == handle.snapshot().root_span_id
    assert "task 3 failed on purpose" in (failed.status_message or "")


def test_follow_processes_false_sends_nothing_and_opens_no_port() -> None:
    before = ports.open_receivers()
    with ContextTracing().trace("not followed", follow_processes=False) as handle:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            assert pool.submit(instrumented_task, 1).result() != os.getpid()
        assert ports.open_receivers() == before
    assert [span.name for span in handle.snapshot().spans] == ["not followed"]
    assert handle.otlp_endpoint is None


def test_work_outside_any_block_is_left_alone() -> None:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        with ContextTracing().trace("other block") as handle:
            pass
        assert pool.submit(instrumented_task, 2).result() != os.getpid()
    assert [span.name for span in handle.snapshot().spans] == ["other block"]


def test_a_worker_that_fans_out_again_brings_its_grandchildren_along() -> None:
    from tests.support.process_work import nested_pool_task

    with ContextTracing().trace("fan out") as handle:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            pool.submit(nested_pool_task, 9).result()
    spans = _by_name(handle)
    assert spans["fan out 9"].parent_id == spans["fan out"].span_id
    assert spans["task 9"].parent_id == spans["fan out 9"].span_id
    assert handle.summary().usage[MODEL].calls == 1


def test_the_receiver_closes_with_the_block() -> None:
    with ContextTracing().trace("closes") as handle:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            pool.submit(instrumented_task, 1).result()
        receivers = ports.open_receivers()
        assert receivers and all(not receiver.closed for receiver in receivers)
    assert all(receiver.closed for receiver in receivers)
    assert "task 1" in _by_name(handle)


@pytest.mark.slow
def test_a_pool_of_another_interpreter_runs_unfollowed_with_a_note(tmp_path) -> None:
    import subprocess
    import sys

    from datapizza_tracing.remote.processes import OTHER_INTERPRETER_NOTE

    venv = tmp_path / "other"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    other = str(venv / "bin" / "python")
    context = multiprocessing.get_context("spawn")
    multiprocessing.set_executable(other)
    try:
        with ContextTracing().trace("other interpreter") as handle:
            with ProcessPoolExecutor(1, mp_context=context) as pool:
                assert pool.submit(os.getpid).result() != os.getpid()
    finally:
        multiprocessing.set_executable(sys.executable)
    assert handle.summary().notes == (OTHER_INTERPRETER_NOTE.format(executable=other),)
    assert [span.name for span in handle.snapshot().spans] == ["other interpreter"]


def test_a_worker_with_more_spans_than_one_body_takes_sends_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.process_work import many_spans_task

    # 1,500 spans are about 400 KB of OTLP JSON: over this limit in one body, within it in batches.
    monkeypatch.setenv("DATAPIZZA_TRACING_RECEIVE_MAX_BYTES", "200000")
    with ContextTracing().trace("many") as handle:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            pool.submit(many_spans_task, 1500).result()
    names = _by_name(handle)
    assert set(names) == {"many", "many steps"} | {f"step {i}" for i in range(1500)}
    assert all(names[f"step {i}"].parent_id == names["many steps"].span_id for i in range(1500))
    assert handle.summary().dropped_spans == 0


@pytest.mark.parametrize(("block_cap", "kept", "dropped"), [(1000, 52, 0), (10, 10, 42)])
def test_a_worker_keeps_to_the_blocks_span_cap_and_what_it_drops_is_counted(
    monkeypatch: pytest.MonkeyPatch, block_cap: int, kept: int, dropped: int
) -> None:
    from tests.support.process_work import many_spans_task

    # The process-wide setting differs from the block's cap: the worker must follow the block's.
    monkeypatch.setenv("DATAPIZZA_TRACING_MAX_SPANS", "20")
    with ContextTracing().trace("capped", max_spans=block_cap) as handle:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            pool.submit(many_spans_task, 50).result()  # 51 spans in the worker
    summary = handle.summary()
    assert (len(handle.snapshot().spans), summary.dropped_spans, summary.total_spans) == (kept, dropped, 52)


@pytest.mark.slow
def test_a_worker_finding_the_receiver_full_tries_again_and_its_spans_arrive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket
    import threading

    from datapizza_tracing.remote import receiver as receiver_module

    # One connection at a time, held by a stalled client for a moment: the worker's post is closed unanswered.
    monkeypatch.setattr(receiver_module, "OPEN_CONNECTIONS", 1)
    with ContextTracing().trace("busy receiver") as handle:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            pool.submit(instrumented_task, 0).result()  # opens the block's receiver
            [receiver] = ports.open_receivers()
            stalled = socket.create_connection((receiver.host, receiver.port), timeout=30)
            stalled.sendall(b"POST /v1/traces HTTP/1.1\r\nContent-Len")
            lets_go = threading.Timer(1.0, stalled.close)
            lets_go.start()
            try:
                pool.submit(instrumented_task, 1).result()
            finally:
                lets_go.join(timeout=10)
    _assert_tasks_under(handle, "busy receiver", [0, 1])
    assert handle.summary().dropped_spans == 0


def test_spans_the_receiver_refuses_from_a_worker_count_as_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    # A body over the receiver's limit is refused whole: the block must learn that it lost those spans.
    monkeypatch.setenv("DATAPIZZA_TRACING_RECEIVE_MAX_BYTES", "1024")
    with ContextTracing().trace("refused") as handle:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            pool.submit(instrumented_task, 0).result()  # two spans, over 1 KB of OTLP JSON
    assert [span.name for span in handle.snapshot().spans] == ["refused"]
    assert handle.summary().dropped_spans == 2
