"""Provider and exporter setups, each run in a fresh interpreter by ``process.run_scenario``.

    python provider_scenarios.py <scenario>

Each scenario prints one ``RESULT {json}`` line for the calling test to assert on.
The exporter snippets are the seed document's, as a user would paste them.
"""

from __future__ import annotations

import io
import json
import os
import socket
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.semconv.resource import ResourceAttributes

from datapizza_tracing import ContextTracing, TraceHandle

SERVICE = "seed-service"
SCENARIOS: dict[str, Callable[[], dict[str, Any]]] = {}


def scenario(fn: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    SCENARIOS[fn.__name__] = fn
    return fn


def set_seed_provider() -> None:
    """The seed's "Create the resource" snippet."""
    resource = Resource.create({ResourceAttributes.SERVICE_NAME: SERVICE})
    trace.set_tracer_provider(TracerProvider(resource=resource))


def _trace_and_name(span: Any) -> str:
    return f"{span.context.trace_id:032x} {span.name}\n"


class Exporters:
    """In-memory and console exporters behind the processors the seed shows."""

    def __init__(self) -> None:
        self.simple = InMemorySpanExporter()
        self.batch = InMemorySpanExporter()
        self.console_out = io.StringIO()
        console = ConsoleSpanExporter(out=self.console_out, formatter=_trace_and_name)
        provider = trace.get_tracer_provider()
        provider.add_span_processor(SimpleSpanProcessor(self.simple))  # type: ignore[attr-defined]
        provider.add_span_processor(SimpleSpanProcessor(console))  # type: ignore[attr-defined]
        # A delay no test waits for: the spans must arrive through the flush at block end.
        provider.add_span_processor(  # type: ignore[attr-defined]
            BatchSpanProcessor(self.batch, schedule_delay_millis=60_000)
        )

    def seen(self, trace_id: str) -> dict[str, list[str]]:
        def names(exporter: InMemorySpanExporter) -> list[str]:
            return sorted(
                s.name
                for s in exporter.get_finished_spans()
                if format(s.context.trace_id, "032x") == trace_id
            )

        return {
            "simple": names(self.simple),
            "batch": names(self.batch),
            "console": sorted(
                name
                for line in self.console_out.getvalue().splitlines()
                for span_trace, name in [line.split(" ", 1)]
                if span_trace == trace_id
            ),
        }


def traced_work(name: str) -> TraceHandle:
    tracer = trace.get_tracer("scenario")
    with ContextTracing().trace(name) as handle:
        with tracer.start_as_current_span("load"):
            with tracer.start_as_current_span("parse"):
                pass
        with tracer.start_as_current_span("answer"):
            pass
    return handle


def block_result(handle: TraceHandle) -> dict[str, Any]:
    spans = handle.get_spans()
    return {
        "trace_id": handle.trace_id,
        "names": sorted(span.name for span in spans),
        "services": sorted({str(span.resource.attributes.get("service.name")) for span in spans}),
        "total_spans": handle.summary().total_spans,
    }


@scenario
def exporters_before_first_trace() -> dict[str, Any]:
    set_seed_provider()
    exporters = Exporters()
    handle = traced_work("before")
    return {"block": block_result(handle), "exported": exporters.seen(handle.trace_id)}


@scenario
def exporters_after_first_trace() -> dict[str, Any]:
    first = traced_work("first")
    set_seed_provider()  # refused: datapizza-tracing installed the provider already
    set_seed_provider()  # a second paste of the snippet must not warn again
    exporters = Exporters()
    handle = traced_work("after")
    return {
        "first": block_result(first),
        "block": block_result(handle),
        "exported": exporters.seen(handle.trace_id),
        "first_exported": exporters.seen(first.trace_id),
    }


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@scenario
def dead_endpoint() -> dict[str, Any]:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.exporter.zipkin.json import ZipkinExporter

    port = _closed_port()
    set_seed_provider()
    provider = trace.get_tracer_provider()
    # Its retries back off for up to 10 s: long enough to tell a bounded flush apart.
    otlp = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces", timeout=10)
    provider.add_span_processor(BatchSpanProcessor(otlp))  # type: ignore[attr-defined]
    zipkin = ZipkinExporter(endpoint=f"http://127.0.0.1:{port}/api/v2/spans", timeout=1)
    provider.add_span_processor(SimpleSpanProcessor(zipkin))  # type: ignore[attr-defined]
    tracer = trace.get_tracer("scenario")
    started = time.monotonic()
    with ContextTracing().trace("dead endpoint") as handle:
        with tracer.start_as_current_span("work"):
            value = sum(range(10))
    elapsed = time.monotonic() - started
    return {"value": value, "elapsed_s": elapsed, "block": block_result(handle)}


@scenario
def sdk_disabled() -> dict[str, Any]:
    tracer = trace.get_tracer("scenario")
    with ContextTracing().trace("disabled") as handle:
        with tracer.start_as_current_span("work"):
            value = 6 * 7
    summary = handle.summary()
    return {
        "value": value,
        "total_spans": summary.total_spans,
        "notes": list(summary.notes),
        "trace_id": handle.trace_id,
        "finished": handle.finished,
    }


def main() -> None:
    (name,) = sys.argv[1:]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = SCENARIOS[name]()
    result["warnings"] = [
        {"category": w.category.__name__, "message": str(w.message), "filename": w.filename} for w in caught
    ]
    print("RESULT " + json.dumps(result), flush=True)
    if name == "dead_endpoint":
        # Skip the SDK's exit-time shutdown, which retries the dead endpoint for
        # the exporter's whole timeout: the test is about the block, not the exit.
        os._exit(0)


if __name__ == "__main__":
    main()
