"""Traced scenarios run in a fresh interpreter, one per call.

Instrumentors patch the ``openai`` SDK for the whole process and OpenTelemetry's
global provider can be set only once, so each scenario gets its own process:

    python scenarios.py <scenario> <fake API base_url>

It prints one JSON line (prefixed with ``RESULT ``) describing the traced block:
its summary and every span, which the calling test asserts on.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable

from datapizza_tracing import ContextTracing, TraceHandle
from tests.support.trace_report import describe, emit

MESSAGES = [{"role": "user", "content": "Name a pizza."}]
CHAT_MODEL = "gpt-4o-mini"
RESPONSES_MODEL = "gpt-5-mini"

Scenario = Callable[[str], None]
SCENARIOS: dict[str, Scenario] = {}
INSTRUMENTATIONS: dict[str, Callable[[], None]] = {}


def scenario(*instrumentations: str) -> Callable[[Scenario], Scenario]:
    def register(fn: Scenario) -> Scenario:
        fn.instrumentations = instrumentations  # type: ignore[attr-defined]
        SCENARIOS[fn.__name__] = fn
        return fn

    return register


# -- instrumentations --------------------------------------------------------
def _openllmetry() -> None:
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument()


def _openinference() -> None:
    from openinference.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument()


INSTRUMENTATIONS["opentelemetry"] = _openllmetry
INSTRUMENTATIONS["openinference"] = _openinference


# -- clients -----------------------------------------------------------------
def _openai(base_url: str):
    from openai import OpenAI

    return OpenAI(base_url=base_url, api_key="test-key", max_retries=0, timeout=20)


def _async_openai(base_url: str):
    from openai import AsyncOpenAI

    return AsyncOpenAI(base_url=base_url, api_key="test-key", max_retries=0, timeout=20)


def _datapizza(base_url: str):
    from datapizza.clients.openai import OpenAIClient

    return OpenAIClient(
        api_key="test-key", model=RESPONSES_MODEL, base_url=base_url, max_retries=0, timeout=20
    )


def _chat(base_url: str) -> None:
    _openai(base_url).chat.completions.create(model=CHAT_MODEL, messages=MESSAGES)


def _chat_stream(base_url: str) -> None:
    stream = _openai(base_url).chat.completions.create(
        model=CHAT_MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    for _ in stream:
        pass


async def _achat(base_url: str) -> None:
    client = _async_openai(base_url)
    await client.chat.completions.create(model=CHAT_MODEL, messages=MESSAGES)
    await client.close()


async def _achat_stream(base_url: str) -> None:
    client = _async_openai(base_url)
    stream = await client.chat.completions.create(
        model=CHAT_MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    async for _ in stream:
        pass
    await client.close()


def _responses(base_url: str) -> None:
    _openai(base_url).responses.create(model=RESPONSES_MODEL, input="Name a pizza.")


def _responses_stream(base_url: str) -> None:
    for _ in _openai(base_url).responses.create(model=RESPONSES_MODEL, input="Name a pizza.", stream=True):
        pass


async def _aresponses(base_url: str) -> None:
    client = _async_openai(base_url)
    await client.responses.create(model=RESPONSES_MODEL, input="Name a pizza.")
    await client.close()


# -- scenarios ---------------------------------------------------------------
@scenario("opentelemetry")
def otel_chat(base_url: str) -> None:
    _chat(base_url)


@scenario("opentelemetry")
def otel_chat_stream(base_url: str) -> None:
    _chat_stream(base_url)


@scenario("opentelemetry")
def otel_async_chat(base_url: str) -> None:
    asyncio.run(_achat(base_url))


@scenario("opentelemetry")
def otel_async_chat_stream(base_url: str) -> None:
    asyncio.run(_achat_stream(base_url))


@scenario("opentelemetry")
def otel_responses(base_url: str) -> None:
    _responses(base_url)


@scenario("opentelemetry")
def otel_responses_stream(base_url: str) -> None:
    _responses_stream(base_url)


@scenario("opentelemetry")
def otel_async_responses(base_url: str) -> None:
    asyncio.run(_aresponses(base_url))


@scenario("openinference")
def openinference_chat(base_url: str) -> None:
    _chat(base_url)


@scenario("openinference")
def openinference_chat_stream(base_url: str) -> None:
    _chat_stream(base_url)


@scenario("openinference")
def openinference_async_chat(base_url: str) -> None:
    asyncio.run(_achat(base_url))


@scenario("openinference")
def openinference_async_chat_stream(base_url: str) -> None:
    asyncio.run(_achat_stream(base_url))


@scenario("openinference")
def openinference_responses(base_url: str) -> None:
    _responses(base_url)


@scenario("openinference")
def openinference_responses_stream(base_url: str) -> None:
    _responses_stream(base_url)


@scenario("openinference")
def openinference_async_responses(base_url: str) -> None:
    asyncio.run(_aresponses(base_url))


@scenario("opentelemetry", "openinference")
def both_instrumentors_chat(base_url: str) -> None:
    _chat(base_url)


@scenario("openinference")
def datapizza_and_openinference(base_url: str) -> None:
    _datapizza(base_url).invoke("Name a pizza.")


@scenario("opentelemetry")
def datapizza_and_opentelemetry(base_url: str) -> None:
    _datapizza(base_url).invoke("Name a pizza.")


@scenario()
def pipeline(base_url: str) -> None:
    """Hand-made spans around a datapizza-ai client call: a tree three levels deep."""
    from opentelemetry import trace

    tracer = trace.get_tracer("tests.interop")
    with tracer.start_as_current_span("retrieve", attributes={"documents": 3}):
        with tracer.start_as_current_span("embed", attributes={"dimensions": 1536}):
            pass
    with tracer.start_as_current_span("answer"):
        _datapizza(base_url).invoke("Name a pizza.")


def install_exporter(kind: str, endpoint: str, batch_delay_ms: int | None) -> None:
    """Set up the provider and an exporter the way the seed's README shows it."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.semconv.resource import ResourceAttributes

    resource = Resource.create({ResourceAttributes.SERVICE_NAME: "interop-tests"})
    trace.set_tracer_provider(TracerProvider(resource=resource))
    if kind == "zipkin":
        from opentelemetry.exporter.zipkin.json import ZipkinExporter

        exporter = ZipkinExporter(endpoint=endpoint)
    elif kind == "otlp-http":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=endpoint)
    elif kind == "otlp-grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

        exporter = GrpcExporter(endpoint=endpoint, headers={"authorization": "Bearer your-token"})
    else:
        raise SystemExit(f"unknown exporter {kind!r}")
    if batch_delay_ms is None:
        processor = SimpleSpanProcessor(exporter)
    else:
        processor = BatchSpanProcessor(exporter, schedule_delay_millis=batch_delay_ms)
    trace.get_tracer_provider().add_span_processor(processor)


