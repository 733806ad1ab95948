"""OTLP JSON → ``SpanRecord``s, validated field by field.

Reads the protobuf JSON mapping of an ``ExportTraceServiceRequest``, also the
``snake_case`` field names and enum names protobuf JSON parsers accept, and the
``instrumentationLibrarySpans`` of OTLP before 0.15. Whatever is wrong is
raised as ``OtlpShapeError`` naming the place in the document.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, TraceFlags

from ..model.record import SpanEvent, SpanRecord

_STATUS_NAMES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
_KIND_NAMES = {
    "SPAN_KIND_UNSPECIFIED": 0,
    "SPAN_KIND_INTERNAL": 1,
    "SPAN_KIND_SERVER": 2,
    "SPAN_KIND_CLIENT": 3,
    "SPAN_KIND_PRODUCER": 4,
    "SPAN_KIND_CONSUMER": 5,
}


class OtlpShapeError(ValueError):
    """A problem at one place of an OTLP document (``where`` is the place, ``problem`` what is wrong)."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}" if where else problem)


def _field(obj: Mapping[str, Any], camel: str, snake: str, default: Any = None) -> Any:
    value = obj.get(camel)
    return obj.get(snake, default) if value is None else value


def _list(obj: Mapping[str, Any], camel: str, snake: str, where: str) -> list[Any]:
    value = _field(obj, camel, snake, [])
    if not isinstance(value, list):
        raise OtlpShapeError(where, f"{camel!r} must be a list, found {type(value).__name__}")
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if type(value) is dict:  # what json gives: skip the slower ABC check
        return value
    if not isinstance(value, Mapping):
        raise OtlpShapeError(where, f"expected a JSON object, found {type(value).__name__}")
    return value


# OTLP integers are 64-bit (20 digits at most). Longer ones are refused before Python converts them,
# which for thousands of digits is slow or, past sys.get_int_max_str_digits(), a bare ValueError.
MAX_DIGITS = 40
_MAX_BITS = 133  # 2**133 has 41 digits: an int any wider came from a float or a caller, never from OTLP
_TIME_LIMIT = 2**64  # fixed64 nanoseconds since the epoch
MAX_VALUE_DEPTH = 32  # arrays and kvlists inside each other; producers nest a few levels at most


class LongNumber:
    """A JSON number literal too long to convert, kept so the error can name where it stood."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<a number of {self.digits:,} digits>"


def json_int(literal: str) -> int | LongNumber:
    """``json.loads``'s ``parse_int``: Python's ``int`` for what OTLP can hold, a marker for the rest."""
    return int(literal) if len(literal) <= MAX_DIGITS + 1 else LongNumber(len(literal.lstrip("-")))


def _shown(value: Any) -> str:
    """``repr(value)``, cut so that an error message stays one readable line."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}… ({len(text):,} characters)"


def _int(value: Any, where: str, what: str) -> int:
    number: int | None = None
    if isinstance(value, str):  # first: how OTLP JSON writes 64-bit integers
        if len(value) <= MAX_DIGITS + 1 or len(value.strip()) <= MAX_DIGITS + 1:
            try:
                number = int(value)
            except ValueError:
                pass
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if number is None:
        raise OtlpShapeError(where, f"{what} must be an integer, found {_shown(value)}")
    if number.bit_length() > _MAX_BITS:
        raise OtlpShapeError(where, f"{what} {_shown(value)} has more digits than an OTLP integer")
    return number


def _time(value: Any, where: str, what: str) -> int:
    """Nanoseconds since the epoch: OTLP's unsigned 64-bit ``fixed64``."""
    number = _int(value, where, what)
    if not 0 <= number < _TIME_LIMIT:
        raise OtlpShapeError(where, f"{what} {number} is outside 0 to 2**64 - 1 nanoseconds")
    return number


def _id(value: Any, size: int, where: str, what: str, required: bool) -> int:
    """A trace id (16 bytes) or span id (8 bytes): hex as OTLP JSON says, base64 as some producers write.

    All zeros is W3C's invalid id: as a parent it means "no parent", as a span's own id it is refused.
    """
    if value in (None, ""):
        if required:
            raise OtlpShapeError(where, f"{what} is missing")
        return 0
    number: int | None = None
    if isinstance(value, str):
        number = _hex_id(value, size)
        if number is None:
            try:
                raw = base64.b64decode(value, validate=True)
            except ValueError:
                raw = b""
            if len(raw) == size:
                number = int.from_bytes(raw, "big")
    if number is None:
        raise OtlpShapeError(where, f"{what} {_shown(value)} is not {size * 2} hex digits")
    if number == 0 and required:
        raise OtlpShapeError(where, f"{what} is all zeros, which OTLP calls invalid")
    return number


