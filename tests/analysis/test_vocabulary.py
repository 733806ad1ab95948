"""Token usage read from the three vocabularies, each model call counted once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from datapizza_tracing import ContextTracing, TokenUsage, TraceHandle
from tests.support.handle_spans import TRACER

DATAPIZZA = {
    "type": "generation",
    "model_name": "gpt-4o-mini",
    "prompt_tokens_used": 31,
    "completion_tokens_used": 27,
    "cached_tokens_used": 11,
    "thinking_tokens_used": 7,
}
GENAI = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-5-mini",
    "gen_ai.response.model": "gpt-5-mini-2025-08-07",
    "gen_ai.usage.input_tokens": 120,
    "gen_ai.usage.output_tokens": 45,
    "gen_ai.usage.cache_read.input_tokens": 64,
    "gen_ai.usage.reasoning.output_tokens": 20,
}
GENAI_DEPRECATED = {
    "gen_ai.system": "openai",
    "gen_ai.request.model": "gpt-4.1",
    "gen_ai.usage.prompt_tokens": 80,
    "gen_ai.usage.completion_tokens": 15,
}
OPENINFERENCE = {
    "openinference.span.kind": "LLM",
    "llm.model_name": "claude-sonnet",
    "llm.token_count.prompt": 200,
    "llm.token_count.completion": 60,
    "llm.token_count.total": 260,
    "llm.token_count.prompt_details.cache_read": 150,
    "llm.token_count.completion_details.reasoning": 33,
}


def _traced(spans: list[tuple[str, Mapping[str, Any], list[Any]]]) -> TraceHandle:
    """A block of spans given as (name, attributes, children) trees."""

    def open_span(name: str, attributes: Mapping[str, Any], children: list[Any]) -> None:
        with TRACER.start_as_current_span(name, attributes=dict(attributes)):
            for child in children:
                open_span(*child)

    with ContextTracing().trace("tokens") as handle:
        for span in spans:
            open_span(*span)
    return handle


@pytest.mark.parametrize(
    ("attributes", "model", "usage"),
    [
        (DATAPIZZA, "gpt-4o-mini", TokenUsage(31, 27, 11, 7, 1)),
        (GENAI, "gpt-5-mini", TokenUsage(120, 45, 64, 20, 1)),
        (GENAI_DEPRECATED, "gpt-4.1", TokenUsage(80, 15, 0, 0, 1)),
        (OPENINFERENCE, "claude-sonnet", TokenUsage(200, 60, 150, 33, 1)),
    ],
    ids=["datapizza", "genai", "genai-deprecated", "openinference"],
)
def test_each_vocabulary_reads_model_prompt_completion_cached_and_thinking(
    attributes: Mapping[str, Any], model: str, usage: TokenUsage
) -> None:
    handle = _traced([("llm", attributes, [])])
    assert dict(handle.summary().usage) == {model: usage}


def test_spans_without_usage_count_for_nothing() -> None:
    handle = _traced([("agent", {"type": "agent"}, [("tool", {"type": "tool"}, [])]), ("plain", {}, [])])
    assert dict(handle.summary().usage) == {}


def test_calls_of_several_models_add_up_per_model() -> None:
    handle = _traced(
        [
            ("first", DATAPIZZA, []),
            ("second", DATAPIZZA, []),
            ("third", GENAI, []),
            ("fourth", OPENINFERENCE, []),
        ]
    )
    usage = handle.summary().usage
    assert usage["gpt-4o-mini"] == TokenUsage(62, 54, 22, 14, 2)
    assert usage["gpt-5-mini"] == TokenUsage(120, 45, 64, 20, 1)
    assert usage["claude-sonnet"] == TokenUsage(200, 60, 150, 33, 1)
    assert handle.summary().total_usage == TokenUsage(382, 159, 236, 67, 4)


def test_framework_and_provider_spans_of_one_call_count_once_innermost_wins() -> None:
    # A framework span (datapizza vocabulary) wraps the provider instrumentation's
    # span (GenAI) for the same request, naming the same model: one call, the provider's figures.
    framework = {**DATAPIZZA, "model_name": "gpt-5-mini"}
    handle = _traced([("framework generation", framework, [("openai.chat", GENAI, [])])])
    assert dict(handle.summary().usage) == {"gpt-5-mini": TokenUsage(120, 45, 64, 20, 1)}

    # Three layers (OpenInference outermost, naming the dated answering model) still make one call.
    outermost = {**OPENINFERENCE, "llm.model_name": "gpt-5-mini-2025-08-07"}
    handle = _traced([("llm", outermost, [("generation", framework, [("chat", GENAI, [])])])])
    assert handle.summary().total_usage.calls == 1


def test_an_agent_span_carrying_the_sum_of_its_calls_is_not_counted_again() -> None:
    aggregate = {
        **DATAPIZZA,
        "type": "agent",
        "prompt_tokens_used": 62,
        "completion_tokens_used": 54,
        "cached_tokens_used": 22,
        "thinking_tokens_used": 14,
    }
    handle = _traced(
        [
            (
                "agent",
                aggregate,
                [("call 1", DATAPIZZA, []), ("tool", {"type": "tool"}, []), ("call 2", DATAPIZZA, [])],
            )
        ]
    )
    assert dict(handle.summary().usage) == {"gpt-4o-mini": TokenUsage(62, 54, 22, 14, 2)}


def test_sibling_calls_under_a_span_without_usage_both_count() -> None:
    handle = _traced([("agent", {"type": "agent"}, [("call 1", GENAI, []), ("call 2", GENAI, [])])])
    assert dict(handle.summary().usage) == {"gpt-5-mini": TokenUsage(240, 90, 128, 40, 2)}


BAD_FIGURES = [float("nan"), float("inf"), float("-inf"), "Infinity", "1e400", "NaN", -40,
               "lots", True, 2**70]


@pytest.mark.parametrize("bad", BAD_FIGURES, ids=repr)
@pytest.mark.parametrize(
    "attributes, prompt_key",
    [
        (GENAI, "gen_ai.usage.input_tokens"),
        (GENAI_DEPRECATED, "gen_ai.usage.prompt_tokens"),
        (OPENINFERENCE, "llm.token_count.prompt"),
        (DATAPIZZA, "prompt_tokens_used"),
    ],
    ids=["genai", "genai-deprecated", "openinference", "datapizza"],
)
def test_a_span_attribute_that_is_no_token_count_is_not_counted_and_the_summary_says_so(
    attributes: Mapping[str, Any], prompt_key: str, bad: Any
) -> None:
    from datapizza_tracing.analysis.summary import summarize
    from datapizza_tracing.analysis.vocabulary import llm_call
    from tests.support.records import snapshot, span

    call = llm_call({**attributes, prompt_key: bad})
    assert call is not None and call.ignored_values == 1
    assert call.prompt_tokens == call.cached_tokens + call.cache_write_tokens  # the bad figure counts 0
    good = span(2, 1, 1, 2, "call")._replace(attributes={**attributes, prompt_key: bad})
    summary = summarize(snapshot(span(1, 0, 0, 10, "root"), good))
    assert "1 usage value ignored (not finite, non-negative numbers)" in summary.notes
    assert all(type(u.prompt_tokens) is int for u in summary.usage.values())


@pytest.mark.parametrize(
    "attributes",
    [
        {"gen_ai.request.model": "m", "gen_ai.usage.input_tokens": 5, "gen_ai.usage.output_tokens": 2,
         "gen_ai.usage.raw": '{"completion_tokens_details": {"reasoning_tokens": NaN}}'},
        {"mlflow.llm.model": '"m"', "mlflow.chat.tokenUsage": '{"input_tokens": 5, "output_tokens": 2, '
         '"cache_read_input_tokens": Infinity}'},
    ],
    ids=["logfire raw usage", "mlflow usage json"],
)
def test_bad_figures_inside_usage_json_are_not_counted(attributes: Mapping[str, Any]) -> None:
    from datapizza_tracing.analysis.vocabulary import llm_call

    call = llm_call(attributes)
    assert call is not None and (call.prompt_tokens, call.completion_tokens) == (5, 2)
    assert call.ignored_values == 1 and call.cached_tokens == call.thinking_tokens == 0
