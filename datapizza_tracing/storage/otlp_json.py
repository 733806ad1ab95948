"""Traces on disk as OTLP JSON, the format OpenTelemetry collectors accept.

A saved file is one ``ExportTraceServiceRequest`` in the protobuf JSON mapping
(``resourceSpans`` → ``scopeSpans`` → ``spans``; hex ids; nanosecond times as
strings; attributes as ``KeyValue`` lists), written on a single line. That
makes it both a body for ``POST /v1/traces`` and a valid file of the
collector's ``file`` exporter, which writes one such request per line.

Loading reads either form (one JSON document, or JSON lines), also the
``snake_case`` field names and enum names protobuf JSON parsers accept. Several
traces in one file become one ``TraceSnapshot`` each (``load_snapshots``);
``load_snapshot`` picks one of them (see there). Whatever is wrong with a file
is reported as a ``TraceFileError`` naming the file and the place.

What only datapizza-tracing knows about a block (spans dropped over the cap,
notes) rides on the root span as ``datapizza_tracing.*`` attributes and is
taken off again on load.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, TraceFlags

from ..model.snapshot import TraceSnapshot
from ..model.record import SpanEvent, SpanRecord

DROPPED_KEY = "datapizza_tracing.dropped_spans"
NOTES_KEY = "datapizza_tracing.notes"
_STATUS_NAMES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
_KIND_NAMES = {
    "SPAN_KIND_UNSPECIFIED": 0,
    "SPAN_KIND_INTERNAL": 1,
    "SPAN_KIND_SERVER": 2,
    "SPAN_KIND_CLIENT": 3,
    "SPAN_KIND_PRODUCER": 4,
    "SPAN_KIND_CONSUMER": 5,
}


class TraceFileError(ValueError):
    """A trace file that cannot be read: missing, not JSON, truncated, or not OTLP trace data."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"cannot load trace file {self.path!r}: {problem}")


# -- writing -----------------------------------------------------------------