def exit_without_flushing(handle: TraceHandle) -> None:
    """End one more span of the block's trace after the block, then leave at once.

    ``os._exit`` skips the SDK's atexit shutdown, which would flush a batch
    processor: whatever reached the backend got there when the block ended.
    The late span proves the batch processor really holds spans back.
    """
    from opentelemetry import trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

    block_context = SpanContext(
        int(handle.trace_id, 16),
        handle.snapshot().root_span_id,
        is_remote=False,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    parent = trace.set_span_in_context(NonRecordingSpan(block_context))
    trace.get_tracer("tests.interop").start_span("late span, after the block", context=parent).end()
    sys.stdout.flush()
    os._exit(0)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("base_url", help="base_url of the fake OpenAI API")
    parser.add_argument("--export", metavar="KIND=ENDPOINT", help="zipkin, otlp-http or otlp-grpc")
    parser.add_argument("--batch-delay-ms", type=int, help="export through a BatchSpanProcessor")
    parser.add_argument("--exit-without-flushing", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    fn = SCENARIOS[args.scenario]
    if args.export:
        kind, endpoint = args.export.split("=", 1)
        install_exporter(kind, endpoint, args.batch_delay_ms)
    for instrumentation in fn.instrumentations:  # type: ignore[attr-defined]
        INSTRUMENTATIONS[instrumentation]()
    with ContextTracing().trace(args.scenario) as handle:
        fn(args.base_url)
        ran = True  # reached only if the traced code ran to its end
    emit({**describe(handle), "ran": ran})
    if args.exit_without_flushing:
        exit_without_flushing(handle)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DATAPIZZA_TRACING_DISPLAY", "off")
    sys.exit(main(sys.argv[1:]))
