"""Real agent frameworks traced against the fake OpenAI API, one fresh interpreter per scenario.

    python scenarios.py <scenario> <fake API base_url> [--sink OTLP_BASE_URL]

Every scenario runs behind ``guard_loopback()`` (no lookup or connect beyond
loopback can happen, and each attempt is recorded), puts an
``InMemorySpanExporter`` on every provider that makes the block's spans, and
prints one ``RESULT`` line: the block (``trace_report.describe``), what the
exporters received for the block's trace, the refused network attempts and the
warnings raised. A scenario whose framework is not installed exits with
``MISSING_DEPENDENCY`` (the calling test is skipped, naming it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, when run by path

from tests.support.loopback_guard import guard_loopback
from tests.support.scenario_process import MISSING_DEPENDENCY

ATTEMPTS = guard_loopback()  # before any framework is imported

from opentelemetry import trace  # noqa: E402 - after the loopback guard, on purpose
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from datapizza_tracing import ContextTracing, TraceHandle  # noqa: E402
from tests.support.trace_report import describe, emit, span_entry  # noqa: E402

CHAT_MODEL = "gpt-4o-mini"
RESPONSES_MODEL = "gpt-5-mini"
QUESTION = "What is the weather in Naples?"
API_KEY = "test-key"


class Probe:
    """In-memory exporters on the providers a scenario uses, and what the scenario reports back."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.extra: dict[str, Any] = {}
        self._processor = SimpleSpanProcessor(self.exporter)
        self._providers: list[Any] = []

    def watch(self, provider: Any) -> None:
        """Export what ``provider`` makes into this probe's exporter (once per provider)."""
        if any(provider is known for known in self._providers):
            return
        self._providers.append(provider)
        provider.add_span_processor(self._processor)

    def exported(self, trace_id: str) -> list[dict[str, Any]]:
        return [
            span_entry(span)
            for span in self.exporter.get_finished_spans()
            if format(span.context.trace_id, "032x") == trace_id
        ]


Scenario = Callable[[str, Probe], TraceHandle]
SCENARIOS: dict[str, tuple[tuple[str, ...], Scenario]] = {}


def scenario(*modules: str) -> Callable[[Scenario], Scenario]:
    """Register a scenario that needs ``modules`` importable."""

    def register(fn: Scenario) -> Scenario:
        SCENARIOS[fn.__name__] = (modules, fn)
        return fn

    return register


def weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}."


# -- pydantic-ai ---------------------------------------------------------------
def _pydantic_agent(base_url: str) -> Any:
    from pydantic_ai import Agent
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    model = OpenAIChatModel(CHAT_MODEL, provider=OpenAIProvider(base_url=base_url, api_key=API_KEY))
    agent = Agent(model, name="planner")
    agent.instrument = True  # OpenTelemetry GenAI spans on the global provider
    agent.tool_plain(weather)
    return agent


@scenario("pydantic_ai")
def pydantic_ai_run(base_url: str, probe: Probe) -> TraceHandle:
    probe.watch(trace.get_tracer_provider())  # the README snippet, before the first block
    agent = _pydantic_agent(base_url)
    with ContextTracing().trace("pydantic_ai") as handle:
        probe.extra["output"] = agent.run_sync(QUESTION).output
    return handle


def _streamed_pydantic_run(base_url: str, probe: Probe, name: str) -> TraceHandle:
    agent = _pydantic_agent(base_url)

    async def run() -> str:
        async with agent.run_stream(QUESTION) as result:
            return await result.get_output()

    with ContextTracing().trace(name) as handle:
        probe.extra["output"] = asyncio.run(run())
    return handle


@scenario("pydantic_ai")
def pydantic_ai_stream(base_url: str, probe: Probe) -> TraceHandle:
    probe.watch(trace.get_tracer_provider())
    return _streamed_pydantic_run(base_url, probe, "pydantic_ai_stream")


@scenario("pydantic_ai", "opentelemetry.instrumentation.openai")
def pydantic_ai_stream_and_openai(base_url: str, probe: Probe) -> TraceHandle:
    """The streamed run with opentelemetry-instrumentation-openai on too: its span of each request
    (no thinking tokens for streamed chats) nests in pydantic-ai's (with them)."""
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    probe.watch(trace.get_tracer_provider())
    OpenAIInstrumentor().instrument()
    return _streamed_pydantic_run(base_url, probe, "pydantic_ai_stream_and_openai")


# -- openai-agents + openinference-instrumentation-openai-agents ----------------
def _agents_run(base_url: str) -> str:
    from agents import Agent, OpenAIResponsesModel, Runner, function_tool
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, timeout=20)
    agent = Agent(
        name="planner",
        instructions="Answer with the weather.",
        tools=[function_tool(weather)],
        model=OpenAIResponsesModel(RESPONSES_MODEL, client),
    )
    return str(Runner.run_sync(agent, QUESTION).final_output)


