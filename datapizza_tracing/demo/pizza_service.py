"""A small instrumented web service for the demos: FastAPI on uvicorn, exporting its spans over OTLP/HTTP.

    OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 python -m datapizza_tracing.demo.pizza_service 8000

``GET /recommend?city=Naples`` asks the fake LLM client for a pizzeria inside a
tool span; ``opentelemetry-instrumentation-fastapi`` makes the server spans
under the caller's ``traceparent``, and a ``BatchSpanProcessor`` exports them
every ``OTEL_BSP_SCHEDULE_DELAY`` ms (100 here unless set). It needs fastapi,
uvicorn, opentelemetry-instrumentation-fastapi and the OTLP exporter.
"""

from __future__ import annotations

import os
import sys
from typing import Any

SERVICE_NAME = "pizza-service"


def build_app() -> Any:
    from fastapi import FastAPI
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from ..instrument import tool_span
    from .fake_llm import FakeLLMClient

    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    client = FakeLLMClient("gpt-4o-mini", reply=lambda prompt: "Da Michele, by the station.", latency_s=0.02)
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/recommend")
    def recommend(city: str) -> dict[str, str]:
        with tool_span("pick pizzeria"):
            answer = client.invoke(f"Best pizzeria in {city}?").text
        return {"city": city, "pizzeria": answer}

    FastAPIInstrumentor.instrument_app(app, excluded_urls="health")
    return app


def main(port: int) -> None:
    import uvicorn

    os.environ.setdefault("OTEL_BSP_SCHEDULE_DELAY", "100")
    uvicorn.run(build_app(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(int(sys.argv[1]))
