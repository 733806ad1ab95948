"""One request counted once: nested reports (innermost wins) and sibling reports of two instrumentations.

Pure tests over hand-built records; the framework tests show the same rules on
real spans (``test_langchain.py``).
"""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from datapizza_tracing.analysis.counting import counted_calls
from datapizza_tracing.analysis.summary import TokenUsage, usage_by_model
from datapizza_tracing.model.record import UNSET, SpanRecord

MS = 1_000_000
LANGCHAIN = "openinference.instrumentation.langchain"
OPENAI = "openinference.instrumentation.openai"
OTEL_OPENAI = "opentelemetry.instrumentation.openai.v1"
PYDANTIC_AI = "pydantic-ai"
MLFLOW = "mlflow.tracing.provider"
OURS = "datapizza_tracing"  # generation_span and record_usage


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
    extra: dict[str, Any] | None = None,
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
    attributes.update(extra or {})
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


def test_an_openinference_embedding_is_filed_under_its_model_also_inside_the_otel_span() -> None:
    embedding = {"embedding.model_name": "text-embedding-3-small", "llm.token_count.prompt": 77}
    inner = SpanRecord("CreateEmbeddings", 3, 2, 20 * MS, 190 * MS, UNSET, None, {**embedding})
    outer = report(2, 1, 10, 200, OTEL_OPENAI, model="text-embedding-3-small", prompt=77, completion=0,
                   cached=None, thinking=None, vocabulary="genai")  # fmt: skip
    assert usage_by_model([plain(1, 0), inner]) == {"text-embedding-3-small": TokenUsage(77, 0, 0, 0, 1)}
    assert usage_by_model([plain(1, 0), outer, inner]) == {
        "text-embedding-3-small": TokenUsage(77, 0, 0, 0, 1)
    }


ALIAS = {"gen_ai.response.model": "gpt-4o-mini-2024-07-18"}  # asked for "fast", a proxy's alias


def test_siblings_of_one_request_asked_by_an_alias_count_once_under_the_requested_model() -> None:
    langchain = report(2, 1, 10, 200, LANGCHAIN, model="gpt-4o-mini-2024-07-18")
    otel = report(3, 1, 20, 190, OTEL_OPENAI, model="fast", vocabulary="genai", extra=ALIAS)
    mlflow = SpanRecord(
        "Completions", 4, 1, 15 * MS, 195 * MS, UNSET, None,
        {
            "mlflow.llm.model": '"gpt-4o-mini-2024-07-18"',
            "mlflow.chat.tokenUsage": '{"input_tokens": 31, "output_tokens": 27, '
            '"cache_read_input_tokens": 11}',
        },
        scope=InstrumentationScope(MLFLOW),
    )  # fmt: skip
    assert usage_by_model([plain(1, 0), langchain, otel]) == {"fast": ONE_CALL}
    assert usage_by_model([plain(1, 0), mlflow, otel]) == {"fast": ONE_CALL}


def test_an_alias_answered_by_another_model_is_another_call() -> None:
    answered_by_gpt_4o = {"gen_ai.response.model": "gpt-4o-2024-08-06"}
    spans = [
        plain(1, 0),
        report(2, 1, 10, 200, LANGCHAIN, model="gpt-4o-mini-2024-07-18"),
        report(3, 1, 20, 190, OTEL_OPENAI, model="fast", vocabulary="genai", extra=answered_by_gpt_4o),
    ]
    assert len(counted_calls(spans)) == 2


def test_an_outer_report_of_the_same_request_lends_the_inner_one_its_missing_details() -> None:
    # pydantic-ai's chat span (thinking given) around the openai span of a streamed chat (no thinking).
    spans = [
        plain(1, 0),
        report(2, 1, 10, 200, PYDANTIC_AI, vocabulary="genai"),
        report(3, 2, 20, 190, OTEL_OPENAI, thinking=None, vocabulary="genai"),
    ]
    assert usage_by_model(spans) == {"gpt-4o-mini": ONE_CALL}
    assert set(counted_calls(spans)) == {3}


def test_a_total_over_several_calls_lends_them_no_details() -> None:
    spans = [
        plain(1, 0),
        report(2, 1, 0, 1_000, "agent", prompt=62, completion=54, cached=22, thinking=14),
        report(3, 2, 10, 400, OPENAI, thinking=None),
        report(4, 2, 500, 900, OPENAI, thinking=None),
    ]
    assert usage_by_model(spans) == {"gpt-4o-mini": TokenUsage(62, 54, 22, 0, 2)}