def _flush_agents_tracing() -> None:
    # openai-agents exports its own traces from a background thread: flush it
    # now, so a processor that phones home would try it before the result is read.
    from agents.tracing import get_trace_provider

    get_trace_provider().force_flush()


@scenario("agents", "openinference.instrumentation.openai_agents")
def openai_agents(base_url: str, probe: Probe) -> TraceHandle:
    from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

    probe.watch(trace.get_tracer_provider())
    OpenAIAgentsInstrumentor().instrument()  # replaces the processor that exports to OpenAI
    with ContextTracing().trace("openai_agents") as handle:
        probe.extra["output"] = _agents_run(base_url)
    _flush_agents_tracing()
    return handle


@scenario("agents")
def openai_agents_default_exporter(base_url: str, probe: Probe) -> TraceHandle:
    """Control: without the bridge, openai-agents tries to send its traces to OpenAI."""
    os.environ["OPENAI_API_KEY"] = API_KEY  # its exporter skips the upload without a key
    with ContextTracing().trace("openai_agents_default") as handle:
        probe.extra["output"] = _agents_run(base_url)
    _flush_agents_tracing()
    return handle


# -- LangChain + openinference-instrumentation-langchain ------------------------
def _langchain_instrument(with_openai: bool) -> None:
    from openinference.instrumentation.langchain import LangChainInstrumentor

    LangChainInstrumentor().instrument()
    if with_openai:
        from openinference.instrumentation.openai import OpenAIInstrumentor

        OpenAIInstrumentor().instrument()


def _chat_openai(base_url: str) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model=CHAT_MODEL, base_url=base_url, api_key=API_KEY, max_retries=0, timeout=20)


def _langchain_calls(base_url: str) -> None:
    from langchain_core.prompts import ChatPromptTemplate

    llm = _chat_openai(base_url)
    llm.invoke("Name a pizza.")  # a model on its own
    chain = ChatPromptTemplate.from_messages([("user", "Name a pizza from {city}.")]) | llm
    chain.invoke({"city": "Naples"})  # a model inside a chain


@scenario("langchain_openai", "openinference.instrumentation.langchain")
def langchain(base_url: str, probe: Probe) -> TraceHandle:
    probe.watch(trace.get_tracer_provider())
    _langchain_instrument(with_openai=False)
    with ContextTracing().trace("langchain") as handle:
        _langchain_calls(base_url)
    return handle


@scenario(
    "langchain_openai", "openinference.instrumentation.langchain", "openinference.instrumentation.openai"
)
def langchain_and_openai(base_url: str, probe: Probe) -> TraceHandle:
    probe.watch(trace.get_tracer_provider())
    _langchain_instrument(with_openai=True)
    with ContextTracing().trace("langchain_and_openai") as handle:
        _langchain_calls(base_url)
    return handle


@scenario(
    "langchain_openai", "openinference.instrumentation.langchain", "openinference.instrumentation.openai"
)
def langchain_and_openai_parallel(base_url: str, probe: Probe) -> TraceHandle:
    """Two identical requests at once: four usage reports, two real calls."""
    probe.watch(trace.get_tracer_provider())
    _langchain_instrument(with_openai=True)
    with ContextTracing().trace("langchain_parallel") as handle:
        _chat_openai(base_url).batch(["Name a pizza.", "Name a pizza."], config={"max_concurrency": 2})
    return handle


# -- logfire ----------------------------------------------------------------------
def _logfire_configure(probe: Probe) -> None:
    import logfire

    # What logfire's own exporters get: only the spans made through its provider.
    logfire_only = InMemorySpanExporter()
    probe.extra["logfire_exporter"] = logfire_only
    logfire.configure(
        send_to_logfire=False,
        console=False,
        service_name="frameworks-test",
        additional_span_processors=[SimpleSpanProcessor(logfire_only)],
    )
    logfire.instrument_openai()
    probe.watch(logfire.DEFAULT_LOGFIRE_INSTANCE.config.get_tracer_provider())


def _logfire_block(base_url: str, name: str) -> TraceHandle:
    import logfire
    from openai import OpenAI

    client = OpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, timeout=20)
    with ContextTracing().trace(name) as handle:
        with logfire.span("plan the day"):  # a logfire span: made on logfire's provider
            client.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": "Hi"}])
            client.responses.create(model=RESPONSES_MODEL, input="Hi")
        with trace.get_tracer("tests.frameworks").start_as_current_span("global tracer span"):
            pass
    return handle


