"""The end of a block holds whatever the body did: the caller's exception comes out unchanged,
the root ends, the report shows and the collector lets go of the trace."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from itertools import count

import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import StatusCode

from datapizza_tracing import ContextTracing, TraceHandle, TracingUsageWarning
from datapizza_tracing.collect.provider import ensure_collector, installed_collector
from tests.support.handle_spans import by_name, make_span

JOIN_TIMEOUT_S = 30


class StrRaises(Exception):
    """An exception whose message cannot be read: ``str()`` on it raises."""

    def __str__(self) -> str:
        raise RuntimeError("no message for you")


def _exception_events(span) -> list[dict[str, object]]:
    return [dict(event.attributes or {}) for event in span.events if event.name == "exception"]


def test_an_exception_whose_str_raises_propagates_unchanged_with_the_report_and_the_store_released(capsys):
    error = StrRaises()
    holder: list[TraceHandle] = []
    with pytest.raises(StrRaises) as raised:
        with ContextTracing().trace("unprintable", display="terminal") as handle:
            holder.append(handle)
            make_span("before")
            raise error
    assert raised.value is error
    assert raised.value.__context__ is None  # nothing of ours was raised while it passed through

    out = capsys.readouterr().out
    assert "Trace Summary of unprintable" in out and "(running)" not in out
    assert "StrRaises: <exception str() failed>" in out
    (handle,) = holder
    assert handle.finished and handle.summary().total_spans == 2
    root = by_name(handle)["unprintable"]
    assert root.status.status_code is StatusCode.ERROR
    (event,) = _exception_events(root)
    assert str(event["exception.type"]).endswith("StrRaises")
    assert event["exception.message"] == "<exception str() failed>"
    assert "StrRaises" in str(event["exception.stacktrace"])
    assert installed_collector().tracked_count == 0


class RepeatingIds(RandomIdGenerator):
    """Span ids 0xA, 0xB, 0xB, then fresh ones: the block's child and grandchild share an id."""

    def __init__(self) -> None:
        self._planned = iter([0xA, 0xB, 0xB])
        self._fresh = count(0x100)

    def generate_span_id(self) -> int:
        return next(self._planned, None) or next(self._fresh)


@pytest.mark.timeout(30)
def test_an_id_generator_repeating_span_ids_ends_the_block_and_prints_it_with_a_note(monkeypatch, capsys):
    ensure_collector()  # the SDK provider exists from here on
    # Every tracer of the provider (cached ones too) shares its id generator object.
    generator = trace.get_tracer_provider().id_generator
    monkeypatch.setattr(generator, "generate_span_id", RepeatingIds().generate_span_id)
    tracer = trace.get_tracer("tests.repeated_ids")
    with ContextTracing().trace("repeating ids", display="terminal") as handle:
        with tracer.start_as_current_span("child"):
            with tracer.start_as_current_span("grandchild, same id as child"):
                pass
    out = capsys.readouterr().out
    assert "Trace Summary of repeating ids" in out
    assert "1 span repeated the id of an earlier span" in out
    snapshot = handle.snapshot()
    assert [(span.name, span.span_id) for span in snapshot.spans] == [("child", 0xB), ("repeating ids", 0xA)]
    assert handle.summary().total_spans == 2


@pytest.mark.timeout(60)
def test_exiting_a_block_on_another_thread_ends_it_with_one_clear_warning_and_no_opentelemetry_log(caplog):
    before = otel_context.get_current()
    context = ContextTracing().trace("handed over")
    handle = context.__enter__()
    try:
        make_span("inside")
        exit_thread = threading.Thread(target=context.__exit__, args=(None, None, None))
        with pytest.warns(TracingUsageWarning) as caught, caplog.at_level(logging.DEBUG, "opentelemetry"):
            exit_thread.start()
            exit_thread.join(JOIN_TIMEOUT_S)
    finally:
        otel_context.attach(before)  # this thread's context still points at the ended root: reset it
    messages = [str(w.message) for w in caught if issubclass(w.category, TracingUsageWarning)]
    assert len(messages) == 1
    assert "exited in another thread or asyncio task" in messages[0]
    assert "Failed to detach context" not in caplog.text
    assert handle.finished and handle.summary().total_spans == 2
    assert installed_collector().tracked_count == 0


