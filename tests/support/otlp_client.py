"""Talking to an OTLP receiver the way services do: a real exporter, and raw HTTP for bad input."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from datapizza_tracing.collect.provider import detach


def service_provider(service_name: str, traces_endpoint: str) -> TracerProvider:
    """A provider of another "service" that exports every span at once over OTLP/HTTP (protobuf).

    It lives in the test's process, so the collector is detached from it: its spans can
    reach the block only the way a remote service's do, through the receiver.
    """
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    detach(provider)
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=traces_endpoint, timeout=10)))
    return provider


def post(
    url: str, body: bytes, content_type: str = "application/json", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One POST over a fresh connection; returns the status and the answer's body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        all_headers = {"Content-Type": content_type, **(headers or {})}
        connection.request("POST", parts.path, body=body, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def otlp_json(trace_id: int, spans: list[dict[str, Any]], service_name: str = "json-service") -> bytes:
    """An ``ExportTraceServiceRequest`` in OTLP JSON with ``spans`` (name, span_id, parent_id)."""
    return json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {
                        "attributes": [{"key": "service.name", "value": {"stringValue": service_name}}]
                    },
                    "scopeSpans": [
                        {
                            "scope": {"name": "tests"},
                            "spans": [
                                {
                                    "traceId": format(trace_id, "032x"),
                                    "spanId": format(span["span_id"], "016x"),
                                    "parentSpanId": format(span["parent_id"], "016x"),
                                    "name": span["name"],
                                    "kind": 2,
                                    "startTimeUnixNano": str(span.get("start_ns", 1_000)),
                                    "endTimeUnixNano": str(span.get("end_ns", 2_000)),
                                    "attributes": [
                                        {"key": key, "value": {"intValue": str(value)}}
                                        if isinstance(value, int)
                                        else {"key": key, "value": {"stringValue": value}}
                                        for key, value in span.get("attributes", {}).items()
                                    ],
                                }
                                for span in spans
                            ],
                        }
                    ],
                }
            ]
        }
    ).encode()


def rejected_spans(answer: bytes) -> int:
    """``partialSuccess.rejectedSpans`` of a JSON answer (0 when all were taken)."""
    partial = json.loads(answer or b"{}").get("partialSuccess") or {}
    return int(partial.get("rejectedSpans", 0))
