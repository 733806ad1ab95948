"""An exception inside a block: it propagates unchanged and the trace shows where it happened."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from datapizza_tracing import ContextTracing, TraceHandle
from tests.support.handle_spans import TRACER, by_name, make_span


class PizzaBurnt(Exception):
    pass


def _exception_events(span: ReadableSpan) -> list[dict[str, object]]:
    return [dict(event.attributes or {}) for event in span.events if event.name == "exception"]


def test_exception_propagates_unchanged_and_root_and_failing_span_carry_the_error() -> None:
    error = PizzaBurnt("oven at 900°C")
    holder: list[TraceHandle] = []
    with pytest.raises(PizzaBurnt) as raised:
        with ContextTracing().trace("dinner") as handle:
            holder.append(handle)
            make_span("prepare")
            with TRACER.start_as_current_span("bake"):
                raise error
    assert raised.value is error
    assert raised.value.__traceback__ is not None
    assert (
        raised.traceback[-1].name
        == "test_exception_propagates_unchanged_and_root_and_failing_span_carry_the_error"
    )

    (handle,) = holder
    spans = by_name(handle)
    for name in ("dinner", "bake"):
        span = spans[name]
        assert span.status.status_code is StatusCode.ERROR
        assert "PizzaBurnt" in (span.status.description or "")
        (event,) = _exception_events(span)
        assert event["exception.type"].endswith("PizzaBurnt")
        assert event["exception.message"] == "oven at 900°C"
    assert spans["prepare"].status.status_code is StatusCode.UNSET
    assert _exception_events(spans["prepare"]) == []

    summary = handle.summary()
    assert summary.finished
    assert summary.total_spans == 3
    assert sorted(span.name for span in summary.errors) == ["bake", "dinner"]


def test_keyboard_interrupt_propagates_and_marks_the_root() -> None:
    holder: list[TraceHandle] = []
    interrupt = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt) as raised:
        with ContextTracing().trace("interrupted") as handle:
            holder.append(handle)
            make_span("done before")
            raise interrupt
    assert raised.value is interrupt
    spans = by_name(holder[0])
    root = spans["interrupted"]
    assert root.status.status_code is StatusCode.ERROR
    assert "KeyboardInterrupt" in (root.status.description or "")
    (event,) = _exception_events(root)
    assert event["exception.type"].endswith("KeyboardInterrupt")
    assert [span.name for span in holder[0].summary().errors] == ["interrupted"]
    assert set(spans) == {"interrupted", "done before"}


def test_closing_a_generator_early_is_not_an_error() -> None:
    # GeneratorExit is how Python stops a generator, not a failure of the traced code.
    def numbers() -> Iterator[int]:
        with ContextTracing().trace("generator") as handle:
            holder.append(handle)
            yield from range(10)

    holder: list[TraceHandle] = []
    gen = numbers()
    assert next(gen) == 0
    gen.close()
    (handle,) = holder
    assert handle.finished
    assert handle.summary().errors == ()
    root = by_name(handle)["generator"]
    assert root.status.status_code is StatusCode.UNSET


def test_error_inside_a_thread_of_the_block_is_listed() -> None:
    import threading

    def failing() -> None:
        try:
            with TRACER.start_as_current_span("thread work"):
                raise ValueError("bad input")
        except ValueError:
            pass

    with ContextTracing().trace("with a failing thread") as handle:
        thread = threading.Thread(target=failing)
        thread.start()
        thread.join(30)
    summary = handle.summary()
    assert [span.name for span in summary.errors] == ["thread work"]
    assert summary.errors[0].status_message == "ValueError: bad input"
