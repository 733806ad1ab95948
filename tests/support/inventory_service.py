"""A small instrumented web service for the remote tests: FastAPI on uvicorn, exporting OTLP/HTTP.

    python -m tests.support.inventory_service PORT

It is a plain OpenTelemetry service (it never imports datapizza_tracing):
``opentelemetry-instrumentation-fastapi`` makes the server spans from the
``traceparent`` a caller sends, a handler span holds one model call with usage,
and a ``BatchSpanProcessor`` exports to ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``
(the block's receiver, or Phoenix) every ``OTEL_BSP_SCHEDULE_DELAY`` ms.
``GET /health`` answers untraced, for the test to wait on.
"""

from __future__ import annotations

import sys

SERVICE_NAME = "inventory"
MODEL = "gpt-4o-mini"
PROMPT_TOKENS, COMPLETION_TOKENS = 40, 9


def build_app():
    from fastapi import FastAPI
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(
        resource=Resource.create({"service.name": SERVICE_NAME, "openinference.project.name": SERVICE_NAME})
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    tracer = trace.get_tracer("inventory")

    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/items/{name}")
    def item(name: str) -> dict[str, object]:
        with tracer.start_as_current_span("look up stock"):
            with tracer.start_as_current_span(f"chat {MODEL}") as span:
                span.set_attribute("gen_ai.request.model", MODEL)
                span.set_attribute("gen_ai.usage.input_tokens", PROMPT_TOKENS)
                span.set_attribute("gen_ai.usage.output_tokens", COMPLETION_TOKENS)
        return {"name": name, "stock": 3}

    FastAPIInstrumentor.instrument_app(app, excluded_urls="health")
    return app


def main(port: int) -> None:
    import uvicorn

    uvicorn.run(build_app(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(int(sys.argv[1]))
