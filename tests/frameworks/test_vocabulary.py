"""Which attributes are read: every spelling in the vocabulary table, as the instrumentations write it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from datapizza_tracing.analysis.cost import ModelPrice, cost_breakdown
from datapizza_tracing.analysis.summary import TokenUsage
from datapizza_tracing.analysis.vocabulary import USAGE_KEYS, VOCABULARIES, LlmCall, llm_call, model_name

LOGFIRE_CHAT_RAW = {
    "completion_tokens": 27, "prompt_tokens": 31, "total_tokens": 58,
    "completion_tokens_details": {"audio_tokens": 0, "reasoning_tokens": 7},
    "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 11},
}  # fmt: skip
LOGFIRE_RESPONSES_RAW = {
    "input_tokens": 42, "input_tokens_details": {"cached_tokens": 16},
    "output_tokens": 19, "output_tokens_details": {"reasoning_tokens": 5}, "total_tokens": 61,
}  # fmt: skip
ANTHROPIC_RAW = {
    "input_tokens": 20,
    "output_tokens": 30,
    "cache_read_input_tokens": 100,
    "cache_creation_input_tokens": 50,
}

CASES: list[tuple[str, dict[str, Any], LlmCall]] = [
    ("datapizza-ai client", {
        "model_name": "gpt-5-mini", "prompt_tokens_used": 42, "completion_tokens_used": 19,
        "cached_tokens_used": 16, "thinking_tokens_used": 5,
    }, LlmCall("gpt-5-mini", 42, 19, 16, 5)),
    ("OTel GenAI, current names", {
        "gen_ai.request.model": "gpt-5", "gen_ai.usage.input_tokens": 120, "gen_ai.usage.output_tokens": 45,
        "gen_ai.usage.cache_read.input_tokens": 64, "gen_ai.usage.reasoning.output_tokens": 20,
    }, LlmCall("gpt-5", 120, 45, 64, 20)),
    ("OTel GenAI, deprecated names", {
        "gen_ai.response.model": "gpt-4.1", "gen_ai.usage.prompt_tokens": 80, "gen_ai.usage.completion_tokens": 15,
    }, LlmCall("gpt-4.1", 80, 15, 0, 0)),
    ("OpenLLMetry before semconv-ai 0.5", {
        "gen_ai.request.model": "o3", "gen_ai.usage.prompt_tokens": 80, "gen_ai.usage.completion_tokens": 40,
        "gen_ai.usage.cache_read_input_tokens": 30, "llm.usage.reasoning_tokens": 12,
    }, LlmCall("o3", 80, 40, 30, 12)),
    ("OpenLLMetry reasoning", {
        "gen_ai.request.model": "o3", "gen_ai.usage.input_tokens": 80, "gen_ai.usage.output_tokens": 40,
        "gen_ai.usage.reasoning_tokens": 12,
    }, LlmCall("o3", 80, 40, 0, 12)),
    ("pydantic-ai model request", {
        "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 31, "gen_ai.usage.output_tokens": 27,
        "gen_ai.usage.details.reasoning_tokens": 7, "gen_ai.usage.details.cache_read_tokens": 11,
    }, LlmCall("gpt-4o-mini", 31, 27, 11, 7)),
    ("pydantic-ai with Anthropic cache writes", {
        "gen_ai.request.model": "claude-sonnet-4-5", "gen_ai.usage.input_tokens": 170,
        "gen_ai.usage.output_tokens": 30, "gen_ai.usage.cache_read.input_tokens": 100,
        "gen_ai.usage.cache_creation.input_tokens": 50, "gen_ai.usage.details.cache_write_tokens": 50,
    }, LlmCall("claude-sonnet-4-5", 170, 30, 100, 0, 50)),
    ("OpenLLMetry Anthropic (old cache names)", {
        "gen_ai.request.model": "claude-3-5-haiku", "gen_ai.usage.prompt_tokens": 170,
        "gen_ai.usage.completion_tokens": 30, "gen_ai.usage.cache_read_input_tokens": 100,
        "gen_ai.usage.cache_creation_input_tokens": 50,
    }, LlmCall("claude-3-5-haiku", 170, 30, 100, 0, 50)),
    ("logfire OpenAI chat (gen_ai.usage.raw)", {
        "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 31, "gen_ai.usage.output_tokens": 27,
        "gen_ai.usage.raw": json.dumps(LOGFIRE_CHAT_RAW),
    }, LlmCall("gpt-4o-mini", 31, 27, 11, 7)),
    ("logfire OpenAI Responses (gen_ai.usage.raw)", {
        "gen_ai.request.model": "gpt-5-mini", "gen_ai.usage.input_tokens": 42, "gen_ai.usage.output_tokens": 19,
        "gen_ai.usage.raw": json.dumps(LOGFIRE_RESPONSES_RAW),
    }, LlmCall("gpt-5-mini", 42, 19, 16, 5)),
    ("logfire Anthropic (gen_ai.usage.raw)", {
        "gen_ai.request.model": "claude-haiku-4-5", "gen_ai.usage.input_tokens": 170,
        "gen_ai.usage.output_tokens": 30, "gen_ai.usage.raw": json.dumps(ANTHROPIC_RAW),
    }, LlmCall("claude-haiku-4-5", 170, 30, 100, 0, 50)),
    ("OpenInference (openai, openai-agents, LangChain)", {
        "llm.model_name": "gpt-5-mini", "llm.token_count.prompt": 42, "llm.token_count.completion": 19,
        "llm.token_count.prompt_details.cache_read": 16, "llm.token_count.completion_details.reasoning": 5,
    }, LlmCall("gpt-5-mini", 42, 19, 16, 5)),
    ("OpenInference Anthropic", {
        "llm.model_name": "claude-sonnet-4-5", "llm.token_count.prompt": 170, "llm.token_count.completion": 30,
        "llm.token_count.prompt_details.cache_read": 100, "llm.token_count.prompt_details.cache_write": 50,
    }, LlmCall("claude-sonnet-4-5", 170, 30, 100, 0, 50)),
    ("OpenInference cache_input", {
        "llm.model_name": "gpt-4o", "llm.token_count.prompt": 40, "llm.token_count.completion": 4,
        "llm.token_count.prompt_details.cache_input": 32,
    }, LlmCall("gpt-4o", 40, 4, 32, 0)),
    ("MLflow (JSON attributes)", {
        "mlflow.llm.model": '"gpt-4o-mini"',
        "mlflow.chat.tokenUsage": json.dumps(
            {"input_tokens": 31, "output_tokens": 27, "total_tokens": 58, "cache_read_input_tokens": 11}
        ),
    }, LlmCall("gpt-4o-mini", 31, 27, 11, 0)),
    ("Anthropic's own semantics: input without the cached parts", {
        "gen_ai.request.model": "claude-sonnet-4-5", "gen_ai.usage.input_tokens": 20,
        "gen_ai.usage.output_tokens": 30, "gen_ai.usage.cache_read.input_tokens": 100,
        "gen_ai.usage.cache_creation.input_tokens": 50,
    }, LlmCall("claude-sonnet-4-5", 170, 30, 100, 0, 50)),
]  # fmt: skip


@pytest.mark.parametrize(
    "attributes, expected", [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_each_spelling_is_read_with_openai_semantics(attributes: dict[str, Any], expected: LlmCall) -> None:
    assert llm_call(attributes) == expected


def test_spans_that_report_no_call() -> None:
    assert llm_call({}) is None
    assert llm_call({"http.method": "POST", "model_name": "gpt-4o"}) is None
    # pydantic-ai's agent-run totals are not a call.
    assert (
        llm_call({"gen_ai.aggregated_usage.input_tokens": 62, "gen_ai.aggregated_usage.output_tokens": 54})
        is None
    )


def test_the_fast_check_knows_every_key_that_announces_a_call() -> None:
    for vocabulary in VOCABULARIES:
        assert set(vocabulary.token_keys) <= USAGE_KEYS, vocabulary.name
    # A broken raw JSON loses only the figures it would have given.
    broken = {"gen_ai.request.model": "m", "gen_ai.usage.input_tokens": 5, "gen_ai.usage.raw": "{not json"}
    assert llm_call(broken) == LlmCall("m", 5, 0, 0, 0)


def test_model_names_from_json_encoded_mlflow_attributes() -> None:
    assert model_name({"mlflow.llm.model": '"gpt-4o-mini"'}) == "gpt-4o-mini"


def test_cache_writes_are_priced_apart_from_reads_and_plain_input() -> None:
    # claude-sonnet-4-5: input 3.00, cache read 0.30, cache write 3.75, output 15.00 per million.
    usage = TokenUsage(prompt_tokens=1_700_000, completion_tokens=100_000, cached_tokens=1_000_000, calls=1,
                       cache_write_tokens=500_000)  # fmt: skip
    cost = cost_breakdown({"claude-sonnet-4-5": usage}).per_model["claude-sonnet-4-5"]
    assert cost == pytest.approx(0.2 * 3.00 + 1.0 * 0.30 + 0.5 * 3.75 + 0.1 * 15.00)
    # A price without a cache-write figure bills writes as plain input.
    plain = ModelPrice(input=1.0, cached_input=0.5, output=2.0)
    assert plain.cost(TokenUsage(1_000_000, 0, 0, 0, 1, 400_000)) == pytest.approx(1.0)


def test_a_price_file_entry_may_give_a_cache_write_price(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"house-claude": {"input": 2.0, "cache_write_input": 2.5, "output": 4.0}}))
    monkeypatch.setenv("DATAPIZZA_TRACING_PRICES", str(prices))
    usage = TokenUsage(1_000_000, 0, 0, 0, 1, 1_000_000)
    assert cost_breakdown({"house-claude": usage}).per_model["house-claude"] == pytest.approx(2.5)
