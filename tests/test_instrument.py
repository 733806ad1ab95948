"""generation_span / agent_span / tool_span, record_usage and the opt-in client I/O."""

from __future__ import annotations

import json

import pytest

from datapizza_tracing import (
    ContextTracing,
    TokenUsage,
    agent_span,
    generation_span,
    record_client_io,
    record_usage,
    tool_span,
)
from tests.support.handle_spans import by_name, parent_id, span_id


def test_helpers_set_the_span_type_and_nest() -> None:
    with ContextTracing().trace("helpers") as handle:
        with agent_span("planner", attributes={"agent.name": "chef"}):
            with generation_span("ask", model="gpt-4o-mini") as generation:
                record_usage(
                    generation,
                    model="gpt-4o-mini",
                    prompt_tokens=10,
                    completion_tokens=4,
                    cached_tokens=2,
                    thinking_tokens=1,
                    stop_reason="stop",
                )
            with tool_span("oven"):
                pass
    spans = by_name(handle)
    assert spans["planner"].attributes["type"] == "agent"
    assert spans["planner"].attributes["agent.name"] == "chef"
    assert spans["ask"].attributes["type"] == "generation"
    assert spans["ask"].attributes["model_name"] == "gpt-4o-mini"
    assert spans["ask"].attributes["stop_reason"] == "stop"
    assert spans["oven"].attributes["type"] == "tool"
    assert parent_id(spans["ask"]) == span_id(spans["planner"])
    assert parent_id(spans["oven"]) == span_id(spans["planner"])
    assert dict(handle.summary().usage) == {"gpt-4o-mini": TokenUsage(10, 4, 2, 1, 1)}


def _write_io() -> tuple[bool, dict[str, object]]:
    with ContextTracing().trace("client io") as handle:
        with generation_span("call") as span:
            wrote = record_client_io(
                span,
                input=[{"role": "user", "content": "Name a pizza"}],
                output="Margherita",
                memory={"turns": 1},
            )
    return wrote, dict(by_name(handle)["call"].attributes)


@pytest.mark.parametrize("value", ["true", "TRUE", "True", "tRuE"])
def test_client_io_is_written_when_the_variable_is_true_in_any_case(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACE_CLIENT_IO", value)
    wrote, attributes = _write_io()
    assert wrote is True
    assert json.loads(attributes["input"]) == [{"role": "user", "content": "Name a pizza"}]
    assert attributes["output"] == "Margherita"
    assert json.loads(attributes["memory"]) == {"turns": 1}


@pytest.mark.parametrize("value", [None, "", "false", "FALSE", "False", "no"])
def test_client_io_is_not_written_by_default_or_when_off(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("DATAPIZZA_TRACE_CLIENT_IO", raising=False)
    else:
        monkeypatch.setenv("DATAPIZZA_TRACE_CLIENT_IO", value)
    wrote, attributes = _write_io()
    assert wrote is False
    assert not {"input", "output", "memory"} & set(attributes)
    assert attributes["type"] == "generation"


def test_client_io_setting_is_read_at_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACE_CLIENT_IO", "false")
    assert _write_io()[0] is False
    monkeypatch.setenv("DATAPIZZA_TRACE_CLIENT_IO", "true")
    assert _write_io()[0] is True
