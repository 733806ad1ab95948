"""Helpers for code that writes its own spans in the datapizza vocabulary."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span

from . import config
from .analysis.vocabulary import IGNORED_USAGE_KEY, token_count
from .collect.misuse import warn_usage
from .collect.provider import sdk_disabled, sdk_provider

_TRACER_NAME = "datapizza_tracing"


def _tracer() -> trace.Tracer:
    return trace.get_tracer(_TRACER_NAME)


@contextmanager
def _typed_span(span_type: str, name: str, attributes: Mapping[str, Any] | None) -> Iterator[Span]:
    with _tracer().start_as_current_span(name, attributes={"type": span_type, **(attributes or {})}) as span:
        yield span


def generation_span(
    name: str = "generation", *, model: str | None = None, attributes: Mapping[str, Any] | None = None
):
    """A span around one model call (``type=generation``); pass ``model`` to name it up front."""
    extra = dict(attributes or {})
    if model is not None:
        extra["model_name"] = model
    return _typed_span("generation", name, extra)


def agent_span(name: str = "agent", *, attributes: Mapping[str, Any] | None = None):
    """A span around one agent run (``type=agent``)."""
    return _typed_span("agent", name, attributes)


def tool_span(name: str = "tool", *, attributes: Mapping[str, Any] | None = None):
    """A span around one tool call (``type=tool``)."""
    return _typed_span("tool", name, attributes)


def record_usage(
    span: Span,
    *,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    cached_tokens: int = 0,
    thinking_tokens: int = 0,
    stop_reason: str | None = None,
) -> None:
    """Write a model call's token usage on ``span`` as datapizza-ai clients do.

    On no span at all or on a span that has ended, nothing can be written: a
    ``TracingUsageWarning`` says so (a span the sampler dropped, or tracing
    turned off, stays silent: that is the setup's choice, not a mistake).

    A figure that is not a token count (NaN, infinity, negative, ``None``,
    text that is no number) is not written and not counted: one
    ``TracingUsageWarning`` names it, and the trace's summary counts it as an
    ignored usage value. The valid figures of the same call still count.
    """
    if not callable(getattr(span, "is_recording", None)):  # None, a name, ...: any span-like object works
        raise TypeError(
            f"record_usage needs the OpenTelemetry span to write on, not {type(span).__name__} "
            "(e.g. `with generation_span(...) as span: record_usage(span, ...)`)"
        )
    if not span.is_recording():
        _warn_not_recorded(span, model)
        return
    model = _plain(model)
    figures = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "cached_tokens": cached_tokens,
        "thinking_tokens": thinking_tokens,
    }
    counts = {name: token_count(value) for name, value in figures.items()}
    refused = tuple(name for name, count in counts.items() if count is None)
    attributes: dict[str, Any] = {"model_name": model}
    attributes.update((f"{name}_used", count) for name, count in counts.items() if count is not None)
    if refused:
        attributes[IGNORED_USAGE_KEY] = refused
    span.set_attributes(attributes)
    if stop_reason is not None:
        span.set_attribute("stop_reason", _plain(stop_reason))
    if refused:
        shown = ", ".join(f"{name}={_shown(figures[name])}" for name in refused)
        warn_usage(
            f"record_usage: {shown} for {model} is not a token count (a finite number from 0), "
            "so it is not counted"
        )


def _shown(value: object) -> str:
    """A short, safe picture of a refused value for a warning."""
    text = _plain(value) if isinstance(value, str) else _repr(value)
    text = repr(text) if isinstance(value, str) else text
    return text if len(text) <= 40 else text[:37] + "..."


def _repr(value: object) -> str:
    try:
        return repr(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def _warn_not_recorded(span: Span, model: str) -> None:
    if sdk_disabled() or sdk_provider() is None:
        return  # tracing is off: every span is a no-op on purpose
    if getattr(span, "end_time", None) is not None:
        why = "the span has ended (call record_usage inside its with block)"
    elif not span.get_span_context().is_valid:
        why = "there is no span (no span was current where record_usage was called)"
    else:
        return  # sampled out
    warn_usage(f"record_usage: {why}, so the usage of {_plain(model)} is not recorded")


def _plain(value: object) -> str:
    """``str(value)``, or a placeholder naming its type when that raises (or recurses without end)."""
    try:
        return value if isinstance(value, str) else str(value)
    except Exception:
        try:
            return f"<unprintable {type(value).__name__}>"
        except Exception:
            return "<unprintable>"


def _as_text(value: Any) -> str:
    """JSON when the value is JSON-like, its ``str()`` otherwise; never raises.

    Objects inside JSON whose ``str()`` fails become placeholders, so one bad item
    does not cost the rest of the value.
    """
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=_plain)
    except Exception:  # circular, too deep, keys that are not strings, ...
        return _plain(value)


def record_client_io(span: Span, *, input: Any = None, output: Any = None, memory: Any = None) -> bool:
    """Write a client's input/output/memory on ``span`` if ``DATAPIZZA_TRACE_CLIENT_IO`` is on.

    Off by default: prompts and answers often hold data that must not leave the
    process. Returns whether anything was written.
    """
    if not config.client_io_enabled():
        return False
    for key, value in (("input", input), ("output", output), ("memory", memory)):
        if value is not None:
            span.set_attribute(key, _as_text(value))
    return True