def _logfire_exported(probe: Probe, trace_id: str) -> list[str]:
    exporter = probe.extra.pop("logfire_exporter")
    return sorted(
        span.name
        for span in exporter.get_finished_spans()
        if format(span.context.trace_id, "032x") == trace_id
        and span.attributes.get("logfire.span_type") != "pending_span"
    )


@scenario("logfire")
def logfire_before_first_block(base_url: str, probe: Probe) -> TraceHandle:
    _logfire_configure(probe)  # logfire's provider becomes the global one
    probe.watch(trace.get_tracer_provider())
    handle = _logfire_block(base_url, "logfire_before")
    probe.extra["logfire_exported"] = _logfire_exported(probe, handle.trace_id)
    return handle


@scenario("logfire")
def logfire_after_first_block(base_url: str, probe: Probe) -> TraceHandle:
    probe.watch(trace.get_tracer_provider())
    with ContextTracing().trace("first block"):
        trace.get_tracer("tests.frameworks").start_span("before logfire").end()
    _logfire_configure(probe)  # OpenTelemetry refuses its provider: logfire keeps using it
    probe.extra["global_provider"] = type(trace.get_tracer_provider()).__name__
    handle = _logfire_block(base_url, "logfire_after")
    probe.extra["logfire_exported"] = _logfire_exported(probe, handle.trace_id)
    return handle


@scenario("logfire")
def user_provider_then_logfire(base_url: str, probe: Probe) -> TraceHandle:
    """The user's provider first (the seed's snippet), logfire configured later: refused, still seen."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    trace.set_tracer_provider(TracerProvider(resource=Resource.create({"service.name": "user-first"})))
    probe.watch(trace.get_tracer_provider())
    _logfire_configure(probe)
    handle = _logfire_block(base_url, "user_then_logfire")
    probe.extra["logfire_exported"] = _logfire_exported(probe, handle.trace_id)
    return handle


# -- MLflow tracing -----------------------------------------------------------------
def _mlflow_setup(sink: str, *, global_provider: bool) -> Any:
    os.environ["MLFLOW_USE_DEFAULT_TRACER_PROVIDER"] = "false" if global_provider else "true"
    # mlflow-tracing exports to a tracking server; here, OTLP/HTTP to a loopback sink.
    os.environ.setdefault("MLFLOW_TRACKING_URI", sink)
    os.environ.setdefault("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{sink}/v1/traces")
    os.environ.setdefault("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")
    import mlflow

    mlflow.openai.autolog()

    @mlflow.trace
    def warm_up() -> int:  # MLflow builds its tracing set-up on its first span
        return 0

    warm_up()
    return mlflow


def _mlflow_block(mlflow: Any, base_url: str, name: str) -> TraceHandle:
    from openai import OpenAI

    client = OpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, timeout=20)

    @mlflow.trace(name="plan the day")
    def plan() -> str:
        reply = client.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": "Hi"}])
        return reply.choices[0].message.content

    with ContextTracing().trace(name) as handle:
        plan()
    return handle


@scenario("mlflow")
def mlflow_global_provider(base_url: str, probe: Probe) -> TraceHandle:
    """``MLFLOW_USE_DEFAULT_TRACER_PROVIDER=false``: MLflow joins the global provider."""
    probe.watch(trace.get_tracer_provider())
    mlflow = _mlflow_setup(probe.extra["sink"], global_provider=True)
    return _mlflow_block(mlflow, base_url, "mlflow_global")


@scenario("mlflow")
def mlflow_default_mode(base_url: str, probe: Probe) -> TraceHandle:
    """MLflow's default: its own provider *and* its own context, so its spans start new traces."""
    probe.watch(trace.get_tracer_provider())
    mlflow = _mlflow_setup(probe.extra["sink"], global_provider=False)
    from mlflow.tracing.provider import provider as mlflow_provider

    probe.watch(mlflow_provider.get())
    handle = _mlflow_block(mlflow, base_url, "mlflow_default")
    probe.extra["mlflow_spans"] = [
        span_entry(span)
        for span in probe.exporter.get_finished_spans()
        if span.instrumentation_scope.name.startswith("mlflow") and span.name != "warm_up"
    ]
    return handle


# -- datapizza-ai -------------------------------------------------------------------
@scenario("datapizza.agents", "datapizza.clients.openai")
def datapizza_agent(base_url: str, probe: Probe) -> TraceHandle:
    from datapizza.agents import Agent
    from datapizza.clients.openai import OpenAIClient
    from datapizza.tools import tool

    probe.watch(trace.get_tracer_provider())
    client = OpenAIClient(
        api_key=API_KEY, model=RESPONSES_MODEL, base_url=base_url, max_retries=0, timeout=20
    )
    agent = Agent(
        name="planner", client=client, system_prompt="Answer with the weather.", tools=[tool(weather)]
    )
    with ContextTracing().trace("datapizza_agent") as handle:
        probe.extra["output"] = agent.run(QUESTION).text
    return handle


