"""Saved trace files mask secrets by default (they get shared like notebooks);
``mask_secrets=False`` keeps them."""

from __future__ import annotations

import base64
import json

from opentelemetry import trace
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Status, StatusCode

from datapizza_tracing import ContextTracing, load, record_usage
from datapizza_tracing.analysis.masking import MASK
from datapizza_tracing.model.record import SpanEvent
from datapizza_tracing.storage.files import save_snapshot
from tests.support.records import BASE_NS, snapshot, span

tracer = trace.get_tracer("tests.saved_secrets")

BASIC = base64.b64encode(b"app:SECRET-BASIC").decode()
SECRETS = {
    "key": "SECRET-API-KEY-VALUE",
    "bearer": "SECRETBEARERTOKEN0123456789",
    "url": "SECRET-DB-PASSWORD",
    "json": "SECRET-IN-CAPTURED-INPUT",
    "event": "SECRET-EVENT-PASSWORD",
    "aws": "AKIAZXCVBNMASDFGHJKL",
    "basic": BASIC,
}


def _traced_block():
    with ContextTracing().trace("secrets", display="off") as handle:
        with tracer.start_as_current_span("call") as span:
            record_usage(span, model="gpt-4o-mini", prompt_tokens=120, completion_tokens=30)
            span.set_attributes(
                {
                    "api_key": SECRETS["key"],
                    "http.request.header.authorization": (f"Bearer {SECRETS['bearer']}",),
                    "db.connection_string": f"postgres://orders:{SECRETS['url']}@db.internal/orders",
                    "input": json.dumps({"model": "gpt-4o-mini", "api_key": SECRETS["json"], "messages": []}),
                    "output": f"curl -H 'Authorization: Basic {BASIC}' https://api.example",
                    "gen_ai.usage.input_tokens": 120,
                }
            )
            span.add_event("login", {"password": SECRETS["event"], "attempt": 2})
            span.set_status(Status(StatusCode.ERROR, f"access denied for {SECRETS['aws']}"))
    return handle


def test_a_saved_file_holds_no_secret_by_default_and_loads_back_with_the_same_figures(tmp_path) -> None:
    handle = _traced_block()
    text = handle.save(tmp_path / "trace.json").read_text()
    for name, secret in SECRETS.items():
        assert secret not in text, name
    assert "db.internal/orders" in text and '"attempt"' in text

    loaded = load(tmp_path / "trace.json")
    assert loaded.summary().usage == handle.summary().usage
    assert loaded.summary().total_spans == handle.summary().total_spans


def test_mask_secrets_false_keeps_every_value_as_recorded(tmp_path) -> None:
    handle = _traced_block()
    text = handle.save(tmp_path / "raw.json", mask_secrets=False).read_text()
    for name, secret in SECRETS.items():
        assert secret in text, name
    spans = load(tmp_path / "raw.json").snapshot().spans
    assert any(span.attributes.get("api_key") == SECRETS["key"] for span in spans)


def test_a_loaded_file_with_a_secret_inside_a_nested_mapping_is_saved_masked(tmp_path) -> None:
    trace_id, root = "0af7651916cd43dd8448eb211c80319c", "0000000000000001"
    headers = {
        "kvlistValue": {
            "values": [
                {"key": "Authorization", "value": {"stringValue": f"Basic {BASIC}"}},
                {"key": "Accept", "value": {"stringValue": "text/csv"}},
            ]
        }
    }
    http = {"kvlistValue": {"values": [{"key": "headers", "value": headers}]}}
    document = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": trace_id,
                                "spanId": root,
                                "name": "request",
                                "startTimeUnixNano": "1",
                                "endTimeUnixNano": "2",
                                "attributes": [{"key": "http", "value": http}],
                            }
                        ]
                    }
                ]
            }
        ]
    }
    (tmp_path / "in.json").write_text(json.dumps(document))
    saved = load(tmp_path / "in.json").save(tmp_path / "out.json").read_text()
    assert BASIC not in saved and "text/csv" in saved
    (reloaded,) = load(tmp_path / "out.json").snapshot().spans
    assert reloaded.attributes["http"]["headers"]["Accept"] == "text/csv"


def test_a_saved_file_masks_block_notes_scope_attributes_and_event_names(tmp_path) -> None:
    key = "sk-proj-" + "N0TESECRET" * 3
    scope = InstrumentationScope("scope-x", "1.0", None, {"api_key": key, "scope.note": f"token={key}"})
    call = span(2, 1, 0, 1, "call", events=(SpanEvent(f"retry with Bearer {key}", BASE_NS, {"attempt": 2}),))
    notes = ("Phoenix at http://admin:hunter2-in-a-note@127.0.0.1:9 could not be read", f"api_key={key}")
    block = snapshot(span(1, 0, 0, 1), call._replace(scope=scope), notes=notes)

    text = save_snapshot(block, tmp_path / "trace.json").read_text()
    assert key[:12] not in text and "hunter2-in-a-note" not in text
    loaded = load(tmp_path / "trace.json").snapshot()
    assert loaded.notes[0].startswith("Phoenix at http://admin:" + MASK)
    (event,) = next(s for s in loaded.spans if s.name == "call").events
    assert event.name == "retry with " + MASK and event.attributes == {"attempt": 2}

    raw = save_snapshot(block, tmp_path / "raw.json", mask_secrets=False).read_text()
    assert raw.count(key) == 4 and "hunter2-in-a-note" in raw
