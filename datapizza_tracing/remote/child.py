"""The worker-process side: run one piece of work inside the parent block's trace, send its spans back.

``run_in_child(carrier, fn, *args)`` is what a followed process pool really
runs. It attaches the parent's W3C context (so spans made by ``fn`` hang under
the span that submitted the work), keeps the spans of that trace with the
collector while ``fn`` runs, and before returning posts them as OTLP JSON to
the parent's receiver: by the time the parent has the result, the block has
the spans. Posting is bounded in time (a busy receiver is tried again for a
few seconds, then what is lost is reported as dropped) and never raises: the
work's own result or exception always comes back unchanged.
"""

from __future__ import annotations

import enum
import http.client
import json
import logging
import os
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from .. import config
from ..collect.provider import ensure_collector, installed_collector
from ..model.record import SpanRecord
from ..storage.otlp_encode import records_to_otlp
from .otlp_body import DROPPED_HEADER

_log = logging.getLogger(__name__)

POST_TIMEOUT_S = 5.0
RETRY_WITHIN_S = 10.0  # a busy receiver is tried again for at most this long, then the spans count as dropped
RETRY_FIRST_WAIT_S = 0.05
RETRY_LONGEST_WAIT_S = 1.0
LOST_REPORT_TIMEOUT_S = 1.0
MAX_SPANS_KEY = "max_spans"  # the block's span cap, in the carrier: a worker keeps no more than the block
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
    if MAX_SPANS_KEY in running:
        carrier[MAX_SPANS_KEY] = running[MAX_SPANS_KEY]
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
            records, dropped = store.finished_records(), store.dropped
            collector.release(store)
            if records or dropped:
                post_spans(carrier["endpoint"], records, store.trace_id, dropped)
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
        store = collector.track(trace_id, carried_max_spans(carrier.get(MAX_SPANS_KEY)), follow_threads=True)
        return collector, store, context
    except Exception:  # a bad setting or carrier in the worker: run the work untraced
        _log.debug("datapizza-tracing could not join the parent's trace", exc_info=True)
        return None


def carried_max_spans(value: str | None) -> int:
    """The block's span cap the parent carried; this process's own setting when there is none."""
    if value and value.isascii() and value.isdigit() and 0 < int(value) <= config.MAX_SPANS_LIMIT:
        return int(value)
    return config.max_spans()


def post_spans(endpoint: str, records: list[SpanRecord], trace_id: int = 0, dropped: int = 0) -> bool:
    """POST ``records`` as OTLP JSON requests; True when the receiver took them all.

    Spans go in batches, as an exporter's would: one worker's many spans must not
    make one body over the receiver's size limit, refused whole. The first batch
    says how many spans of ``trace_id`` this process dropped over the block's cap.
    A busy receiver (many workers finishing at once) is tried again for a while;
    spans that still cannot be sent are reported as dropped, so the loss shows.
    """
    # Sending spans is not traced work: an instrumented urllib must not make spans of it.
    token = otel_context.attach(otel_context.set_value(otel_context._SUPPRESS_INSTRUMENTATION_KEY, True))
    try:
        deadline = time.monotonic() + RETRY_WITHIN_S
        unreported = dropped
        for at in range(0, max(len(records), 1), SPANS_PER_POST):
            headers = {DROPPED_HEADER: f"{trace_id:032x} {unreported}"} if unreported else {}
            sent = _post_retrying(endpoint, records[at : at + SPANS_PER_POST], headers, deadline)
            if sent is not _Sent.OK:
                if sent is not _Sent.GONE:  # the parent is there but did not take them: say what is lost
                    _report_lost(endpoint, trace_id, unreported + len(records) - at)
                return False
            unreported = 0
        return True
    finally:
        otel_context.detach(token)


class _Sent(enum.Enum):
    OK = "taken"
    BUSY = "busy, or the connection broke: worth trying again"
    REFUSED = "answered with an error: no use trying again"
    GONE = "nobody listens: the block has closed its port"


def _post_retrying(
    endpoint: str, records: list[SpanRecord], headers: dict[str, str], deadline: float
) -> _Sent:
    wait = RETRY_FIRST_WAIT_S
    while True:
        timeout = min(POST_TIMEOUT_S, max(deadline - time.monotonic(), LOST_REPORT_TIMEOUT_S))
        sent = _post(endpoint, records, headers, timeout)
        if sent is not _Sent.BUSY or time.monotonic() + wait >= deadline:
            return sent
        time.sleep(wait * random.uniform(0.5, 1.5))  # jitter: workers that finished together spread out
        wait = min(wait * 2, RETRY_LONGEST_WAIT_S)


def _report_lost(endpoint: str, trace_id: int, lost: int) -> None:
    # One short, empty request: the block counts them as dropped instead of never knowing.
    report = {DROPPED_HEADER: f"{trace_id:032x} {lost}"}
    if _post(endpoint, [], report, LOST_REPORT_TIMEOUT_S) is not _Sent.OK:
        _log.debug("datapizza-tracing could not tell the parent that %d spans were lost", lost)


def _post(endpoint: str, records: list[SpanRecord], headers: dict[str, str], timeout: float) -> _Sent:
    body = json.dumps(records_to_otlp(records)).encode()
    request = urllib.request.Request(
        endpoint, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _Sent.OK if 200 <= response.status < 300 else _Sent.REFUSED
    except urllib.error.HTTPError as error:
        return _Sent.BUSY if error.code in (429, 503) else _Sent.REFUSED
    except urllib.error.URLError as error:
        return _Sent.GONE if isinstance(error.reason, ConnectionRefusedError) else _Sent.BUSY
    except (OSError, http.client.HTTPException):  # closed unanswered (over the connection limit), a timeout
        return _Sent.BUSY


TRACEPARENT_ENV = "TRACEPARENT"
TRACESTATE_ENV = "TRACESTATE"
ENDPOINT_ENV = "DATAPIZZA_TRACING_PARENT_ENDPOINT"
PARENT_MAX_SPANS_ENV = "DATAPIZZA_TRACING_PARENT_MAX_SPANS"


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
    max_spans = os.environ.pop(PARENT_MAX_SPANS_ENV, None)
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
        store = _collector().track(trace_id, carried_max_spans(max_spans), follow_threads=True)
        otel_context.attach(context)

        def send_at_exit() -> None:
            records, dropped = store.finished_records(), store.dropped
            if records or dropped:
                post_spans(endpoint, records, trace_id, dropped)

        atexit.register(send_at_exit)
        return True
    except Exception:  # a bad setting or a broken environment: the child runs untraced
        _log.debug("datapizza-tracing could not join the parent's trace", exc_info=True)
        return False


def _forget_parent_blocks() -> None:
    # A forked worker inherits the parent's open blocks: their copies would fill with the
    # worker's spans and be sent nowhere. The worker keeps only what run_in_child tracks.
    # Runs in every forked child, while the lock of any other parent thread may be held: it takes none.
    collector = installed_collector()
    if collector is not None:
        collector.forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent_blocks)
