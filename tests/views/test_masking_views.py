"""Every text a render shows is masked by the render's rule: traceback source lines, conversation messages,
tool-call arguments, exception and status messages, and values cut at a display limit."""

from __future__ import annotations

import base64
import json
import time

import pytest

from datapizza_tracing.analysis.masking import MASK
from datapizza_tracing.model.record import ERROR, SpanEvent
from tests.support.html_check import assert_safe
from tests.support.records import BASE_NS, snapshot, span
from tests.support.rendering import notebook_bundle, report_html, terminal_text

SK_KEY = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345"
STACK = f"""Traceback (most recent call last):
  File "/home/ann/project/agent.py", line 12, in make_client
    return connect(api_key="{SK_KEY}", password="hunter2-very-secret", city="Rome")
  File "/home/ann/project/agent.py", line 3, in connect
    raise PermissionError("401 Unauthorized")
PermissionError: 401 Unauthorized
"""


def _exception(message: str, stacktrace: str = "") -> SpanEvent:
    attributes = {"exception.type": "PermissionError", "exception.message": message}
    return SpanEvent("exception", BASE_NS, {**attributes, "exception.stacktrace": stacktrace})


def _failed(message: str, stacktrace: str = "", attributes: dict | None = None):
    failed = span(
        2, 1, 0, 1, "setup", status=ERROR, message=message,
        attributes=attributes, events=(_exception(message, stacktrace),),
    )  # fmt: skip
    return snapshot(span(1, 0, 0, 1), failed)


def test_credentials_on_a_traceback_source_line_are_masked_in_the_errors_and_the_span_details() -> None:
    bundle = notebook_bundle(_failed("401 Unauthorized", STACK))
    html = bundle["text/html"]
    assert_safe(html)
    for output in (html, bundle["text/plain"]):
        assert SK_KEY[:12] not in output and "hunter2-very-secret" not in output
    assert html.count("return connect(api_key=") >= 2  # the errors section and the span's details
    assert "city=&quot;Rome&quot;" in html or 'city="Rome"' in html
    assert MASK in html


def test_extra_mask_keys_mask_fields_in_messages_tool_calls_exceptions_and_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_MASK_KEYS", "ssn")
    said = [{"role": "user", "parts": [{"type": "text", "content": "my ssn=333-33-3333 city=Rome"}]}]
    call = {"type": "tool_call", "name": "lookup", "arguments": {"ssn": "444-44-4444", "city": "Rome"}}
    chat = {
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.input.messages": json.dumps(said),
        "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [call]}]),
    }
    failed = span(
        3, 1, 0, 1, "fail", status=ERROR, message="status ssn=666-66-6666 city=Rome",
        events=(_exception("lookup failed for ssn=555-55-5555 city=Rome"),),
    )  # fmt: skip
    bundle = notebook_bundle(snapshot(span(1, 0, 0, 1), span(2, 1, 0, 1, "chat", attributes=chat), failed))
    html = bundle["text/html"]
    assert_safe(html)
    for output in (html, bundle["text/plain"]):
        for value in ("333-33-3333", "444-44-4444", "555-55-5555", "666-66-6666"):
            assert value not in output
    talk = [message.all_text() for message in assert_safe(html).iter("div", "dpt-msg")]
    assert f"my ssn={MASK} city=Rome" in talk[0]
    assert "tool call lookup" in talk[1] and "Rome" in talk[1] and MASK in talk[1]
    assert f"lookup failed for ssn={MASK} city=Rome" in html and f"status ssn={MASK} city=Rome" in html


BASIC = base64.b64encode(b"admin:CorrectHorseBatteryStaple-" + b"x" * 60).decode()


def _value_cells(html: str) -> list[str]:
    return [pre.all_text() for pre in assert_safe(html).iter("pre", "dpt-val")]


def test_a_credential_straddling_the_display_cut_of_a_value_shows_no_part_of_itself() -> None:
    attributes = {"log.straddling": "y" * 350 + " Basic " + BASIC, "log.key": "z" * 390 + " " + SK_KEY}
    event = SpanEvent("request", BASE_NS, {"header": "w" * 380 + " Bearer " + "T0KEN" * 10})
    html = report_html(snapshot(span(1, 0, 0, 1), span(2, 1, 0, 1, attributes=attributes, events=(event,))))
    assert BASIC[:12] not in html and SK_KEY[:10] not in html and "T0KEN" not in html
    values = _value_cells(html)
    assert any(value.startswith("y" * 350 + " Basic " + MASK) for value in values)
    assert "z" * 390 + " " + MASK[:9] in values  # the mask cut at 400 characters, the key nowhere


def test_a_key_straddling_the_cut_of_a_conversation_message_shows_no_part_of_itself() -> None:
    key = "sk-proj-Q7wErTy9UiOp" + "A" * 30
    basic = base64.b64encode(b"admin:CorrectHorseBatteryStaple").decode()
    said = [
        {"role": "user", "parts": [{"type": "text", "content": "z" * 1986 + " " + key + " tail"}]},
        {"role": "user", "parts": [{"type": "text", "content": "v" * 1970 + " Basic " + basic}]},
    ]
    attributes = {"gen_ai.request.model": "gpt-4o-mini", "gen_ai.input.messages": json.dumps(said)}
    html = report_html(snapshot(span(1, 0, 0, 1), span(2, 1, 0, 1, attributes=attributes)))
    talk = [message.all_text() for message in assert_safe(html).iter("div", "dpt-msg")]
    assert "sk-proj" not in html and "Q7wE" not in html and basic[:8] not in html
    assert "z" * 1986 + " •••" in talk[0] and "v" * 1970 + " Basic •••" in talk[1]


def test_a_multi_megabyte_value_with_credentials_still_renders_fast_and_masked() -> None:
    value = ("note password=hunter2 city=Rome " * 170_000)[:5_000_000]
    attributes = {"input": value, "output": "Authorization: Basic " + BASIC + " " + "q" * 5_000_000}
    snap = snapshot(span(1, 0, 0, 1), span(2, 1, 0, 1, attributes=attributes))
    started = time.perf_counter()
    html = report_html(snap)
    assert time.perf_counter() - started < 1.0
    assert "hunter2" not in html and BASIC[:12] not in html and "city=Rome" in html


def test_block_notes_and_event_names_are_masked_in_the_terminal_and_the_notebook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_MASK_KEYS", "ssn")
    notes = (
        "Phoenix at http://admin:hunter2-in-a-note@127.0.0.1:9 failed",
        f"api_key={SK_KEY} ssn=123-45-6789",
    )
    event = SpanEvent(f"retry with Bearer {SK_KEY}", BASE_NS, {"attempt": 2})
    snap = snapshot(span(1, 0, 0, 1), span(2, 1, 0, 1, events=(event,)), notes=notes)
    bundle = notebook_bundle(snap)
    assert_safe(bundle["text/html"])
    for output in (terminal_text(snap, width=200), bundle["text/html"], bundle["text/plain"]):
        assert SK_KEY[:12] not in output and "hunter2-in-a-note" not in output and "123-45-6789" not in output
        assert "http://admin:" + MASK in output
    assert "event retry with " + MASK in bundle["text/html"]