def _any_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}  # int64 travels as a string in protobuf JSON
    if isinstance(value, float):
        if math.isfinite(value):
            return {"doubleValue": value}
        return {"doubleValue": "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, (bytes, bytearray)):
        return {"bytesValue": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        return {"kvlistValue": {"values": _key_values(value)}}
    if isinstance(value, Sequence):
        return {"arrayValue": {"values": [_any_value(item) for item in value]}}
    return {"stringValue": str(value)}


def _key_values(attributes: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"key": str(key), "value": _any_value(value)}
        for key, value in attributes.items()
        if value is not None
    ]


def _span_json(span: SpanRecord, extra: Mapping[str, Any]) -> dict[str, Any]:
    attributes = {**span.attributes, **extra} if extra else span.attributes
    out: dict[str, Any] = {
        "traceId": format(span.trace_id, "032x"),
        "spanId": format(span.span_id, "016x"),
        "parentSpanId": format(span.parent_id, "016x") if span.parent_id else "",
        "name": span.name,
        "kind": int(span.kind.value) + 1,  # OTLP counts from UNSPECIFIED = 0
        "startTimeUnixNano": str(span.start_ns),
        "endTimeUnixNano": str(span.end_ns) if span.end_ns is not None else "0",  # 0 = still running
        "attributes": _key_values(attributes),
        "status": {"code": span.status, **({"message": span.status_message} if span.status_message else {})},
    }
    if span.events:
        out["events"] = [
            {"timeUnixNano": str(e.timestamp_ns), "name": e.name, "attributes": _key_values(e.attributes)}
            for e in span.events
        ]
    if span.links:
        out["links"] = [
            {
                "traceId": format(link.context.trace_id, "032x"),
                "spanId": format(link.context.span_id, "016x"),
                "attributes": _key_values(link.attributes or {}),
            }
            for link in span.links
        ]
    return out


def _resource_json(resource: Resource | None) -> dict[str, Any]:
    return {"attributes": _key_values(resource.attributes)} if resource is not None else {"attributes": []}


def _scope_json(scope: InstrumentationScope | None) -> dict[str, Any]:
    if scope is None:
        return {}
    out: dict[str, Any] = {"name": scope.name}
    if scope.version:
        out["version"] = scope.version
    if scope.attributes:
        out["attributes"] = _key_values(scope.attributes)
    return out


def snapshot_to_otlp(snapshot: TraceSnapshot) -> dict[str, Any]:
    """The snapshot as one ``ExportTraceServiceRequest`` (a plain JSON-ready dict)."""
    extra: dict[str, Any] = {}
    if snapshot.dropped_spans:
        extra[DROPPED_KEY] = snapshot.dropped_spans
    if snapshot.notes:
        extra[NOTES_KEY] = tuple(snapshot.notes)
    # Spans of one provider share one Resource object and one scope object per tracer.
    groups: dict[int, tuple[Resource | None, dict[int, tuple[InstrumentationScope | None, list]]]] = {}
    for span in snapshot.spans:
        resource_group = groups.setdefault(id(span.resource), (span.resource, {}))[1]
        scope_group = resource_group.setdefault(id(span.scope), (span.scope, []))[1]
        scope_group.append(_span_json(span, extra if span.span_id == snapshot.root_span_id else {}))
    return {
        "resourceSpans": [
            {
                "resource": _resource_json(resource),
                "scopeSpans": [
                    {"scope": _scope_json(scope), "spans": spans} for scope, spans in scopes.values()
                ],
                **(
                    {"schemaUrl": resource.schema_url} if resource is not None and resource.schema_url else {}
                ),
            }
            for resource, scopes in groups.values()
        ]
    }


def save_snapshot(snapshot: TraceSnapshot, path: str | os.PathLike[str]) -> Path:
    """Write ``snapshot`` to ``path`` as OTLP JSON (replacing the file atomically); returns the path."""
    target = Path(path)
    text = json.dumps(snapshot_to_otlp(snapshot), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    directory = target.parent if str(target.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text + "\n")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


# -- reading -----------------------------------------------------------------


class _Shape(Exception):
    """A problem at one place of the document; becomes a TraceFileError."""

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
        raise _Shape(where, f"{camel!r} must be a list, found {type(value).__name__}")
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if type(value) is dict:  # what json gives: skip the slower ABC check
        return value
    if not isinstance(value, Mapping):
        raise _Shape(where, f"expected a JSON object, found {type(value).__name__}")
    return value


def _int(value: Any, where: str, what: str) -> int:
    if isinstance(value, bool):
        raise _Shape(where, f"{what} must be an integer, found {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _Shape(where, f"{what} must be an integer, found {value!r}")


def _id(value: Any, size: int, where: str, what: str, required: bool) -> int:
    """A trace id (16 bytes) or span id (8 bytes): hex as OTLP JSON says, base64 as some producers write."""
    if value in (None, ""):
        if required:
            raise _Shape(where, f"{what} is missing")
        return 0
    if isinstance(value, str):
        if len(value) == size * 2:
            try:
                return int(value, 16)
            except ValueError:
                pass
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            raw = b""
        if len(raw) == size:
            return int.from_bytes(raw, "big")
    raise _Shape(where, f"{what} {value!r} is not {size * 2} hex digits")


def _value(value: Any, where: str) -> Any:
    value = _object(value, where)
    text = value.get("stringValue")
    if type(text) is str:  # the common case first: one lookup
        return text
    if "stringValue" in value or "string_value" in value:
        return str(_field(value, "stringValue", "string_value"))
    if "boolValue" in value or "bool_value" in value:
        return bool(_field(value, "boolValue", "bool_value"))
    if "intValue" in value or "int_value" in value:
        return _int(_field(value, "intValue", "int_value"), where, "intValue")
    if "doubleValue" in value or "double_value" in value:
        raw = _field(value, "doubleValue", "double_value")
        try:
            return float(raw)  # also "NaN", "Infinity", "-Infinity"
        except (TypeError, ValueError):
            raise _Shape(where, f"doubleValue must be a number, found {raw!r}") from None
    if "arrayValue" in value or "array_value" in value:
        array = _object(_field(value, "arrayValue", "array_value"), where)
        items = array.get("values", [])
        if not isinstance(items, list):
            raise _Shape(where, "arrayValue.values must be a list")
        return tuple(_value(item, f"{where}[{i}]") for i, item in enumerate(items))
    if "kvlistValue" in value or "kvlist_value" in value:
        kvlist = _object(_field(value, "kvlistValue", "kvlist_value"), where)
        return _attributes(kvlist.get("values", []), where)
    if "bytesValue" in value or "bytes_value" in value:
        try:
            return base64.b64decode(_field(value, "bytesValue", "bytes_value"))
        except (TypeError, ValueError):
            raise _Shape(where, "bytesValue is not base64") from None
    return None  # an empty AnyValue


def _attributes(items: Any, where: str) -> dict[str, Any]:
    if not isinstance(items, list):
        raise _Shape(where, f"attributes must be a list of {{key, value}}, found {type(items).__name__}")
    out: dict[str, Any] = {}
    for i, item in enumerate(items):
        # The place is spelled out only on error: building it per attribute would double the load time.
        item = _object(item, f"{where}.attributes[{i}]") if type(item) is not dict else item
        key = item.get("key")
        if not isinstance(key, str):
            raise _Shape(f"{where}.attributes[{i}]", "attribute without a string 'key'")
        try:
            value = _value(item.get("value", {}), "")
        except _Shape as problem:
            inner = f"{problem.where}: " if problem.where else ""
            raise _Shape(f"{where}.attributes[{i}] ({key})", inner + problem.problem) from None
        if value is not None:
            out[key] = value
    return out


def _enum(value: Any, names: Mapping[str, int], where: str, what: str) -> int:
    if isinstance(value, str) and value in names:
        return names[value]
    number = _int(value, where, what)
    if number not in names.values():
        raise _Shape(where, f"{what} {number} is not a known value")
    return number


def _span(raw: Any, where: str, resource: Resource, scope: InstrumentationScope | None) -> SpanRecord:
    span = _object(raw, where)
    trace_id = _id(_field(span, "traceId", "trace_id"), 16, where, "traceId", required=True)
    span_id = _id(_field(span, "spanId", "span_id"), 8, where, "spanId", required=True)
    parent_id = _id(_field(span, "parentSpanId", "parent_span_id"), 8, where, "parentSpanId", required=False)
    start = _field(span, "startTimeUnixNano", "start_time_unix_nano")
    if start is None:
        raise _Shape(where, "startTimeUnixNano is missing")
    start_ns = _int(start, where, "startTimeUnixNano")
    end_ns = _int(_field(span, "endTimeUnixNano", "end_time_unix_nano", 0), where, "endTimeUnixNano")
    status = _object(span.get("status") or {}, f"{where}.status")
    kind = _enum(span.get("kind", 0), _KIND_NAMES, where, "kind")
    events = tuple(
        SpanEvent(
            str(_object(event, f"{where}.events[{i}]").get("name", "")),
            _int(_field(event, "timeUnixNano", "time_unix_nano", 0), f"{where}.events[{i}]", "timeUnixNano"),
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
        str(scope.get("name", "")), scope.get("version") or None, None, attributes or None
    )


def records_from_request(request: Any, where: str = "") -> list[SpanRecord]:
    """Every span of one ``ExportTraceServiceRequest`` dict, in document order."""
    prefix = f"{where}: " if where else ""
    request = _object(request, where)
    if "resourceSpans" not in request and "resource_spans" not in request:
        keys = ", ".join(sorted(map(str, request))[:5]) or "none"
        raise _Shape(where, f"not OTLP trace data: no 'resourceSpans' (top-level keys: {keys})")
    records: list[SpanRecord] = []
    for r, resource_spans in enumerate(_list(request, "resourceSpans", "resource_spans", where)):
        at = f"{prefix}resourceSpans[{r}]"
        resource_spans = _object(resource_spans, at)
        resource_json = _object(resource_spans.get("resource") or {}, f"{at}.resource")
        resource = Resource(
            _attributes(resource_json.get("attributes", []), f"{at}.resource"),
            _field(resource_spans, "schemaUrl", "schema_url"),
        )
        scope_lists = _field(resource_spans, "scopeSpans", "scope_spans")
        scope_key, scope_field = "scopeSpans", "scope"
        if scope_lists is None:  # OTLP before 0.15 called them instrumentation library spans
            scope_lists = _field(
                resource_spans, "instrumentationLibrarySpans", "instrumentation_library_spans", []
            )
            scope_key, scope_field = "instrumentationLibrarySpans", "instrumentationLibrary"
        if not isinstance(scope_lists, list):
            raise _Shape(at, f"{scope_key!r} must be a list")
        for s, scope_spans in enumerate(scope_lists):
            at_scope = f"{at}.{scope_key}[{s}]"
            scope_spans = _object(scope_spans, at_scope)
            scope = _scope(scope_spans.get(scope_field), f"{at_scope}.{scope_field}")
            for i, span in enumerate(_list(scope_spans, "spans", "spans", at_scope)):
                records.append(_span(span, f"{at_scope}.spans[{i}]", resource, scope))
    return records


def _documents(text: str) -> Iterable[tuple[str, Any]]:
    """(place, parsed JSON) for a single JSON document or for JSON lines."""
    try:
        yield "", json.loads(text)
        return
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise _Shape("", _json_problem(text, error)) from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except json.JSONDecodeError as error:
            raise _Shape(f"line {number}", _json_problem(line, error)) from None


def _json_problem(text: str, error: json.JSONDecodeError) -> str:
    where = f"{error.msg}: line {error.lineno}, column {error.colno}"
    if error.pos >= len(text.rstrip()) or _unclosed(text):
        return f"the JSON ends early, the file looks truncated ({where})"
    return f"not valid JSON ({where})"


def _unclosed(text: str) -> bool:
    """Whether a string, object or array is still open at the end (a cut-off write)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return in_string or depth > 0


def read_records(path: str | os.PathLike[str]) -> list[SpanRecord]:
    """All spans in an OTLP JSON file (one request, or one request per line)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise TraceFileError(path, error.strerror or str(error)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TraceFileError(
            path, "not a text file (not UTF-8): is it protobuf or compressed OTLP?"
        ) from None
    if not text or text.isspace():  # isspace stops at the first other character; strip would copy
        raise TraceFileError(path, "the file is empty")
    try:
        records = [record for where, doc in _documents(text) for record in records_from_request(doc, where)]
    except _Shape as problem:
        raise TraceFileError(path, str(problem)) from None
    if not records:
        raise TraceFileError(path, "the file holds no spans")
    return records


def snapshots_from_records(records: Sequence[SpanRecord], name: str | None = None) -> list[TraceSnapshot]:
    """One snapshot per trace id, in order of first appearance.

    The root of a trace is its span without a parent (the earliest, if several;
    a span whose parent is not in the file when the trace is partial). Other
    top-level spans hang under it as in a live block.
    """
    by_trace: dict[int, list[SpanRecord]] = {}
    for record in records:
        by_trace.setdefault(record.trace_id, []).append(record)
    snapshots: list[TraceSnapshot] = []
    for trace_id, spans in by_trace.items():
        ids = {span.span_id for span in spans}
        tops = [span for span in spans if span.parent_id == 0] or [s for s in spans if s.parent_id not in ids]
        if not tops:  # a parent cycle: no span can be the root
            tops = spans
        root = min(tops, key=lambda span: span.start_ns)
        dropped = root.attributes.get(DROPPED_KEY, 0)
        notes = root.attributes.get(NOTES_KEY, ())
        if DROPPED_KEY in root.attributes or NOTES_KEY in root.attributes:
            clean = {k: v for k, v in root.attributes.items() if k not in (DROPPED_KEY, NOTES_KEY)}
            root = root._replace(attributes=clean)
            spans = [root if span.span_id == root.span_id else span for span in spans]
        if len(tops) == 1:
            start, end = root.start_ns, root.end_ns
        else:
            start = min(span.start_ns for span in tops)
            ends = [span.end_ns for span in tops]
            end = None if None in ends else max(ends)  # type: ignore[type-var]
        ordered = [span for span in spans if span.end_ns is not None] + [s for s in spans if s.end_ns is None]
        latest = max(max(span.end_ns or span.start_ns for span in spans), start)
        snapshots.append(
            TraceSnapshot(
                name=name if name is not None else root.name,
                trace_id=trace_id,
                root_span_id=root.span_id,
                spans=tuple(ordered),
                start_ns=start,
                end_ns=end,
                taken_ns=end if end is not None else latest,
                dropped_spans=dropped if isinstance(dropped, int) else 0,
                notes=tuple(str(note) for note in notes) if isinstance(notes, tuple) else (),
            )
        )
    return snapshots


def load_snapshots(path: str | os.PathLike[str]) -> list[TraceSnapshot]:
    """Every trace of an OTLP JSON file, one snapshot each, in order of first appearance."""
    return snapshots_from_records(read_records(path))


def load_snapshot(path: str | os.PathLike[str], trace_id: str | None = None) -> TraceSnapshot:
    """One trace of an OTLP JSON file.

    A file written by ``save`` holds one trace. A collector's file exporter
    appends every trace it sees, so with several traces and no ``trace_id`` the
    one whose root started last (the most recent run) is loaded, and a note on
    the snapshot says how many others the file holds and how to pick one.
    """
    snapshots = load_snapshots(path)
    if trace_id is not None:
        wanted = trace_id.strip().lower()
        for snapshot in snapshots:
            if snapshot.trace_id_hex == wanted:
                return snapshot
        known = ", ".join(s.trace_id_hex for s in snapshots[:5])
        raise TraceFileError(path, f"no trace {trace_id!r} in the file (it holds: {known})")
    chosen = max(snapshots, key=lambda snapshot: snapshot.start_ns)
    if len(snapshots) > 1:
        note = (
            f"{os.fspath(path)} holds {len(snapshots)} traces; loaded the latest ({chosen.trace_id_hex}). "
            "Pass trace_id= to load another, or use load_all()."
        )
        chosen = dataclasses.replace(chosen, notes=(*chosen.notes, note))
    return chosen
