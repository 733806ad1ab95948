"""The worker-process side: run one piece of work inside the parent block's trace, send its spans back.

``run_in_child(carrier, fn, *args)`` is what a followed process pool really
runs. It attaches the parent's W3C context (so spans made by ``fn`` hang under
the span that submitted the work), keeps the spans of that trace with the
collector while ``fn`` runs, and before returning posts them as OTLP JSON to
the parent's receiver: by the time the parent has the result, the block has
the spans. Posting has a short time limit and never raises: the work's own
result or exception always comes back unchanged.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from .. import config
from ..collect.provider import ensure_collector, installed_collector
from ..model.record import SpanRecord
from ..storage.otlp_encode import records_to_otlp

_log = logging.getLogger(__name__)

POST_TIMEOUT_S = 5.0
SPANS_PER_POST = 512  # the batch size of OpenTelemetry's BatchSpanProcessor
_propagator = TraceContextTextMapPropagator()
# Set in a process that is itself a followed worker: work it hands on follows the same block.
_current_carrier: dict[str, str] | None = None


def inherited_carrier() -> dict[str, str] | None:
    """For work this worker submits in turn: the current span's context and the parent's endpoint."""
    running = _current_carrier
    if running is None:
        return None
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    if (
        "traceparent" not in carrier
        or carrier["traceparent"].split("-")[1:2] != running["traceparent"].split("-")[1:2]
    ):
        return None  # the current span is not in the parent's trace
    carrier["endpoint"] = running["endpoint"]
    return carrier


def run_in_child(carrier: Mapping[str, str], fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn(*args, **kwargs)`` in the parent block's trace and deliver its spans to the parent."""
    global _current_carrier
    joined = _join(carrier)
    if joined is None:
        return fn(*args, **kwargs)
    collector, store, context = joined
    token = otel_context.attach(context)
    outer, _current_carrier = _current_carrier, dict(carrier)
    try:
        return fn(*args, **kwargs)
    finally:
        _current_carrier = outer
        otel_context.detach(token)
        try:
            records = store.finished_records()
            collector.release(store)
            if records:
                post_spans(carrier["endpoint"], records)
        except Exception:
            _log.debug("datapizza-tracing could not send a worker's spans back", exc_info=True)


def _join(carrier: Mapping[str, str]) -> tuple[Any, Any, otel_context.Context] | None:
    try:
        context = _propagator.extract(carrier)
        from opentelemetry import trace

        trace_id = trace.get_current_span(context).get_span_context().trace_id
        if not trace_id or not carrier.get("endpoint"):
            return None
        collector = ensure_collector()  # a spawned worker has no tracer provider yet
        store = collector.track(trace_id, config.max_spans(), follow_threads=True)
        return collector, store, context
    except Exception:  # a bad setting or carrier in the worker: run the work untraced
        _log.debug("datapizza-tracing could not join the parent's trace", exc_info=True)
        return None


def post_spans(endpoint: str, records: list[SpanRecord]) -> bool:
    """POST ``records`` as OTLP JSON requests; True when the receiver took them all.

    Spans go in batches, as an exporter's would: one worker's many spans must not
    make one body over the receiver's size limit, refused whole.
    """
    # Sending spans is not traced work: an instrumented urllib must not make spans of it.
    token = otel_context.attach(otel_context.set_value(otel_context._SUPPRESS_INSTRUMENTATION_KEY, True))
    try:
        for at in range(0, len(records), SPANS_PER_POST):
            if not _post(endpoint, records[at : at + SPANS_PER_POST]):
                return False  # the parent is gone or refuses: no use waiting on every batch
        return True
    finally:
        otel_context.detach(token)


def _post(endpoint: str, records: list[SpanRecord]) -> bool:
    body = json.dumps(records_to_otlp(records)).encode()
    request = urllib.request.Request(
        endpoint, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=POST_TIMEOUT_S) as response:
            return 200 <= response.status < 300
    except OSError:
        return False


TRACEPARENT_ENV = "TRACEPARENT"
TRACESTATE_ENV = "TRACESTATE"
ENDPOINT_ENV = "DATAPIZZA_TRACING_PARENT_ENDPOINT"


def join_from_environment() -> bool:
    """In a Python subprocess of a followed block: join its trace for the life of the process.

    The parent put its W3C context in ``TRACEPARENT`` / ``TRACESTATE`` (the
    environment carriers OpenTelemetry specifies) and its receiver in
    ``DATAPIZZA_TRACING_PARENT_ENDPOINT``. The context becomes the main thread's,
    the collector keeps the trace's spans from every tracer provider made here,
    and they are posted to the parent when the process exits. No provider is
    installed: the child's own set-up stays its own.
    """
    endpoint = os.environ.pop(ENDPOINT_ENV, None)
    traceparent = os.environ.get(TRACEPARENT_ENV)
    if not endpoint or not traceparent:
        return False
    try:
        import atexit

        from opentelemetry import trace

        from ..collect.provider import _collector

        carrier = {"traceparent": traceparent}
        if os.environ.get(TRACESTATE_ENV):
            carrier["tracestate"] = os.environ[TRACESTATE_ENV]
        context = _propagator.extract(carrier)
        trace_id = trace.get_current_span(context).get_span_context().trace_id
        if not trace_id:
            return False
        store = _collector().track(trace_id, config.max_spans(), follow_threads=True)
        otel_context.attach(context)

        def send_at_exit() -> None:
            records = store.finished_records()
            if records:
                post_spans(endpoint, records)

        atexit.register(send_at_exit)
        return True
    except Exception:  # a bad setting or a broken environment: the child runs untraced
        _log.debug("datapizza-tracing could not join the parent's trace", exc_info=True)
        return False


def _forget_parent_blocks() -> None:
    # A forked worker inherits the parent's open blocks: their copies would fill with the
    # worker's spans and be sent nowhere. The worker keeps only what run_in_child tracks.
    collector = installed_collector()
    if collector is not None:
        collector.shutdown()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent_blocks)
