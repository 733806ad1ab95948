"""Secrets named by attribute keys are masked; token counts, which also say "token", are not."""

from __future__ import annotations

import pytest

from datapizza_tracing.model.record import ERROR, SpanEvent
from datapizza_tracing.views.masking import MASK, Masker, scrub_text
from tests.support.html_check import assert_safe
from tests.support.records import BASE_NS, snapshot, span
from tests.support.rendering import notebook_bundle, report_html

SECRET_KEYS = [
    "authorization",
    "http.request.header.authorization",
    "Proxy-Authorization",
    "api_key",
    "OPENAI_API_KEY",
    "apiKey",
    "x-api-key",
    "password",
    "db.password",
    "cookie",
    "http.response.header.set-cookie",
    "access_token",
    "refreshToken",
    "x-auth-token",
    "token",
    "client_secret",
    "bearer",
    "aws.secret_access_key",
    "credentials",
]
COUNT_KEYS = [
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.request.max_tokens",
    "prompt_tokens_used",
    "completion_tokens_used",
    "cached_tokens_used",
    "thinking_tokens_used",
    "llm.token_count.prompt",
    "llm.token_count.completion",
    "llm.token_count.completion_details.reasoning",
    "max_tokens",
    "cache.key",
    "author",
    "model_name",
    "input",
    "output",
]


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_secret_keys_are_masked(key: str) -> None:
    assert Masker(()).is_secret_key(key)


@pytest.mark.parametrize("key", COUNT_KEYS)
def test_token_counts_and_ordinary_keys_are_not(key: str) -> None:
    assert not Masker(()).is_secret_key(key)


def test_extra_key_fragments_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_MASK_KEYS", "customer_email, SSN")
    masker = Masker()
    assert masker.is_secret_key("user.customer_email") and masker.is_secret_key("patient.ssn")
    assert not masker.is_secret_key("user.name")


def test_credentials_inside_text_are_scrubbed() -> None:
    text = "headers: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig key=sk-proj-abcdefghijklmnop1234"
    scrubbed = scrub_text(text)
    assert "eyJhbGciOiJIUzI1NiJ9" not in scrubbed and "sk-proj-abcdefghijklmnop1234" not in scrubbed
    assert scrubbed.count(MASK) == 2
    assert scrub_text("a basic bearer of news") == "a basic bearer of news"


def test_rendered_html_masks_secret_values_and_keeps_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_MASK_KEYS", "internal_id")
    attributes = {
        "http.request.header.authorization": "Bearer SECRET-AUTH-VALUE-123456",
        "api_key": "SECRET-API-KEY-VALUE",
        "password": "SECRET-PASSWORD-VALUE",
        "cookie": "session=SECRET-COOKIE-VALUE",
        "tenant.internal_id": "SECRET-EXTRA-VALUE",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 123457,
        "gen_ai.usage.output_tokens": 765,
        "prompt_tokens_used": 4242,
        "llm.token_count.prompt": 9191,
        "input": "call with Bearer SECRET-IN-TEXT-abcdefghijklmnop",
    }
    event = SpanEvent("request", BASE_NS, {"x-api-key": "SECRET-EVENT-VALUE", "retry": 2})
    html = report_html(snapshot(span(1, 0, 0, 1), span(2, 1, 0, 1, attributes=attributes, events=(event,))))
    assert "SECRET" not in html
    assert html.count(MASK) >= 7
    values = [pre.all_text() for pre in assert_safe(html).iter("pre", "dpt-val")]
    for count in ("123457", "765", "4242", "9191"):
        assert count in values
    assert "retry=2" in html


def test_credentials_in_error_messages_are_masked_in_html_and_text() -> None:
    message = "AuthenticationError: Incorrect API key provided: sk-proj-SECRETabcdefghijklmnop"
    bundle = notebook_bundle(
        snapshot(span(1, 0, 0, 1), span(2, 1, 0, 1, name="call", status=ERROR, message=message))
    )
    for mime in ("text/html", "text/plain"):
        assert "SECRETabcdefghijklmnop" not in bundle[mime]
        assert "Incorrect API key provided:" in bundle[mime]