def test_a_users_report_around_calls_of_other_models_counts_with_them() -> None:
    # generation_span("answer", model="claude-sonnet-4-5") + record_usage, with an embedding lookup and
    # a guard-rail call on a small model inside it.
    answer = SpanRecord(
        "answer", 2, 1, 0, 1_000 * MS, UNSET, None,
        {"type": "generation", "model_name": "claude-sonnet-4-5", "prompt_tokens_used": 5000,
         "completion_tokens_used": 800, "cached_tokens_used": 4000},
        scope=InstrumentationScope(OURS),
    )  # fmt: skip
    embedding = report(3, 2, 10, 100, OTEL_OPENAI, model="text-embedding-3-small", prompt=77, completion=0,
                       cached=None, thinking=None, vocabulary="genai")  # fmt: skip
    guard = report(4, 2, 200, 400, OTEL_OPENAI, vocabulary="genai")
    usage = usage_by_model([plain(1, 0), answer, embedding, guard])
    assert usage == {
        "claude-sonnet-4-5": TokenUsage(5000, 800, 4000, 0, 1),
        "gpt-4o-mini": ONE_CALL,
        "text-embedding-3-small": TokenUsage(77, 0, 0, 0, 1),
    }


def test_an_agent_total_over_calls_of_its_model_and_another_is_not_counted_again() -> None:
    # An agent of gpt-4o-mini whose run also asked a small model: its total holds both calls.
    spans = [
        plain(1, 0),
        report(2, 1, 0, 1_000, "agent", prompt=62, completion=54, cached=22, thinking=14),
        report(3, 2, 10, 400, OPENAI),
        report(4, 2, 500, 900, OPENAI, model="gpt-4.1-nano"),
    ]
    assert set(counted_calls(spans)) == {3, 4}


def test_overlapping_reports_where_neither_holds_the_other_are_two_requests() -> None:
    # A pydantic-ai run and a LangChain call sent at the same time, with the same figures.
    spans = [
        plain(1, 0),
        report(2, 1, 10, 200, LANGCHAIN),
        report(3, 1, 30, 230, PYDANTIC_AI, vocabulary="genai"),
    ]
    assert usage_by_model(spans) == {"gpt-4o-mini": TWO_CALLS}


def test_reports_naming_different_responses_are_two_requests_even_one_inside_the_other() -> None:
    langchain_output = '{"generations": [], "llm_output": {"id": "chatcmpl-2", "model_name": "gpt-4o-mini"}}'
    spans = [
        plain(1, 0),
        report(2, 1, 10, 200, LANGCHAIN, extra={"output.value": langchain_output}),
        report(3, 1, 20, 190, PYDANTIC_AI, vocabulary="genai", extra={"gen_ai.response.id": "chatcmpl-1"}),
    ]
    assert usage_by_model(spans) == {"gpt-4o-mini": TWO_CALLS}
    same_id = [*spans[:2], report(3, 1, 20, 190, OTEL_OPENAI, vocabulary="genai",
                                  extra={"gen_ai.response.id": "chatcmpl-2"})]  # fmt: skip
    assert usage_by_model(same_id) == {"gpt-4o-mini": ONE_CALL}
    openai_output = '{"id": "chatcmpl-2", "object": "chat.completion"}'
    both_outputs = [spans[0], report(2, 1, 10, 200, LANGCHAIN, extra={"output.value": langchain_output}),
                    report(3, 1, 20, 190, OPENAI, extra={"output.value": openai_output})]  # fmt: skip
    assert usage_by_model(both_outputs) == {"gpt-4o-mini": ONE_CALL}


def test_a_sibling_of_a_users_own_report_is_another_request() -> None:
    # Our generation_span is always current: a request reported inside it nests; a sibling is another one.
    spans = [plain(1, 0), report(2, 1, 10, 200, OURS, vocabulary="genai"), report(3, 1, 11, 199, OTEL_OPENAI)]
    assert usage_by_model(spans) == {"gpt-4o-mini": TWO_CALLS}


def test_a_total_is_not_counted_again_over_a_call_of_its_model_deeper_down() -> None:
    # The agent's total (gpt-4o-mini) holds a call two levels down, under a report of another model.
    answer = report(
        3, 2, 10, 900, OURS, model="claude-sonnet-4-5", prompt=5000, completion=800, vocabulary="genai"
    )
    spans = [
        plain(1, 0),
        report(2, 1, 0, 1_000, "agent", prompt=5031, completion=827),
        answer,
        report(4, 3, 20, 400, OPENAI),
    ]
    assert set(counted_calls(spans)) == {3, 4}
