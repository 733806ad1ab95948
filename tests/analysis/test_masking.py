"""Secrets named by attribute keys are masked; token counts, which also say "token", are not."""

from __future__ import annotations

import base64
import json

import pytest

from datapizza_tracing.analysis.masking import MASK, Masker, scrub_text
from datapizza_tracing.model.record import ERROR, SpanEvent
from tests.support.html_check import assert_safe
from tests.support.records import BASE_NS, snapshot, span
from tests.support.rendering import notebook_bundle, report_html

# Credential-named keys of other spellings that were shown in clear before; the HTML test below puts each
# beside a value that stays visible.
KEYS_IN_CLEAR_BEFORE = (
    "APIToken",
    "passPhrase",
    "JWTToken",
    "authkey",
    "DB_PASS",
    "AZURE_OPENAI_KEY",
    "x-functions-key",
)
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
    *KEYS_IN_CLEAR_BEFORE,
    "http.request.header.x-functions-key",
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
    "key",
    "cache_key",
    "primary_key",
    "sort_key",
    "idempotency-key",
    "aws.s3.key",
    "feature_flag.key",
    "messaging.kafka.message.key",
    "public_key",
    "keyboard",
    "monkey",
    "passage",
    "compass",
    "bypass",
    "pass_rate",  # an evaluation's figures, not a credential
    "pass_at_1",
    "passes",
    "tokens_used",
    "prompt_tokens",
    "token_count",
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


BASIC = base64.b64encode(b"app:SECRET-BASIC-PASSWORD").decode()
AWS_KEY = "AKIAQWERTYUIOPASDFGH"
GOOGLE_KEY = "AIza" + "SyD-SECRETSECRETSECRETSECRET1234567"  # AIza + 35 characters


def _html_and_text(attributes: dict, message: str | None = None) -> tuple[str, str]:
    status = ERROR if message else 0
    snap = snapshot(span(1, 0, 0, 1), span(2, 1, 0, 1, attributes=attributes, status=status, message=message))
    bundle = notebook_bundle(snap)
    assert_safe(bundle["text/html"])
    return bundle["text/html"], bundle["text/plain"]


def test_a_secret_header_inside_a_nested_mapping_is_masked_and_its_siblings_kept() -> None:
    # A kvlistValue from a loaded file: {"headers": {"Authorization": "Basic …"}}.
    headers = {"Authorization": f"Basic {BASIC}", "Accept": "text/csv"}
    html, _ = _html_and_text({"http.request": {"headers": headers}})
    assert BASIC not in html and "text/csv" in html and MASK in html


def test_an_api_key_field_inside_captured_client_input_json_is_masked() -> None:
    messages = [{"role": "user", "content": "hi"}]
    captured = json.dumps({"model": "gpt-4o-mini", "api_key": "SECRET-IN-INPUT-JSON", "messages": messages})
    html, _ = _html_and_text({"input": captured, "other": json.dumps({"password": "SECRET-PW-JSON"})})
    assert "SECRET-IN-INPUT-JSON" not in html and "SECRET-PW-JSON" not in html
    assert "gpt-4o-mini" in html


def test_the_password_of_a_connection_string_is_masked_and_the_rest_of_it_kept() -> None:
    html, text = _html_and_text(
        {"db.connection_string": "postgresql+psycopg://orders_app:SECRET-DB-PASSWORD@db.internal:5432/orders"},
        message="could not connect to redis://:SECRET-REDIS-PASSWORD@cache:6379/0",
    )
    for output in (html, text):
        assert "SECRET-DB-PASSWORD" not in output and "SECRET-REDIS-PASSWORD" not in output
    assert "orders_app:" in html and "@db.internal:5432/orders" in html


def test_cloud_keys_and_basic_credentials_in_captured_output_are_masked_in_both_outputs() -> None:
    output = f"use {AWS_KEY} and {GOOGLE_KEY}; send Authorization: Basic {BASIC}"
    html, text = _html_and_text({"output": output}, message=f"denied for {AWS_KEY} with Basic {BASIC}")
    for output_text in (html, text):
        for secret in (AWS_KEY, GOOGLE_KEY, BASIC):
            assert secret not in output_text


