"""The hooks that must be in place before any tracer provider is built, and the refusal explainer.

Installed when the OpenTelemetry SDK is first imported (see ``sdk_watch``):

* ``TracerProvider.__init__`` is wrapped so every SDK provider built from then
  on gets the collector as one more span processor;
* the API's proxy provider accepts ``add_span_processor`` (the README's exporter
  snippets), installing the real provider first;
* OpenTelemetry's terse "Overriding of current TracerProvider is not allowed"
  log line becomes one warning that says what it means for blocks and exporters.

This module imports nothing of the collector at import time: it runs while the
SDK itself is still being imported by the collector's own modules.
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
import warnings
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

_lock = threading.RLock()
_OVERRIDE_MESSAGE = "Overriding of current TracerProvider is not allowed"
OURS = "_datapizza_tracing_installed"  # set on the provider datapizza-tracing made global
_PATCHED = "_datapizza_tracing_patched"


class TracingSetupWarning(UserWarning):
    """The OpenTelemetry setup is not what datapizza-tracing needs to show spans."""


def _hook_new_providers() -> None:
    """Wrap ``TracerProvider.__init__`` so each SDK provider built from now on feeds the collector."""
    original = TracerProvider.__init__
    if getattr(original, _PATCHED, False):
        return

    @functools.wraps(original)
    def __init__(self: TracerProvider, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        from .provider import attach_quietly  # at call time: the collector is loaded by then

        attach_quietly(self)

    setattr(__init__, _PATCHED, True)
    TracerProvider.__init__ = __init__  # type: ignore[method-assign]


def _add_to_global_provider(span_processor: SpanProcessor) -> None:
    """``add_span_processor`` on the API's proxy: make the provider real, then add to it."""
    from .provider import ensure_collector

    ensure_collector()
    trace.get_tracer_provider().add_span_processor(span_processor)  # type: ignore[attr-defined]


def _let_proxy_take_processors() -> None:
    # The proxy object itself: get_tracer_provider() would load an OTEL_PYTHON_TRACER_PROVIDER now.
    proxy = getattr(trace, "_PROXY_TRACER_PROVIDER", None)
    if isinstance(proxy, trace.ProxyTracerProvider) and not hasattr(proxy, "add_span_processor"):
        proxy.add_span_processor = _add_to_global_provider  # type: ignore[attr-defined]


def install() -> None:
    """Called on ``import datapizza_tracing``: the hooks above and the refusal explainer."""
    with _lock:
        _hook_new_providers()
        _let_proxy_take_processors()
        logger = logging.getLogger("opentelemetry.trace")
        if not any(isinstance(f, _RefusedProviderFilter) for f in logger.filters):
            logger.addFilter(_RefusedProviderFilter())


def _refused_provider() -> Any:
    """The provider ``trace.set_tracer_provider`` is refusing right now (read from its frame)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "_set_tracer_provider" and "tracer_provider" in frame.f_locals:
            return frame.f_locals["tracer_provider"]
        frame = frame.f_back
    return None


def refusal_message(first: Any, refused: Any, refused_is_seen: bool) -> str:
    """What a refused ``set_tracer_provider`` means for the blocks and for the user's exporters."""
    if getattr(first, OURS, False):
        whose = (
            "the one datapizza-tracing installed when the first trace() started or a span processor "
            "was first added"
        )
    else:
        whose = f"a {type(first).__name__} set earlier"
    seen = (
        "Blocks still show the spans made through the new provider (datapizza-tracing is attached to "
        "it), but spans from trace.get_tracer(...) and most instrumentations go to the first provider, "
        "so span processors and exporters added to the new one never receive them."
        if refused_is_seen
        else "Spans made through the new provider are not shown in blocks."
    )
    return (
        f"OpenTelemetry kept its first global TracerProvider ({whose}) and ignored the new "
        f"{type(refused).__name__} (a provider can be set only once per process). {seen} Add exporters "
        "to the first provider in place with trace.get_tracer_provider().add_span_processor(...). To name "
        "the service, set OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, or call "
        "trace.set_tracer_provider(...) before the first trace()."
    )


class _RefusedProviderFilter(logging.Filter):
    """Replaces OpenTelemetry's terse refusal with one warning that says what it means here."""

    def __init__(self) -> None:
        super().__init__()
        self.warned = False

    def filter(self, record: logging.LogRecord) -> bool:
        if _OVERRIDE_MESSAGE not in record.getMessage():
            return True
        from .provider import attach_quietly

        refused = _refused_provider()
        seen = refused is not None and attach_quietly(refused)
        if not self.warned:
            self.warned = True
            warnings.warn(
                refusal_message(trace.get_tracer_provider(), refused, seen),
                TracingSetupWarning,
                stacklevel=_caller_stacklevel(),
            )
        return False


_INTERNAL_PACKAGES = frozenset({"logging", "opentelemetry", "datapizza_tracing"})


def _package_of(frame: Any) -> str:
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
