"""A snapshot as OTLP JSON: one ``ExportTraceServiceRequest`` in the protobuf JSON mapping.

``resourceSpans`` → ``scopeSpans`` → ``spans``; hex ids; nanosecond times and
64-bit integers as strings; attributes as ``KeyValue`` lists. That is both a
body for ``POST /v1/traces`` and one line of the OpenTelemetry Collector's
``file`` exporter.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from .block_metadata import block_metadata


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
    extra = block_metadata(snapshot)
    return records_to_otlp(snapshot.spans, {snapshot.root_span_id: extra})


def records_to_otlp(
    spans: Iterable[SpanRecord], extra: Mapping[int, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """Spans as one ``ExportTraceServiceRequest``; ``extra`` adds attributes to spans by span id."""
    extra = extra or {}
    # Spans of one provider share one Resource object and one scope object per tracer.
    groups: dict[int, tuple[Resource | None, dict[int, tuple[InstrumentationScope | None, list]]]] = {}
    for span in spans:
        resource_group = groups.setdefault(id(span.resource), (span.resource, {}))[1]
        scope_group = resource_group.setdefault(id(span.scope), (span.scope, []))[1]
        scope_group.append(_span_json(span, extra.get(span.span_id, {})))
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
