"""Exporters stuck on a blackholed endpoint, each scenario in a fresh interpreter.

    python exporter_scenarios.py <scenario>

Prints one ``RESULT {json}`` line: the warnings, what the flush logged, and the
measured block-end times (figures only; the tests assert on behaviour).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

from datapizza_tracing import ContextTracing
from tests.support.blackhole import BlackholeServer

SCENARIOS: dict[str, Callable[[BlackholeServer], dict[str, Any]]] = {}
BLOCKS = 5


def scenario(fn: Callable[[BlackholeServer], dict[str, Any]]) -> Callable[[BlackholeServer], dict[str, Any]]:
    SCENARIOS[fn.__name__] = fn
    return fn


def run_blocks(count: int) -> list[float]:
    """``count`` blocks of one span each; the seconds each block's end took."""
    tracer = trace.get_tracer("scenario")
    ends = []
    for n in range(count):
        with ContextTracing().trace(f"block {n}"):
            with tracer.start_as_current_span("work"):
                pass
            ending = time.monotonic()
        ends.append(round(time.monotonic() - ending, 3))
    return ends


@scenario
def batch_grpc_stuck(hole: BlackholeServer) -> dict[str, Any]:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    trace.set_tracer_provider(TracerProvider())
    # Stuck for 60 s per export: longer than the whole scenario.
    exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{hole.port}", insecure=True, timeout=60)
    trace.get_tracer_provider().add_span_processor(BatchSpanProcessor(exporter))  # type: ignore[attr-defined]
    return {"block_end_s": run_blocks(BLOCKS)}


@scenario
def simple_zipkin_stuck(hole: BlackholeServer) -> dict[str, Any]:
    from opentelemetry.exporter.zipkin.json import ZipkinExporter

    trace.set_tracer_provider(TracerProvider())
    # The README's Zipkin snippet, pointed at an endpoint that never answers (1 s per request).
    exporter = ZipkinExporter(endpoint=f"http://127.0.0.1:{hole.port}/api/v2/spans", timeout=1)
    trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))  # type: ignore[attr-defined]
    return {"block_end_s": run_blocks(2)}


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def main() -> None:
    (name,) = sys.argv[1:]
    flush_log = logging.getLogger("datapizza_tracing.collect.flush")
    records = _Records()
    flush_log.addHandler(records)
    flush_log.setLevel(logging.DEBUG)
    with BlackholeServer() as hole, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = SCENARIOS[name](hole)
    result["warnings"] = [{"category": w.category.__name__, "message": str(w.message)} for w in caught]
    result["flush_log"] = records.messages
    print("RESULT " + json.dumps(result), flush=True)
    # Skip the SDK's exit-time shutdown, which would wait on the stuck exporter again.
    os._exit(0)


if __name__ == "__main__":
    main()
