"""Attaching the collector to every OpenTelemetry SDK tracer provider, once each.

OpenTelemetry lets the global provider be set a single time and has no way to
remove a span processor, and libraries build providers of their own: logfire
when it is configured after another provider became global, MLflow in its
default mode, a user's provider that came too late to be global. A block must
see its spans whichever provider made them and whichever was set first, so:

* every SDK ``TracerProvider`` built after ``import datapizza_tracing`` gets
  the collector as one more span processor (``TracerProvider.__init__`` is
  wrapped once per process); the user's processors and exporters are left as
  they are;
* the global provider gets it when the first block starts: the SDK provider
  the user or a framework set is reused, and one is installed only while the
  global is still the API's proxy;
* the proxy accepts ``add_span_processor`` (the README's exporter snippets),
  installing the provider first, so the snippets work before the first block;
* the collector is added to a provider's processor chain at most once (checked
  on the chain itself, which two providers may share), so no span is recorded
  twice, and a provider's ``shutdown`` never reaches the shared collector.

Spans are still kept only for the trace ids of open blocks: a provider that
starts its own traces (MLflow's default mode uses its own context too) adds no
span to a block.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

from .collector import SpanCollector
from .fork_safety import renew_after_fork
from .provider_hooks import OURS, TracingSetupWarning

_lock = threading.RLock()
renew_after_fork(globals(), "_lock", threading.RLock)


# Kept on the ``trace`` module rather than here so that reloading this package
# (``%reload_ext``, importlib.reload) finds what it already did.
_ATTR = "_datapizza_tracing_collector"
_GLOBAL_ATTACHED = "_datapizza_tracing_global_attached"


class SharedCollectorProcessor(SpanProcessor):
    """The collector as one provider's span processor.

    ``on_start`` / ``on_end`` are the collector's own bound methods, so a span
    costs no extra call; ``shutdown`` and ``force_flush`` stay here, so one
    provider shutting down (a framework resetting its tracing) cannot clear
    the blocks that spans of the other providers still feed.
    """

    def __init__(self, collector: SpanCollector) -> None:
        self.collector = collector
        self.on_start = collector.on_start  # type: ignore[method-assign]
        self.on_end = collector.on_end  # type: ignore[method-assign]
        # The SDK calls ``_on_ending`` on every processor for every span; the collector
        # has nothing to do then, and a builtin of one argument is a no-op call with
        # no Python frame. ``callable`` only reads a type slot: ``id`` raised an audit
        # event ("builtins.id") for every span, which audit hooks saw and paid for.
        self._on_ending = callable  # type: ignore[method-assign]

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def installed_collector() -> SpanCollector | None:
    return getattr(trace, _ATTR, None)


def _collector() -> SpanCollector:
    collector = installed_collector()
    if collector is None:
        with _lock:
            collector = installed_collector()
            if collector is None:
                collector = SpanCollector()
                setattr(trace, _ATTR, collector)
    return collector


def ensure_collector() -> SpanCollector:
    """Return the process-wide collector, attaching it to the global provider on first use."""
    collector = _collector()
    if getattr(trace, _GLOBAL_ATTACHED, False):
        return collector
    with _lock:
        if not getattr(trace, _GLOBAL_ATTACHED, False):
            provider = _global_sdk_provider()
            if provider is not None:
                attach(provider)
            setattr(trace, _GLOBAL_ATTACHED, True)
    return collector


def _processor_chain(provider: Any) -> Any:
    """The multi-span-processor that really calls a provider's processors, or ``None``."""
    sdk = provider if isinstance(provider, TracerProvider) else getattr(provider, "provider", None)
    # logfire's ProxyTracerProvider keeps its SDK provider in ``.provider``.
    if not isinstance(sdk, TracerProvider):
        return None
    chain = getattr(sdk, "_active_span_processor", None)
    return chain if hasattr(chain, "_span_processors") else None


def _attached_to(chain: Any, collector: SpanCollector) -> bool:
    return any(
        processor is collector or getattr(processor, "collector", None) is collector
        for processor in chain._span_processors
    )


def attach(provider: Any) -> bool:
    """Add the collector to ``provider`` unless its processor chain already has it.

    True when the collector now sees the spans ``provider`` makes.
    """
    collector = _collector()
    chain = _processor_chain(provider)
    with _lock:
        if chain is not None:
            if not _attached_to(chain, collector):
                chain.add_span_processor(SharedCollectorProcessor(collector))
            return True
        if isinstance(provider, trace.ProxyTracerProvider) or not hasattr(provider, "add_span_processor"):
            return False
        # An SDK-compatible provider of another vendor: trust its own method.
        if not getattr(provider, _ATTR, False):
            provider.add_span_processor(SharedCollectorProcessor(collector))
            setattr(provider, _ATTR, True)
        return True


def detach(provider: Any) -> bool:
    """Stop feeding ``provider``'s spans to blocks; True if it was attached.

    For a provider whose spans must never be looked at, e.g. the bare
    baseline of a benchmark. The global provider is attached again only by a
    new process.
    """
    collector = installed_collector()
    chain = _processor_chain(provider)
    if collector is None or chain is None:
        return False
    with getattr(chain, "_lock", None) or _lock:
        processors = chain._span_processors
        kept = tuple(
            p for p in processors if p is not collector and getattr(p, "collector", None) is not collector
        )
        chain._span_processors = kept
    return len(kept) != len(processors)


def attach_quietly(provider: Any) -> bool:
    try:
        return attach(provider)
    except Exception:  # a provider of an unexpected shape must not break its owner
        logging.getLogger(__name__).debug("could not attach to %r", provider, exc_info=True)
        return False


def sdk_provider() -> TracerProvider | None:
    """The SDK provider behind the global one (it can export and flush), if any."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        return provider
    inner = getattr(provider, "provider", None)  # logfire's proxy
    return inner if isinstance(inner, TracerProvider) else None


def _global_sdk_provider() -> Any:
    provider = trace.get_tracer_provider()
    if isinstance(provider, trace.ProxyTracerProvider):
        # Resource.create() reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES;
        # the SDK provider reads OTEL_TRACES_SAMPLER and the span limits itself.
        ours = TracerProvider(resource=Resource.create())
        setattr(ours, OURS, True)
        trace.set_tracer_provider(ours)
        provider = trace.get_tracer_provider()
    if _processor_chain(provider) is not None or hasattr(provider, "add_span_processor"):
        return provider
    warnings.warn(
        f"The global OpenTelemetry tracer provider is a {type(provider).__name__}, which cannot "
        "take span processors, so datapizza-tracing sees no spans. Set an "
        "opentelemetry.sdk.trace.TracerProvider with trace.set_tracer_provider(...) before tracing.",
        TracingSetupWarning,
        stacklevel=3,
    )
    return None


def sdk_disabled() -> bool:
    return os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
