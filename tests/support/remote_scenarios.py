"""The client side of the service tests, in a fresh interpreter (instrumenting a client lasts a process).

    python tests/support/remote_scenarios.py SERVICE_URL (--receive PORT | --phoenix URL [--export-too])
        [--client httpx|requests]

A block calls the inventory service with ``httpx`` or ``requests``, instrumented by
``opentelemetry-instrumentation-httpx`` or ``-requests`` (which send ``traceparent``), receiving
the service's spans on a loopback port or reading them back from Phoenix at its end.
Prints one ``RESULT`` line: the block's summary and spans, each with its service name.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.trace_report import describe, emit


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("service_url")
    parser.add_argument("--receive", type=int)
    parser.add_argument("--phoenix")
    parser.add_argument("--project", default="default")
    parser.add_argument("--export-too", action="store_true", help="the block's own spans go to Phoenix too")
    parser.add_argument("--client", choices=("httpx", "requests"), default="httpx")
    args = parser.parse_args(argv)

    from opentelemetry import trace

    from datapizza_tracing import ContextTracing
    from datapizza_tracing.remote.backends import PhoenixReader

    get_json = _instrumented_client(args.client)
    tracer = trace.get_tracer("client")
    if args.export_too:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        exporter = OTLPSpanExporter(endpoint=f"{args.phoenix}/v1/traces")
        trace.get_tracer_provider().add_span_processor(BatchSpanProcessor(exporter))

    options: dict = {"display": "off"}
    if args.receive:
        options["receive"] = args.receive
    if args.phoenix:
        options["read_back"] = PhoenixReader(args.phoenix, project=args.project)
    with ContextTracing().trace("client", **options) as handle:
        with tracer.start_as_current_span("ask inventory"):
            answer = get_json(f"{args.service_url}/items/margherita")
    result = describe(handle)
    services = {
        format(span.span_id, "016x"): (
            span.resource.attributes.get("service.name") if span.resource else None
        )
        for span in handle.snapshot().spans
    }
    for span in result["spans"]:
        span["service"] = services[span["span_id"]]
        span["kind"] = next(
            s.kind.name for s in handle.snapshot().spans if format(s.span_id, "016x") == span["span_id"]
        )
    result["answer"] = answer
    emit(result)


def _instrumented_client(name: str) -> Callable[[str], Any]:
    """A GET returning JSON, through the named client library with its OpenTelemetry instrumentation."""
    if name == "requests":
        import requests
        from opentelemetry.instrumentation.requests import RequestsInstrumentor

        RequestsInstrumentor().instrument()
        return lambda url: requests.get(url, timeout=30).json()
    import httpx
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().instrument()

    def get_json(url: str) -> Any:
        with httpx.Client() as client:
            return client.get(url, timeout=30).json()

    return get_json


if __name__ == "__main__":
    main(sys.argv[1:])
