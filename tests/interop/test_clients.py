"""Real LLM client libraries, traced against the fake OpenAI API on loopback.

The summary must name the right model and show the exact token counts the API
returned, whichever library wrote the spans, and count each call once when two
instrumentations wrap it.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from datapizza_tracing import ContextTracing, TokenUsage
from tests.support.fake_openai import ANSWER, CHAT_USAGE, RESPONSES_USAGE, FakeOpenAI, Usage
from tests.support.scenario_process import run_client_scenario

CHAT_MODEL = "gpt-4o-mini"
RESPONSES_MODEL = "gpt-5-mini"
IO_KEYS = ("input", "output", "memory")


def one_call(usage: Usage, *, thinking: int | None = None) -> dict[str, int]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cached_tokens": usage.cached_tokens,
        "thinking_tokens": usage.reasoning_tokens if thinking is None else thinking,
        "calls": 1,
        "cache_write_tokens": 0,
    }


# -- 1. datapizza-ai's OpenAIClient (its own spans, in this process: nothing is patched) ----------
def _drive_datapizza(api: FakeOpenAI, call: str) -> None:
    from datapizza.clients.openai import OpenAIClient

    client = OpenAIClient(
        api_key="test-key", model=RESPONSES_MODEL, base_url=api.base_url, max_retries=0, timeout=20
    )
    if call == "invoke":
        assert client.invoke("Name a pizza.").text == ANSWER
    elif call == "stream_invoke":
        assert list(client.stream_invoke("Name a pizza."))[-1].text == ANSWER
    elif call == "a_invoke":
        assert asyncio.run(client.a_invoke("Name a pizza.")).text == ANSWER
    elif call == "a_stream_invoke":

        async def consume() -> list:
            return [response async for response in client.a_stream_invoke("Name a pizza.")]

        assert asyncio.run(consume())[-1].text == ANSWER


@pytest.mark.parametrize("client_io", [False, True], ids=["io-off", "io-on"])
@pytest.mark.parametrize("call", ["invoke", "stream_invoke", "a_invoke", "a_stream_invoke"])
def test_datapizza_client_tokens_and_opt_in_io(
    fake_api: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, call: str, client_io: bool
) -> None:
    if client_io:
        monkeypatch.setenv("DATAPIZZA_TRACE_CLIENT_IO", "true")

    with ContextTracing().trace(f"datapizza {call}") as handle:
        _drive_datapizza(fake_api, call)

    summary = handle.summary()
    assert summary.usage == {
        RESPONSES_MODEL: TokenUsage(
            prompt_tokens=42, completion_tokens=19, cached_tokens=16, thinking_tokens=5, calls=1
        )
    }
    assert summary.total_spans == 2  # the block's root + the client's generation span

    [generation] = [span for span in handle.get_spans() if span.attributes.get("type") == "generation"]
    assert generation.name == f"client.{call}"
    assert generation.attributes["model_name"] == RESPONSES_MODEL
    if client_io:
        assert generation.attributes["output"] == ANSWER
        assert "Name a pizza." in generation.attributes["input"]
        assert "memory" in generation.attributes
    else:
        assert not any(key in generation.attributes for key in IO_KEYS)

    [request] = fake_api.requests
    assert request.path == "/v1/responses"
    assert request.body["model"] == RESPONSES_MODEL
    assert request.body["stream"] is call.endswith("stream_invoke")


def test_fake_api_figures_are_the_ones_asserted() -> None:
    # The literal figures above are the fake API's; keep both in step.
    assert (RESPONSES_USAGE.prompt_tokens, RESPONSES_USAGE.completion_tokens) == (42, 19)
    assert (RESPONSES_USAGE.cached_tokens, RESPONSES_USAGE.reasoning_tokens) == (16, 5)
    assert (CHAT_USAGE.prompt_tokens, CHAT_USAGE.completion_tokens) == (31, 27)
    assert (CHAT_USAGE.cached_tokens, CHAT_USAGE.reasoning_tokens) == (11, 7)


# -- 2-4. the openai SDK under each instrumentation, sync/async/streaming (own process each) ------
INSTRUMENTED = [
    # scenario, span name, model, usage, thinking override
    ("otel_chat", "openai.chat", CHAT_MODEL, CHAT_USAGE, None),
    # opentelemetry-instrumentation-openai does not record reasoning tokens of streamed chats.
    ("otel_chat_stream", "openai.chat", CHAT_MODEL, CHAT_USAGE, 0),
    ("otel_async_chat", "openai.chat", CHAT_MODEL, CHAT_USAGE, None),
    ("otel_async_chat_stream", "openai.chat", CHAT_MODEL, CHAT_USAGE, 0),
    ("otel_responses", "openai.response", RESPONSES_MODEL, RESPONSES_USAGE, None),
    ("otel_responses_stream", "openai.response", RESPONSES_MODEL, RESPONSES_USAGE, None),
    ("otel_async_responses", "openai.response", RESPONSES_MODEL, RESPONSES_USAGE, None),
    ("openinference_chat", "ChatCompletion", CHAT_MODEL, CHAT_USAGE, None),
    ("openinference_chat_stream", "ChatCompletion", CHAT_MODEL, CHAT_USAGE, None),
    ("openinference_async_chat", "ChatCompletion", CHAT_MODEL, CHAT_USAGE, None),
    ("openinference_async_chat_stream", "ChatCompletion", CHAT_MODEL, CHAT_USAGE, None),
    ("openinference_responses", "Response", RESPONSES_MODEL, RESPONSES_USAGE, None),
    ("openinference_responses_stream", "Response", RESPONSES_MODEL, RESPONSES_USAGE, None),
    ("openinference_async_responses", "Response", RESPONSES_MODEL, RESPONSES_USAGE, None),
]


@pytest.mark.parametrize(
    ("scenario", "span_name", "model", "usage", "thinking"),
    INSTRUMENTED,
    ids=[row[0] for row in INSTRUMENTED],
)
def test_instrumented_openai_sdk(
    fake_api: FakeOpenAI, scenario: str, span_name: str, model: str, usage: Usage, thinking: int | None
) -> None:
    run = run_client_scenario(scenario, fake_api.base_url)

    assert run.usage == {model: one_call(usage, thinking=thinking)}
    assert run.result["total_spans"] == 2
    [llm_span] = run.spans_named(span_name)
    [root] = run.spans_named(scenario)
    assert llm_span["parent_id"] == root["span_id"]
    vocabulary = "gen_ai.usage.input_tokens" if scenario.startswith("otel") else "llm.token_count.prompt"
    assert llm_span["attributes"][vocabulary] == usage.prompt_tokens

    [request] = fake_api.requests
    assert request.body["model"] == model
    assert request.path == ("/v1/responses" if "responses" in scenario else "/v1/chat/completions")
    if "stream" in scenario:
        assert request.body["stream"] is True
    if "chat_stream" in scenario:  # chat streams carry usage only when asked to
        assert request.body["stream_options"]["include_usage"] is True


# -- 5. two instrumentations around one call: counted once ---------------------------------------
DOUBLE = [
    # scenario, model, usage, the two span names (outer, inner)
    ("both_instrumentors_chat", CHAT_MODEL, CHAT_USAGE, ("openai.chat", "ChatCompletion")),
    ("datapizza_and_openinference", RESPONSES_MODEL, RESPONSES_USAGE, ("client.invoke", "Response")),
    ("datapizza_and_opentelemetry", RESPONSES_MODEL, RESPONSES_USAGE, ("client.invoke", "openai.response")),
]


@pytest.mark.parametrize(("scenario", "model", "usage", "names"), DOUBLE, ids=[row[0] for row in DOUBLE])
def test_two_instrumentations_count_one_call_once(
    fake_api: FakeOpenAI, scenario: str, model: str, usage: Usage, names: tuple[str, str]
) -> None:
    run = run_client_scenario(scenario, fake_api.base_url)

    assert len(fake_api.requests) == 1
    assert run.usage == {model: one_call(usage)}
    # Both spans report the call's usage, one inside the other.
    spans = {span["span_id"]: span for span in run.result["spans"]}
    with_usage = [
        span
        for span in spans.values()
        if {"prompt_tokens_used", "gen_ai.usage.input_tokens", "llm.token_count.prompt"}
        & set(span["attributes"])
    ]
    assert len(with_usage) == 2, json.dumps(run.result["spans"], indent=1)
    by_name = {span["name"]: span for span in with_usage}
    # Which instrumentor wraps the other depends on the order they patched in; they must nest.
    first, second = (by_name[name] for name in names)
    assert first["parent_id"] == second["span_id"] or second["parent_id"] == first["span_id"]