@pytest.mark.parametrize(
    "text",
    [
        "a basic understanding of the bearer of news",
        "Basic principles apply",
        "https://example.com:8080/a@b",
        "max_tokens=512 and prompt_tokens: 12",
        "AuthenticationError: Incorrect API key provided",
        '{"model": "gpt-4o-mini", "tokens": 5}',
    ],
)
def test_text_without_credentials_is_left_as_it_is(text: str) -> None:
    assert scrub_text(text) == text


def test_extra_key_fragments_mask_fields_inside_text_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_MASK_KEYS", "ssn")
    masker = Masker()
    assert "123-45-6789" not in masker.scrub('{"patient_ssn": "123-45-6789", "name": "Ann"}')
    assert "Ann" in masker.scrub('{"patient_ssn": "123-45-6789", "name": "Ann"}')



def test_credential_keys_of_every_spelling_are_masked_in_html_and_lookup_keys_kept() -> None:
    attributes = {key: f"SECRET-VALUE-OF-{key}" for key in KEYS_IN_CLEAR_BEFORE}
    kept = {"cache_key": "user:42", "sort_key": "created_at", "prompt_tokens": 1234, "passage": "para 3"}
    html = report_html(snapshot(span(1, 0, 0, 1), span(2, 1, 0, 1, attributes={**attributes, **kept})))
    root = assert_safe(html)
    assert "SECRET-VALUE-OF" not in html
    rows = {row.children[0].all_text(): row.children[1].all_text() for row in root.iter("tr") if row.children}
    for key in KEYS_IN_CLEAR_BEFORE:
        assert MASK in rows[key]
    assert "user:42" in html and "created_at" in html and "1234" in html and "para 3" in html


def test_a_credential_in_the_first_query_parameter_of_a_url_is_masked() -> None:
    urls = {
        "url.full": "https://api.weather.example/v1/forecast?api_key=SECRET-FIRST-PARAM&city=Rome",
        "server.ws": "http://localhost:8000/ws?access_token=SECRET-WS-TOKEN",
        "note": "note: password=SECRET-NESTED-PAIR",
    }
    html, text = _html_and_text(urls, message="GET /forecast?api_key=SECRET-IN-STATUS&city=Rome failed")
    for output in (html, text):
        assert "SECRET" not in output
    assert f"/v1/forecast?api_key={MASK}&amp;city=Rome" in html
    assert f"localhost:8000/ws?access_token={MASK}" in html


def test_quoted_values_of_credential_fields_in_key_value_text_are_masked() -> None:
    code = 'connect(api_key = "SECRET-QUOTED-KEY", password=\'SECRET QUOTED PW\', city="Rome")'
    html, text = _html_and_text(
        {"code": code}, message='login failed: password="SECRET-IN-MESSAGE" user="ann"'
    )
    for output in (html, text):
        assert "SECRET" not in output
    assert f"api_key = &quot;{MASK}&quot;" in html and "city=&quot;Rome&quot;" in html
    assert "user=&quot;ann&quot;" in html or 'user="ann"' in html


def test_a_value_cut_at_a_limit_is_scrubbed_before_the_cut() -> None:
    masker = Masker(())
    basic = base64.b64encode(b"admin:CorrectHorseBatteryStaple").decode()
    text = "y" * 380 + " Basic " + basic + " tail"
    assert masker.head(text, 400) == ("y" * 380 + " Basic " + MASK[:13], len(text) - 400)
    # Masks that shorten the window far below the cut: the whole text is scrubbed, nothing of a cut shown.
    long_secrets = " ".join(f"password={'p' * 5_000}" for _ in range(3)) + " Basic " + basic
    shown, _ = masker.head(long_secrets, 400)
    assert "p" * 20 not in shown and basic[:4] not in shown and shown.endswith(" Basic " + MASK)
