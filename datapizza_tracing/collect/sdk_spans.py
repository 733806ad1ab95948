"""Copying OpenTelemetry SDK spans into ``SpanRecord``s, and back.

``record_from_ended_span`` runs once per span of every tracked block, so it
reads the SDK's fields directly; ``to_readable_span`` rebuilds the read-only
OpenTelemetry span only when ``TraceHandle.get_spans()`` asks for it.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import SpanContext, Status, StatusCode, TraceFlags

from ..model.record import ERROR, OK, UNSET, SpanEvent, SpanRecord

_STATUS_CODES = {StatusCode.UNSET: UNSET, StatusCode.OK: OK, StatusCode.ERROR: ERROR}
_STATUS_BY_CODE = {v: k for k, v in _STATUS_CODES.items()}


def _plain_attributes(attributes: Any) -> dict[str, Any]:
    if not attributes:
        return {}
    # BoundedAttributes keeps a plain dict; copying it at C speed avoids one
    # Python-level __getitem__ per key on the hot path.
    inner = getattr(attributes, "_dict", None)
    return dict(inner) if type(inner) is dict else dict(attributes)


def _events(events: Any) -> tuple[SpanEvent, ...]:
    if not events:
        return ()
    return tuple(SpanEvent(e.name, e.timestamp, _plain_attributes(e.attributes)) for e in events)


def record_from_span(span: Any) -> SpanRecord:
    """Copy what we show out of an SDK span (live or read-only) into a ``SpanRecord``."""
    context = span.context
    parent = span.parent
    status = span.status
    return SpanRecord(
        span.name,
        context.span_id,
        parent.span_id if parent is not None else 0,
        span.start_time,
        span.end_time,
        _STATUS_CODES.get(status.status_code, UNSET),
        status.description,
        # The SDK's public properties copy attributes, events and links on every
        # access; read the underlying fields when this SDK version has them.
        _plain_attributes(getattr(span, "_attributes", None) or span.attributes),
        _events(getattr(span, "_events", None) or span.events),
        span.kind,
        span.instrumentation_scope,
        span.resource,
        tuple(getattr(span, "_links", None) or span.links),
        context.trace_id,
    )


_new_record = tuple.__new__  # skips NamedTuple's Python-level __new__ on the hot path
# ``SpanContext`` is a tuple (trace_id, span_id, is_remote, ...): indexing it
# skips a Python property call per field, once per span of every tracked block.
TRACE_ID, SPAN_ID = 0, 1


def _status_code(code: StatusCode) -> int:
    # Identity checks: Enum.__hash__ is Python code, too slow for once per span.
    return ERROR if code is StatusCode.ERROR else OK if code is StatusCode.OK else UNSET


def record_from_ended_span(span: Any, trace_id: int, span_id: int) -> SpanRecord:
    """``record_from_span`` for the read-only span ``on_end`` receives: the hot path.

    It reads the SDK's fields directly (a property call each costs as much as
    the rest together) and keeps the span's attribute dict itself instead of a
    copy: the SDK freezes it when the span ends. Spans of another shape take
    the general path. ``trace_id`` and ``span_id`` are the caller's, already read.
    """
    try:
        parent = span._parent
        status = span._status
        attributes = span._attributes._dict
        events = span._events._dq
        links = span._links._dq
        code = status._status_code
        description = status._description
    except AttributeError:
        return record_from_span(span)
    return _new_record(
        SpanRecord,
        (
            span._name,
            span_id,
            parent[SPAN_ID] if parent is not None else 0,
            span._start_time,
            span._end_time,
            _status_code(code),
            description,
            attributes,
            _events(events) if events else (),
            span._kind,
            span._instrumentation_scope,
            span._resource,
            tuple(links) if links else (),
            trace_id,
        ),
    )


def to_readable_span(record: SpanRecord) -> ReadableSpan:
    """Rebuild the OpenTelemetry read-only span a record was taken from."""
    flags = TraceFlags(TraceFlags.SAMPLED)
    context = SpanContext(record.trace_id, record.span_id, is_remote=False, trace_flags=flags)
    parent = (
        SpanContext(record.trace_id, record.parent_id, is_remote=False, trace_flags=flags)
        if record.parent_id
        else None
    )
    return ReadableSpan(
        name=record.name,
        context=context,
        parent=parent,
        resource=record.resource,
        attributes=dict(record.attributes),
        events=tuple(Event(e.name, dict(e.attributes), e.timestamp_ns) for e in record.events),
        links=record.links,
        kind=record.kind,
        status=Status(_STATUS_BY_CODE[record.status], record.status_message),
        start_time=record.start_ns,
        end_time=record.end_ns,
        instrumentation_scope=record.scope,
    )
