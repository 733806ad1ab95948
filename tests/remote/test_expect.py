"""Which client calls the end of a block waits for: own services that have not answered, never model calls."""

from __future__ import annotations

from opentelemetry.trace import SpanKind

from datapizza_tracing.remote.expect import unanswered_calls
from tests.support.records import span


def _client(span_id: int, parent_id: int, host: str, **attributes: object):
    return span(
        span_id, parent_id, 0, 1, f"call {span_id}", attributes={"server.address": host, **attributes}
    )._replace(kind=SpanKind.CLIENT)


def test_calls_to_own_services_without_an_answer_are_waited_for() -> None:
    spans = [
        span(1, 0, 0, 2, "block"),
        _client(2, 1, "127.0.0.1"),  # no span below it yet: waited for
        _client(3, 1, "inventory"),  # a compose service, answered below
        span(4, 3, 0, 1, "GET /items"),
        _client(5, 1, "api.openai.com"),  # a public API never answers
        _client(6, 1, "10.0.0.7"),
    ]
    assert unanswered_calls(spans) == {2, 6}


def test_a_model_call_to_a_local_server_is_not_waited_for() -> None:
    # A local Ollama or vLLM: the instrumented client's span and the HTTP call inside it never answer.
    spans = [
        span(1, 0, 0, 2, "block"),
        _client(2, 1, "127.0.0.1", **{"gen_ai.request.model": "llama3"}),
        _client(3, 2, "localhost", **{"url.full": "http://localhost:11434/v1/chat/completions"}),
        _client(4, 1, "127.0.0.1", **{"gen_ai.usage.input_tokens": 5, "gen_ai.usage.output_tokens": 1}),
        _client(5, 1, "127.0.0.1"),  # an own service beside them still is
    ]
    assert unanswered_calls(spans) == {5}