@pytest.mark.timeout(60)
def test_exiting_a_block_in_another_asyncio_task_ends_it_with_one_clear_warning(caplog):
    context = ContextTracing().trace("entered in a task")

    async def enter() -> TraceHandle:
        handle = context.__enter__()
        make_span("inside")
        return handle

    async def main() -> TraceHandle:
        handle = await asyncio.create_task(enter())  # the task's own context copy holds the block
        context.__exit__(None, None, None)  # exited from the coroutine that awaited it
        return handle

    with pytest.warns(TracingUsageWarning, match="another thread or asyncio task"):
        with caplog.at_level(logging.DEBUG, "opentelemetry"):
            handle = asyncio.run(main())
    assert "Failed to detach context" not in caplog.text
    assert handle.finished and handle.summary().total_spans == 2
    assert installed_collector().tracked_count == 0


def test_exit_without_enter_is_a_runtime_error_saying_to_use_a_with_statement():
    context = ContextTracing().trace("never entered")
    with pytest.raises(RuntimeError, match="never entered: use it in a with statement"):
        context.__exit__(None, None, None)


def test_a_second_exit_is_a_no_op_and_the_block_joins_the_history_once():
    from datapizza_tracing import history

    name = f"exited twice {uuid.uuid4().hex}"
    context = ContextTracing().trace(name)
    context.__enter__()
    context.__exit__(None, None, None)
    context.__exit__(None, None, None)
    assert sum(1 for entry in history() if entry.name == name) == 1


def test_entering_a_trace_context_twice_is_a_runtime_error():
    context = ContextTracing().trace("entered twice")
    with context:
        with pytest.raises(RuntimeError, match="entered only once"):
            context.__enter__()


def _traced_steps(name: str, tracer_name: str):
    """A generator whose body runs in a block: the user's code decides when it resumes."""
    with ContextTracing().trace(name, display="off") as handle:
        yield handle
        with trace.get_tracer(tracer_name).start_as_current_span(f"{name} work"):
            pass
        yield handle


def test_blocks_exited_out_of_order_warn_once_and_leave_no_ended_span_current() -> None:
    # Two generators, each with a block, resumed in turn: A is entered, then B, and A ends first.
    # B's end used to bring back A's ended root span as the current span: every later span of the
    # program, and every later block, joined A's ended trace, with no word said.
    before = otel_context.get_current()
    first, second = _traced_steps("A", "interleaved"), _traced_steps("B", "interleaved")
    handle_a, handle_b = next(first), next(second)
    with pytest.warns(TracingUsageWarning) as caught:
        for steps in (first, second):
            for _ in steps:
                pass
    messages = [str(w.message) for w in caught if issubclass(w.category, TracingUsageWarning)]
    assert len(messages) == 1
    assert "trace('A') was exited while 'B'" in messages[0]
    assert handle_a.finished and handle_b.finished
    assert otel_context.get_current() is before  # what was current before both blocks
    assert not trace.get_current_span().get_span_context().is_valid
    with ContextTracing().trace("after", display="off") as after:
        make_span("after work")
    assert after.trace_id not in (handle_a.trace_id, handle_b.trace_id)
    assert sorted(s.name for s in after.get_spans()) == ["after", "after work"]


def test_blocks_exited_in_order_around_a_context_attached_and_detached_inside_say_nothing(
    recwarn: pytest.WarningsRecorder,
) -> None:
    with ContextTracing().trace("outer", display="off"):
        token = otel_context.attach(otel_context.set_value("a key", "a value"))
        with ContextTracing().trace("inner", display="off"):
            make_span("work")
        otel_context.detach(token)
    assert not [w for w in recwarn if issubclass(w.category, TracingUsageWarning)]
    assert not trace.get_current_span().get_span_context().is_valid


class _CountsStr(Exception):
    calls = 0

    def __str__(self) -> str:
        type(self).calls += 1
        return "counted"


def test_the_block_reads_its_exceptions_message_no_more_often_than_opentelemetry_does() -> None:
    # A slow __str__ (a message built from a big object) was paid three times at the block's end.
    with pytest.raises(_CountsStr):
        with ContextTracing().trace("raises", display="off") as handle:
            raise _CountsStr()
    assert _CountsStr.calls == 2  # OpenTelemetry's record_exception: its traceback and its message
    root = by_name(handle)["raises"]
    assert root.status.description == "_CountsStr: counted"
    (event,) = _exception_events(root)
    assert event["exception.message"] == "counted"