# -- set-up order, without a framework ----------------------------------------------
def _traced_work(name: str, *tracers: Any) -> TraceHandle:
    with ContextTracing().trace(name) as handle:
        for tracer in tracers or (trace.get_tracer("tests.frameworks"),):
            with tracer.start_as_current_span("work"):
                tracer.start_span("step").end()
    return handle


@scenario()
def snippet_before_first_block(base_url: str, probe: Probe) -> TraceHandle:
    """The README's exporter snippet pasted after ``import datapizza_tracing``, before any block."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    batch = InMemorySpanExporter()
    probe.extra["global_before"] = type(trace.get_tracer_provider()).__name__
    trace.get_tracer_provider().add_span_processor(  # type: ignore[attr-defined]
        BatchSpanProcessor(batch, schedule_delay_millis=60_000)  # flushed when the block ends
    )
    probe.watch(trace.get_tracer_provider())
    probe.extra["global_after"] = type(trace.get_tracer_provider()).__name__
    probe.extra["global_is_sdk"] = isinstance(trace.get_tracer_provider(), TracerProvider)
    handle = _traced_work("snippet")
    probe.extra["batch_exported"] = sorted(
        s.name for s in batch.get_finished_spans() if format(s.context.trace_id, "032x") == handle.trace_id
    )
    return handle


@scenario()
def user_provider_after_first_block(base_url: str, probe: Probe) -> TraceHandle:
    """The user's own provider set too late: refused as global, still seen by blocks."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    probe.watch(trace.get_tracer_provider())
    _traced_work("first block")
    mine = TracerProvider(resource=Resource.create({"service.name": "late-user"}))
    only_mine = InMemorySpanExporter()
    mine.add_span_processor(SimpleSpanProcessor(only_mine))
    trace.set_tracer_provider(mine)  # refused: one warning that says what it means
    probe.watch(mine)
    handle = _traced_work("late provider", trace.get_tracer("global"), mine.get_tracer("mine"))
    probe.extra["mine_exported"] = sorted(
        s.name
        for s in only_mine.get_finished_spans()
        if format(s.context.trace_id, "032x") == handle.trace_id
    )
    return handle


@scenario()
def providers_sharing_one_processor_chain(base_url: str, probe: Probe) -> TraceHandle:
    """Two providers over one processor chain, one shut down mid-block: each span once, block intact."""
    from opentelemetry.sdk.trace import SynchronousMultiSpanProcessor, TracerProvider

    probe.watch(trace.get_tracer_provider())
    chain = SynchronousMultiSpanProcessor()
    first, second = TracerProvider(active_span_processor=chain), TracerProvider(active_span_processor=chain)
    probe.watch(first)  # adds to the shared chain once
    third = TracerProvider()
    third_exporter = InMemorySpanExporter()  # its own: shutting ``third`` down stops it
    third.add_span_processor(SimpleSpanProcessor(third_exporter))
    with ContextTracing().trace("shared chain") as handle:
        first.get_tracer("first").start_span("from first").end()
        second.get_tracer("second").start_span("from second").end()
        third.get_tracer("third").start_span("third before shutdown").end()
        third.shutdown()  # a framework resetting its tracing must not clear the block
        trace.get_tracer("global").start_span("after shutdown").end()
    probe.extra["third_exported"] = [span_entry(span) for span in third_exporter.get_finished_spans()]
    probe.extra["collectors_in_shared_chain"] = sum(
        1 for p in chain._span_processors if type(p).__name__ == "SharedCollectorProcessor"
    )
    return handle


# -- runner -------------------------------------------------------------------------
def _missing(modules: tuple[str, ...]) -> str | None:
    import importlib

    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:
            return f"{module} is not installed ({error})"
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("base_url", help="base_url of the fake OpenAI API")
    parser.add_argument("--sink", default="", help="base URL of a loopback OTLP/HTTP sink")
    args = parser.parse_args(argv)
    modules, fn = SCENARIOS[args.scenario]
    missing = _missing(modules)
    if missing is not None:
        print(f"MISSING {missing}", flush=True)
        return MISSING_DEPENDENCY
    probe = Probe()
    probe.extra["sink"] = args.sink
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        handle = fn(args.base_url, probe)
    emit(
        {
            **describe(handle),
            "exported": probe.exported(handle.trace_id),
            "attempts": list(ATTEMPTS),
            "warnings": [
                {"category": w.category.__name__, "message": str(w.message)}
                for w in caught
                if w.category.__name__ == "TracingSetupWarning"
            ],
            **{key: value for key, value in probe.extra.items() if key != "sink"},
        }
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DATAPIZZA_TRACING_DISPLAY", "off")
    sys.exit(main(sys.argv[1:]))
