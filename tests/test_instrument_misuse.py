"""The span helpers used the wrong way: they say so, or write what they can, and never raise."""

from __future__ import annotations

import json
import warnings

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from datapizza_tracing import (
    ContextTracing,
    TracingUsageWarning,
    generation_span,
    record_client_io,
    record_usage,
)
from datapizza_tracing.collect.provider import ensure_collector
from tests.support.handle_spans import by_name


@pytest.fixture(autouse=True)
def _sdk_provider() -> None:
    ensure_collector()  # tracing is on: an SDK provider is installed


def _usage(span) -> None:
    record_usage(span, model="gpt-4o-mini", prompt_tokens=10, completion_tokens=4)


def test_record_usage_with_no_current_span_warns_that_the_usage_is_not_recorded():
    with pytest.warns(TracingUsageWarning, match="no span") as caught:
        _usage(trace.get_current_span())  # outside any span: OpenTelemetry's invalid span
    (warning,) = caught
    assert "gpt-4o-mini" in str(warning.message) and "not recorded" in str(warning.message)
    assert warning.filename == __file__  # points at the caller's line


def test_record_usage_on_an_ended_span_warns_that_the_usage_is_not_recorded():
    with ContextTracing().trace("late usage") as handle:
        with generation_span("call") as span:
            pass
        with pytest.warns(TracingUsageWarning, match="has ended"):
            _usage(span)
    assert "prompt_tokens_used" not in by_name(handle)["call"].attributes


def test_record_usage_on_a_span_the_sampler_dropped_stays_silent():
    dropped = NonRecordingSpan(SpanContext(0xABC, 0xDEF, is_remote=False, trace_flags=TraceFlags(0)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _usage(dropped)


def test_record_usage_with_opentelemetry_disabled_stays_silent(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _usage(trace.get_current_span())


def test_record_usage_on_a_recording_span_is_silent_and_written():
    with ContextTracing().trace("usage") as handle:
        with generation_span("call") as span, warnings.catch_warnings():
            warnings.simplefilter("error")
            _usage(span)
    assert by_name(handle)["call"].attributes["prompt_tokens_used"] == 10


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("str fails")

    def __repr__(self) -> str:
        raise RuntimeError("repr fails")


def _deep_list(levels: int) -> list:
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


def _circular() -> list:
    value: list = [1]
    value.append(value)
    return value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Unprintable(), '"<unprintable Unprintable>"'),  # a JSON string, as for any object
        ([Unprintable(), 1], '["<unprintable Unprintable>", 1]'),
        ({"k": Unprintable()}, '{"k": "<unprintable Unprintable>"}'),
        ({(1, 2): Unprintable()}, "<unprintable dict>"),  # not JSON, and its repr fails too
        (_circular(), "[1, [...]]"),  # not JSON: its str() stands in
        (_deep_list(100_000), "<unprintable list>"),  # too deep for JSON and for str()
    ],
    ids=["object", "inside a list", "inside a dict", "dict with tuple keys", "circular", "deep"],
)
def test_record_client_io_never_lets_a_failing_str_repr_or_json_encoding_escape(
    monkeypatch: pytest.MonkeyPatch, value: object, expected: str
):
    monkeypatch.setenv("DATAPIZZA_TRACE_CLIENT_IO", "true")
    with ContextTracing().trace("client io") as handle:
        with generation_span("call") as span:
            assert record_client_io(span, input=value, output="fine") is True
    attributes = by_name(handle)["call"].attributes
    assert attributes["input"] == expected
    assert attributes["output"] == "fine"
    if expected.startswith(("[", "{")) and "..." not in expected:
        json.loads(attributes["input"])
