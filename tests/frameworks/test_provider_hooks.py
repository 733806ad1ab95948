"""In-process checks of the collector on private providers (the global one is whatever this process has)."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from datapizza_tracing import ContextTracing
from datapizza_tracing.collect.provider import SharedCollectorProcessor, attach, detach, installed_collector


def _collectors(provider: TracerProvider) -> list[object]:
    return [
        p for p in provider._active_span_processor._span_processors if isinstance(p, SharedCollectorProcessor)
    ]


def test_a_provider_built_after_import_feeds_blocks_once_and_detach_stops_it() -> None:
    provider = TracerProvider()
    assert len(_collectors(provider)) == 1
    assert attach(provider) and len(_collectors(provider)) == 1  # attaching again adds nothing
    tracer = provider.get_tracer("private")

    with ContextTracing().trace("private provider") as seen:
        tracer.start_span("made on a private provider").end()
    assert sorted(s.name for s in seen.get_spans()) == ["made on a private provider", "private provider"]

    assert detach(provider) and _collectors(provider) == []
    assert not detach(provider)
    with ContextTracing().trace("detached") as unseen:
        tracer.start_span("not collected").end()
    assert [s.name for s in unseen.get_spans()] == ["detached"]


def test_shutting_a_provider_down_does_not_clear_open_blocks() -> None:
    provider = TracerProvider()
    with ContextTracing().trace("outlives a shutdown") as handle:
        provider.get_tracer("private").start_span("before shutdown").end()
        provider.shutdown()
        assert installed_collector().tracked_count >= 1
        trace.get_tracer("global").start_span("after shutdown").end()
    assert sorted(s.name for s in handle.get_spans()) == [
        "after shutdown",
        "before shutdown",
        "outlives a shutdown",
    ]
