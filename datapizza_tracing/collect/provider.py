"""Attaching the collector to the global OpenTelemetry tracer provider, once.

OpenTelemetry lets the global provider be set a single time and has no way to
remove a span processor. So: reuse the SDK provider the user set, install one
only while the global is still the API's proxy, and add our processor exactly
once per process whatever the number of imports, reloads or ``%load_ext`` calls.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import warnings
from types import FrameType

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from .collector import SpanCollector

_lock = threading.Lock()
_OVERRIDE_MESSAGE = "Overriding of current TracerProvider is not allowed"


class TracingSetupWarning(UserWarning):
    """The OpenTelemetry setup is not what datapizza-tracing needs to show spans."""


# Kept on the ``trace`` module rather than here so that reloading this package
# (``%reload_ext``, importlib.reload) finds the processor it already added.
_ATTR = "_datapizza_tracing_collector"


def installed_collector() -> SpanCollector | None:
    return getattr(trace, _ATTR, None)


def ensure_collector() -> SpanCollector:
    """Return the process-wide collector, attaching it to the global provider on first use."""
    collector = installed_collector()
    if collector is not None:
        return collector
    with _lock:
        collector = installed_collector()
        if collector is not None:
            return collector
        provider = _global_sdk_provider()
        collector = SpanCollector()
        if provider is not None:
            provider.add_span_processor(collector)
        setattr(trace, _ATTR, collector)
        return collector


def sdk_provider() -> TracerProvider | None:
    """The global provider if it is an SDK one (it can export and flush)."""
    provider = trace.get_tracer_provider()
    return provider if isinstance(provider, TracerProvider) else None


def _global_sdk_provider() -> TracerProvider | None:
    provider = trace.get_tracer_provider()
    if isinstance(provider, trace.ProxyTracerProvider):
        # Resource.create() reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES;
        # the SDK provider reads OTEL_TRACES_SAMPLER and the span limits itself.
        trace.set_tracer_provider(TracerProvider(resource=Resource.create()))
        provider = trace.get_tracer_provider()
        _explain_refused_providers()
    if isinstance(provider, TracerProvider):
        return provider
    if hasattr(provider, "add_span_processor"):  # an SDK-compatible provider of another vendor
        return provider  # type: ignore[return-value]
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


class _RefusedProviderFilter(logging.Filter):
    """Replaces OpenTelemetry's terse refusal with one warning that says what to do."""

    def __init__(self) -> None:
        super().__init__()
        self.warned = False

    def filter(self, record: logging.LogRecord) -> bool:
        if _OVERRIDE_MESSAGE not in record.getMessage():
            return True
        if not self.warned:
            self.warned = True
            warnings.warn(
                "OpenTelemetry kept its first global TracerProvider and ignored the new one "
                "(a provider can be set only once per process; datapizza-tracing installed one "
                "when tracing first started). Exporters still work: add them to the provider in "
                "place with trace.get_tracer_provider().add_span_processor(...). To name the "
                "service, set OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, or call "
                "trace.set_tracer_provider(...) before the first trace().",
                TracingSetupWarning,
                stacklevel=_caller_stacklevel(),
            )
        return False


_INTERNAL_PACKAGES = frozenset({"logging", "opentelemetry", "datapizza_tracing"})


def _package_of(frame: FrameType) -> str:
    return frame.f_globals.get("__name__", "").split(".")[0]


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the user's ``set_tracer_provider`` line.

    The refusal reaches us through OpenTelemetry and logging frames: skip them,
    so the warning names the user's file, not ``logging/__init__.py``.
    """
    frame = sys._getframe(1)  # the frame calling warnings.warn: stacklevel 1
    level = 1
    while frame.f_back is not None and _package_of(frame) in _INTERNAL_PACKAGES:
        frame = frame.f_back
        level += 1
    return level


def _explain_refused_providers() -> None:
    logger = logging.getLogger("opentelemetry.trace")
    if not any(isinstance(f, _RefusedProviderFilter) for f in logger.filters):
        logger.addFilter(_RefusedProviderFilter())
