"""The decoder's fast path for plainly written spans: whatever it reads, the validated path reads the same.

``_plain_span`` reads the spans ``save()`` and the OpenTelemetry exporters
write without the validated path's checks per field, and leaves everything else
to ``_span``. Each span here is a saved span with one to three fields replaced
by the spellings and values files really hold or should be refused for.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from datapizza_tracing.storage.otlp_decode import OtlpShapeError, _attributes, _plain_span, _span
from tests.support.hostile import PROPERTY, json_values, valid_documents

RESOURCE = Resource({"service.name": "plain"})
SCOPE = InstrumentationScope("plain")

_IDS = (
    "",
    None,
    7,
    True,
    "0" * 32,
    "0" * 16,
    "-" + "f" * 31,
    "-" + "f" * 15,
    "0x" + "f" * 30,
    "0x" + "f" * 14,
    " " + "a" * 31,
    "a_" * 16,
    "a_" * 8,
    "g" * 32,
    "A" * 32,
    "F" * 16,
    "AAAAAAAAAAAAAAAAAAAAAA==",
    "AAAAAAAAAAE=",
    "1" * 33,
    "1" * 15,
)
_TIMES = (
    "",
    "0",
    "1",
    "-1",
    " 12",
    "1_000",
    "1e9",
    str(2**64),
    str(2**64 - 1),
    "9" * 21,
    1.0,
    10,
    True,
    None,
    "١٢٣",
)
_DELETED = object()
FIELD_VALUES: dict[str, tuple[Any, ...]] = {
    "traceId": _IDS,
    "spanId": _IDS,
    "parentSpanId": _IDS,
    "startTimeUnixNano": _TIMES,
    "endTimeUnixNano": _TIMES,
    "kind": (0, 1, 5, 6, -1, True, 1.0, "1", "SPAN_KIND_SERVER", None),
    "status": (
        {},
        None,
        [],
        0,
        {"code": 2},
        {"code": True},
        {"code": "STATUS_CODE_ERROR"},
        {"code": 3},
        {"code": -1},
        {"code": 1.0},
        {"code": 1, "message": 5},
        {"code": 0, "message": ""},
        {"message": "boom"},
    ),
    "attributes": (
        [],
        None,
        {},
        "x",
        0,
        [{"key": "a", "value": {"stringValue": "b"}}],
        [{"key": 1}],
        [{}],
        [{"key": "a"}],
        [{"key": "a", "value": {"intValue": "12"}}],
        [{"key": "a", "value": 3}],
        [{"key": "a", "value": {"stringValue": 5}}],
        [{"key": "a", "value": {"stringValue": None}}],
        [{"key": "a", "value": {"string_value": "s"}}],
        [{"key": "n", "value": {"intValue": "x"}}],
        [{"key": "d", "value": {"doubleValue": "NaN"}}],
        ["a"],
    ),
    "events": ([], None, {}, "", 0, [{}], [{"name": "e", "timeUnixNano": "5"}]),
    "links": ([], None, {}, "", [{"traceId": "a" * 32, "spanId": "b" * 16}]),
    "name": ("", None, 5, "a name", ["x"]),
}
# The snake_case spellings, which the validated path reads when the camelCase field is absent.
SNAKE_CASE = {
    "traceId": ("trace_id", "c" * 32),
    "spanId": ("span_id", "e" * 16),
    "parentSpanId": ("parent_span_id", "d" * 16),
    "startTimeUnixNano": ("start_time_unix_nano", "5"),
    "endTimeUnixNano": ("end_time_unix_nano", "123"),
}
EDITS = [
    *((field, value) for field, values in FIELD_VALUES.items() for value in (*values, _DELETED)),
    *((field, _DELETED, snake) for field, snake in SNAKE_CASE.items()),
]
PLAIN_SPAN = {
    "traceId": "0af7651916cd43dd8448eb211c80319c",
    "spanId": "00f067aa0ba902b7",
    "parentSpanId": "53995c3f42cd8ad8",
    "name": "llm call",
    "kind": 1,
    "startTimeUnixNano": "1700000000000000000",
    "endTimeUnixNano": "1700000000500000000",
    "attributes": [
        {"key": "type", "value": {"stringValue": "generation"}},
        {"key": "prompt_tokens_used", "value": {"intValue": "812"}},
    ],
    "status": {"code": 2, "message": "TimeoutError"},
}


def _edited(span: dict[str, Any], field: str, value: Any, snake: tuple[str, str] | None = None) -> dict:
    span = dict(span)
    if value is _DELETED:
        span.pop(field, None)
    else:
        span[field] = value
    if snake is not None:
        span[snake[0]] = snake[1]
    return span


def _validated(span: dict[str, Any]) -> Any:
    try:
        return _span(span, "span", RESOURCE, SCOPE)
    except OtlpShapeError:
        return "refused"


def _assert_same_when_read(span: dict[str, Any]) -> None:
    fast = _plain_span(span, RESOURCE, SCOPE)
    if fast is not None:
        validated = _validated(span)
        # repr: a NaN attribute is unequal to itself, its repr is not
        assert repr(fast) == repr(validated)
        assert [type(field) for field in fast] == [type(field) for field in validated]


def test_a_plain_span_takes_the_fast_path() -> None:
    fast = _plain_span(PLAIN_SPAN, RESOURCE, SCOPE)
    assert fast is not None
    assert fast.attributes == {"type": "generation", "prompt_tokens_used": 812}
    assert repr(fast) == repr(_span(PLAIN_SPAN, "span", RESOURCE, SCOPE))


@pytest.mark.parametrize("edit", EDITS, ids=repr)
def test_one_edited_field_reads_the_same_on_both_paths_or_is_left_to_the_validated_one(edit) -> None:
    _assert_same_when_read(_edited(PLAIN_SPAN, *edit))


@st.composite
def edited_spans(draw: st.DrawFn) -> dict[str, Any]:
    """A saved span with one to three fields replaced, by the values above or by any JSON, or deleted."""
    doc = draw(valid_documents())
    spans = [span for rs in doc["resourceSpans"] for scope in rs["scopeSpans"] for span in scope["spans"]]
    span = draw(st.sampled_from(spans))
    for field in draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), min_size=1, max_size=3, unique=True)):
        value = draw(st.one_of(st.sampled_from(FIELD_VALUES[field]), json_values, st.just(_DELETED)))
        snake = SNAKE_CASE.get(field) if value is _DELETED and draw(st.booleans()) else None
        span = _edited(span, field, value, snake)
    return span


@PROPERTY
@given(span=edited_spans())
def test_what_the_fast_path_reads_the_validated_path_reads_the_same(span: dict[str, Any]) -> None:
    _assert_same_when_read(span)


@PROPERTY
@given(doc=valid_documents())
def test_every_saved_span_without_events_or_links_takes_the_fast_path(doc: dict[str, Any]) -> None:
    for rs in doc["resourceSpans"]:
        for scope in rs["scopeSpans"]:
            for span in scope["spans"]:
                fast = _plain_span(span, RESOURCE, SCOPE)
                if span.get("events") or span.get("links"):
                    assert fast is None
                else:
                    assert fast is not None
                    assert repr(fast) == repr(_span(span, "span", RESOURCE, SCOPE))


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ({"stringValue": "text"}, "text"),
        ({"stringValue": "", "intValue": "3"}, ""),
        ({"stringValue": 5}, "5"),
        ({"stringValue": True}, "True"),
        ({"stringValue": None, "string_value": "snake"}, "snake"),
        ({"stringValue": None, "intValue": "12"}, 12),
        ({"string_value": "snake"}, "snake"),
    ],
)
def test_a_string_attribute_reads_as_the_validated_reader_reads_it(value: dict[str, Any], read: Any) -> None:
    assert _attributes([{"key": "k", "value": value}], "span") == {"k": read}
