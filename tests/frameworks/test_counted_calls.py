"""One request counted once: nested reports (innermost wins) and sibling reports of two instrumentations.

Pure tests over hand-built records; the framework tests show the same rules on
real spans (``test_langchain.py``).
"""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from datapizza_tracing.analysis.summary import TokenUsage, counted_calls, usage_by_model
from datapizza_tracing.model.record import UNSET, SpanRecord

MS = 1_000_000
LANGCHAIN = "openinference.instrumentation.langchain"
OPENAI = "openinference.instrumentation.openai"
OTEL_OPENAI = "opentelemetry.instrumentation.openai.v1"


def report(
    span_id: int,
    parent_id: int,
    start_ms: int,
    end_ms: int | None,
    scope: str | None,
    *,
    model: str = "gpt-4o-mini",
    prompt: int = 31,
    completion: int = 27,
    cached: int | None = 11,
    thinking: int | None = 7,
    vocabulary: str = "openinference",
) -> SpanRecord:
    if vocabulary == "openinference":
        attributes: dict[str, Any] = {
            "llm.model_name": model,
            "llm.token_count.prompt": prompt,
            "llm.token_count.completion": completion,
        }
        if cached is not None:
            attributes["llm.token_count.prompt_details.cache_read"] = cached
        if thinking is not None:
            attributes["llm.token_count.completion_details.reasoning"] = thinking
    else:
        attributes = {
            "gen_ai.request.model": model,
            "gen_ai.usage.input_tokens": prompt,
            "gen_ai.usage.output_tokens": completion,
        }
        if cached is not None:
            attributes["gen_ai.usage.cache_read.input_tokens"] = cached
        if thinking is not None:
            attributes["gen_ai.usage.reasoning.output_tokens"] = thinking
    return SpanRecord(
        name=f"span-{span_id}",
        span_id=span_id,
        parent_id=parent_id,
        start_ns=start_ms * MS,
        end_ns=end_ms * MS if end_ms is not None else None,
        status=UNSET,
        status_message=None,
        attributes=attributes,
        scope=InstrumentationScope(scope) if scope else None,
    )


def plain(span_id: int, parent_id: int, start_ms: int = 0, end_ms: int = 1_000) -> SpanRecord:
    return SpanRecord(f"span-{span_id}", span_id, parent_id, start_ms * MS, end_ms * MS, UNSET, None, {})


ONE_CALL = TokenUsage(31, 27, 11, 7, 1)
TWO_CALLS = TokenUsage(62, 54, 22, 14, 2)


def test_sibling_reports_of_one_request_by_two_instrumentations_count_once() -> None:
    # LangChain's span (never current) and the openai span under the same parent.
    spans = [plain(1, 0), report(2, 1, 10, 200, LANGCHAIN), report(3, 1, 20, 190, OPENAI)]
    assert usage_by_model(spans) == {"gpt-4o-mini": ONE_CALL}


def test_siblings_at_different_depths_count_once() -> None:
    # A model inside a chain: the LangChain span sits under the chain span, the openai one under the root.
    spans = [plain(1, 0), plain(2, 1), report(3, 2, 10, 200, LANGCHAIN), report(4, 1, 20, 190, OPENAI)]
    assert usage_by_model(spans) == {"gpt-4o-mini": ONE_CALL}


def test_two_parallel_identical_requests_of_one_instrumentation_stay_two() -> None:
    spans = [plain(1, 0), report(2, 1, 10, 200, OPENAI), report(3, 1, 12, 210, OPENAI)]
    assert usage_by_model(spans) == {"gpt-4o-mini": TWO_CALLS}


def test_two_parallel_requests_each_reported_twice_are_two_calls() -> None:
    spans = [
        plain(1, 0),
        report(2, 1, 10, 200, LANGCHAIN),
        report(3, 1, 11, 201, LANGCHAIN),
        report(4, 1, 20, 190, OPENAI),
        report(5, 1, 21, 191, OPENAI),
    ]
    assert usage_by_model(spans) == {"gpt-4o-mini": TWO_CALLS}
    assert len(counted_calls(spans)) == 2


def test_identical_requests_one_after_the_other_by_two_instrumentations_stay_two() -> None:
    spans = [plain(1, 0), report(2, 1, 10, 100, LANGCHAIN), report(3, 1, 200, 300, OPENAI)]
    assert usage_by_model(spans) == {"gpt-4o-mini": TWO_CALLS}


def test_overlapping_reports_that_differ_in_usage_or_model_are_different_calls() -> None:
    other_usage = [plain(1, 0), report(2, 1, 10, 200, LANGCHAIN), report(3, 1, 20, 190, OPENAI, prompt=40)]
    assert usage_by_model(other_usage)["gpt-4o-mini"].calls == 2
    other_model = [
        plain(1, 0),
        report(2, 1, 10, 200, LANGCHAIN),
        report(3, 1, 20, 190, OPENAI, model="gpt-4o"),
    ]
    assert sum(u.calls for u in usage_by_model(other_model).values()) == 2
    other_cache = [plain(1, 0), report(2, 1, 10, 200, LANGCHAIN, cached=3), report(3, 1, 20, 190, OPENAI)]
    assert usage_by_model(other_cache)["gpt-4o-mini"].calls == 2


def test_reports_without_a_scope_are_never_merged() -> None:
    spans = [plain(1, 0), report(2, 1, 10, 200, None), report(3, 1, 20, 190, None)]
    assert usage_by_model(spans)["gpt-4o-mini"].calls == 2


def test_a_dated_response_model_and_its_request_model_are_one_call_and_details_add_up() -> None:
    # One instrumentation gives no thinking figure (e.g. streamed), the other no cache figure.
    spans = [
        plain(1, 0),
        report(2, 1, 10, 200, LANGCHAIN, model="gpt-4o-mini", cached=None),
        report(3, 1, 20, 190, OTEL_OPENAI, model="gpt-4o-mini-2024-07-18", thinking=None, vocabulary="genai"),
    ]
    (call,) = counted_calls(spans).values()
    assert (call.prompt_tokens, call.completion_tokens, call.cached_tokens, call.thinking_tokens) == (
        31,
        27,
        11,
        7,
    )


def test_a_running_report_overlaps_everything_after_its_start() -> None:
    spans = [plain(1, 0), report(2, 1, 10, None, LANGCHAIN), report(3, 1, 20, 190, OPENAI)]
    assert usage_by_model(spans)["gpt-4o-mini"].calls == 1


def test_nested_reports_still_keep_the_innermost() -> None:
    # An agent span with the sum of its two calls, each call reported by a framework and a client span.
    spans = [
        plain(1, 0),
        report(2, 1, 0, 1_000, "agent", prompt=62, completion=54, cached=22, thinking=14),
        report(3, 2, 10, 400, LANGCHAIN),
        report(4, 3, 20, 390, OPENAI),
        report(5, 2, 500, 900, LANGCHAIN),
        report(6, 5, 510, 890, OPENAI),
    ]
    assert set(counted_calls(spans)) == {4, 6}
    assert usage_by_model(spans) == {"gpt-4o-mini": TWO_CALLS}