def _hex_id(text: str, size: int) -> int | None:
    """An id written as exactly ``2 * size`` hex digits, or ``None``.

    ``int(text, 16)`` would also take a sign, a ``0x``, underscores and spaces:
    a "-ff…" span id would load as a negative number.
    """
    if len(text) != size * 2:
        return None
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return None
    return int.from_bytes(raw, "big") if len(raw) == size else None  # fromhex skips spaces


class _TooDeep(OtlpShapeError):
    """Values nested past ``MAX_VALUE_DEPTH``: named once, at the outermost attribute."""


def _value(value: Any, where: str, depth: int = 0) -> Any:
    if value is None:  # protobuf's JSON reads a null field as one not set: no value
        return None
    value = _object(value, where)
    text = value.get("stringValue")
    if type(text) is str:  # the common cases first: one lookup each
        return text
    number = value.get("intValue")
    if number is not None:
        return _int(number, where, "intValue")
    if None in value.values():  # {"stringValue": null}: unset, as protobuf reads it, not the text "None"
        value = {key: field for key, field in value.items() if field is not None}
    if "stringValue" in value or "string_value" in value:
        return str(_field(value, "stringValue", "string_value"))
    if "boolValue" in value or "bool_value" in value:
        flag = _field(value, "boolValue", "bool_value")
        if isinstance(flag, bool):
            return flag
        if flag in ("true", "false"):  # some protobuf JSON writers quote booleans
            return flag == "true"
        raise OtlpShapeError(where, f"boolValue must be true or false, found {_shown(flag)}")
    if "intValue" in value or "int_value" in value:
        return _int(_field(value, "intValue", "int_value"), where, "intValue")
    if "doubleValue" in value or "double_value" in value:
        raw = _field(value, "doubleValue", "double_value")
        try:
            return float(raw)  # also "NaN", "Infinity", "-Infinity"
        except (TypeError, ValueError):
            raise OtlpShapeError(where, f"doubleValue must be a number, found {_shown(raw)}") from None
    if depth >= MAX_VALUE_DEPTH and any(
        key in value for key in ("arrayValue", "array_value", "kvlistValue", "kvlist_value")
    ):
        raise _TooDeep(where, f"attribute values nested more than {MAX_VALUE_DEPTH} levels deep")
    if "arrayValue" in value or "array_value" in value:
        array = _object(_field(value, "arrayValue", "array_value"), where)
        items = array.get("values", [])
        if not isinstance(items, list):
            raise OtlpShapeError(where, "arrayValue.values must be a list")
        return tuple(_value(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(items))
    if "kvlistValue" in value or "kvlist_value" in value:
        kvlist = _object(_field(value, "kvlistValue", "kvlist_value"), where)
        return _attributes(kvlist.get("values", []), where, depth + 1)
    if "bytesValue" in value or "bytes_value" in value:
        try:
            return base64.b64decode(_field(value, "bytesValue", "bytes_value"))
        except (TypeError, ValueError):
            raise OtlpShapeError(where, "bytesValue is not base64") from None
    return None  # an empty AnyValue


def _attributes(items: Any, where: str, depth: int = 0) -> dict[str, Any]:
    if not isinstance(items, list):
        raise OtlpShapeError(
            where, f"attributes must be a list of {{key, value}}, found {type(items).__name__}"
        )
    out: dict[str, Any] = {}
    for i, item in enumerate(items):
        if type(item) is dict:  # the usual attribute, a string: read here without a call to _value
            key, value = item.get("key"), item.get("value")
            if type(key) is str and type(value) is dict:
                text = value.get("stringValue")
                if type(text) is str:
                    out[key] = text
                    continue
        # The place is spelled out only on error: building it per attribute would double the load time.
        item = _object(item, f"{where}.attributes[{i}]") if type(item) is not dict else item
        key = item.get("key")
        if not isinstance(key, str):
            raise OtlpShapeError(f"{where}.attributes[{i}]", "attribute without a string 'key'")
        try:
            value = _value(item.get("value", {}), "", depth)
        except _TooDeep as problem:
            if depth:
                raise
            raise OtlpShapeError(f"{where}.attributes[{i}] ({key})", problem.problem) from None
        except OtlpShapeError as problem:
            inner = f"{problem.where}: " if problem.where else ""
            raise OtlpShapeError(f"{where}.attributes[{i}] ({key})", inner + problem.problem) from None
        if value is not None:
            out[key] = value
    return out


def _enum(value: Any, names: Mapping[str, int], where: str, what: str) -> int:
    if isinstance(value, str) and value in names:
        return names[value]
    number = _int(value, where, what)
    if number not in names.values():
        raise OtlpShapeError(where, f"{what} {number} is not a known value")
    return number


_KINDS = tuple(SpanKind(max(kind - 1, 0)) for kind in sorted(_KIND_NAMES.values()))
_new_record = tuple.__new__  # skips NamedTuple's Python-level __new__: once per span of a file


def _plain_span(span: Any, resource: Resource, scope: InstrumentationScope | None) -> SpanRecord | None:
    """The span as this package and the OpenTelemetry exporters write it, or ``None`` for ``_span`` to read.

    Hex ids, times as decimal strings, numeric kind and status code, no events
    or links: read with one check per field, in half the validated path's time.
    Whatever it returns, ``_span`` would have returned too; anything else
    (another spelling, a value to refuse, events) is left to ``_span``, which
    reads it or names the problem and its place.
    """
    if type(span) is not dict or span.get("events", []) != [] or span.get("links", []) != []:
        return None
    trace_hex, span_hex, parent_hex = span.get("traceId"), span.get("spanId"), span.get("parentSpanId")
    start, end = span.get("startTimeUnixNano"), span.get("endTimeUnixNano")
    status, kind, attributes = span.get("status") or {}, span.get("kind", 0), span.get("attributes", [])
    if parent_hex is None and "parent_span_id" in span:
        return None
    if not (
        type(trace_hex) is str
        and type(span_hex) is str
        and (parent_hex is None or type(parent_hex) is str)
        and type(start) is str
        and len(start) <= 20
        and type(end) is str
        and len(end) <= 20
        and type(status) is dict
        and type(kind) is int
        and 0 <= kind < len(_KINDS)
        and type(attributes) is list
    ):
        return None
    code = status.get("code", 0)
    if type(code) is not int or not 0 <= code <= 2:
        return None
    trace_id, span_id = _hex_id(trace_hex, 16), _hex_id(span_hex, 8)
    parent_id = _hex_id(parent_hex, 8) if parent_hex else 0
    if not (trace_id and span_id and parent_id is not None):  # None: not hex; 0: W3C's invalid id
        return None
    try:
        start_ns, end_ns = int(start), int(end)
        attributes = _attributes(attributes, "") if attributes else {}
    except ValueError:  # int()'s, or an OtlpShapeError: _span names the problem and its place
        return None
    if not (0 <= start_ns < _TIME_LIMIT and 0 <= end_ns < _TIME_LIMIT):
        return None
    message, name = status.get("message"), span.get("name", "")
    return _new_record(
        SpanRecord,
        (
            name if type(name) is str else str(name),
            span_id,
            parent_id,
            start_ns,
            end_ns or None,
            code,
            str(message) if message else None,
            attributes,
            (),
            _KINDS[kind],
            scope,
            resource,
            (),
            trace_id,
        ),
    )


def _span(raw: Any, where: str, resource: Resource, scope: InstrumentationScope | None) -> SpanRecord:
    span = _object(raw, where)
    trace_id = _id(_field(span, "traceId", "trace_id"), 16, where, "traceId", required=True)
    span_id = _id(_field(span, "spanId", "span_id"), 8, where, "spanId", required=True)
    parent_id = _id(_field(span, "parentSpanId", "parent_span_id"), 8, where, "parentSpanId", required=False)
    start = _field(span, "startTimeUnixNano", "start_time_unix_nano")
    if start is None:
        raise OtlpShapeError(where, "startTimeUnixNano is missing")
    start_ns = _time(start, where, "startTimeUnixNano")
    end_ns = _time(_field(span, "endTimeUnixNano", "end_time_unix_nano", 0), where, "endTimeUnixNano")
    status = _object(span.get("status") or {}, f"{where}.status")
    kind = _enum(span.get("kind", 0), _KIND_NAMES, where, "kind")
    events = tuple(
        SpanEvent(
            str(_object(event, f"{where}.events[{i}]").get("name", "")),
            _time(_field(event, "timeUnixNano", "time_unix_nano", 0), f"{where}.events[{i}]", "timeUnixNano"),
            _attributes(event.get("attributes", []), f"{where}.events[{i}]"),
        )
        for i, event in enumerate(_list(span, "events", "events", where))
    )
    links = tuple(
        Link(
            SpanContext(
                _id(
                    _field(_object(link, f"{where}.links[{i}]"), "traceId", "trace_id"),
                    16,
                    where,
                    "link traceId",
                    True,
                ),
                _id(_field(link, "spanId", "span_id"), 8, where, "link spanId", True),
                is_remote=True,
                trace_flags=TraceFlags(TraceFlags.SAMPLED),
            ),
            _attributes(link.get("attributes", []), f"{where}.links[{i}]"),
        )
        for i, link in enumerate(_list(span, "links", "links", where))
    )
    message = status.get("message")
    return SpanRecord(
        name=str(span.get("name", "")),
        span_id=span_id,
        parent_id=parent_id,
        start_ns=start_ns,
        end_ns=end_ns or None,
        status=_enum(status.get("code", 0), _STATUS_NAMES, f"{where}.status", "status code"),
        status_message=str(message) if message else None,
        attributes=_attributes(span.get("attributes", []), where),
        events=events,
        kind=SpanKind(max(kind - 1, 0)),
        scope=scope,
        resource=resource,
        links=links,
        trace_id=trace_id,
    )


def _scope(raw: Any, where: str) -> InstrumentationScope | None:
    scope = _object(raw or {}, where)
    if not scope:
        return None
    attributes = _attributes(scope.get("attributes", []), where)
    return InstrumentationScope(
        str(scope.get("name", "")), _string(scope.get("version"), where, "version"), None, attributes or None
    )


def _string(value: Any, where: str, what: str) -> str | None:
    """An optional string field (a version, a schema URL): absent or empty is ``None``."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise OtlpShapeError(where, f"{what} must be a string, found {_shown(value)}")
    return value


def records_from_request(request: Any, where: str = "") -> list[SpanRecord]:
    """Every span of one ``ExportTraceServiceRequest`` dict, in document order."""
    prefix = f"{where}: " if where else ""
    request = _object(request, where)
    if "resourceSpans" not in request and "resource_spans" not in request:
        keys = ", ".join(sorted(map(str, request))[:5]) or "none"
        raise OtlpShapeError(where, f"not OTLP trace data: no 'resourceSpans' (top-level keys: {keys})")
    records: list[SpanRecord] = []
    for r, resource_spans in enumerate(_list(request, "resourceSpans", "resource_spans", where)):
        at = f"{prefix}resourceSpans[{r}]"
        resource_spans = _object(resource_spans, at)
        resource_json = _object(resource_spans.get("resource") or {}, f"{at}.resource")
        resource = Resource(
            _attributes(resource_json.get("attributes", []), f"{at}.resource"),
            _string(_field(resource_spans, "schemaUrl", "schema_url"), at, "schemaUrl"),
        )
        scope_lists = _field(resource_spans, "scopeSpans", "scope_spans")
        scope_key, scope_field = "scopeSpans", "scope"
        if scope_lists is None:  # OTLP before 0.15 called them instrumentation library spans
            scope_lists = _field(
                resource_spans, "instrumentationLibrarySpans", "instrumentation_library_spans", []
            )
            scope_key, scope_field = "instrumentationLibrarySpans", "instrumentationLibrary"
        if not isinstance(scope_lists, list):
            raise OtlpShapeError(at, f"{scope_key!r} must be a list")
        for s, scope_spans in enumerate(scope_lists):
            at_scope = f"{at}.{scope_key}[{s}]"
            scope_spans = _object(scope_spans, at_scope)
            scope = _scope(scope_spans.get(scope_field), f"{at_scope}.{scope_field}")
            for i, span in enumerate(_list(scope_spans, "spans", "spans", at_scope)):
                record = _plain_span(span, resource, scope)
                if record is None:
                    record = _span(span, f"{at_scope}.spans[{i}]", resource, scope)
                records.append(record)
    return records
