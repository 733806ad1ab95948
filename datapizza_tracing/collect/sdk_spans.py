"""Copying OpenTelemetry SDK spans into rows and ``SpanRecord``s, and back.

``row_from_ended_span`` runs once per span of every tracked block, so it reads
the SDK's fields directly; ``record_from_span`` copies a running span for the
live views; ``to_readable_span`` rebuilds the read-only OpenTelemetry span only
when ``TraceHandle.get_spans()`` asks for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import SpanContext, Status, StatusCode, TraceFlags

from ..model.record import ERROR, OK, UNSET, SpanEvent, SpanRecord, as_text
from ..model.rows import InternTable

Row = Sequence[Any]  # one row of model.rows, to be laid into a store's flat list

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
        as_text(span.name),
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


# ``SpanContext`` is a tuple (trace_id, span_id, is_remote, ...): indexing it
# skips a Python property call per field, once per span of every tracked block.
TRACE_ID, SPAN_ID = 0, 1


def row_from_ended_span(span: Any, span_id: int, table: InternTable) -> Row:
    """The row (see ``model.rows``) of the read-only span ``on_end`` receives: the hot path.

    It reads the SDK's fields directly (a property call each costs as much as
    the rest together) and takes the attribute values out of the span's own
    dict, which the SDK froze when the span ended. Spans of another shape take
    the general path. ``span_id`` is the caller's, already read.
    """
    try:
        parent = span._parent
        status = span._status
        attributes = span._attributes._dict
        events = span._events._dq
        links = span._links._dq
        scope = span._instrumentation_scope
        resource = span._resource
        status_code = status._status_code._value_
        kind = span._kind._value_
    except AttributeError:
        return row_from_record(record_from_span(span), table)
    last = table.last
    origin = last[2] if last[0] is scope and last[1] is resource else table.origin(scope, resource)
    # A list, built in one display and grown in place: cheaper than tuples and a
    # concatenation, and ``list.extend(list)`` is as atomic for the caller. The
    # keys go in as they are (two C calls), cheaper than a key tuple to intern.
    row = [
        span._name,
        span_id,
        parent[SPAN_ID] if parent is not None else 0,
        span._start_time,
        span._end_time,
        status_code,
        kind,
        origin,
        status._description,
        _packed_events(events) if events else (),
        _packed_links(links) if links else (),
        len(attributes),
    ]
    if attributes:
        row += attributes
        row += attributes.values()
    return row


def row_from_record(record: SpanRecord, table: InternTable) -> Row:
    """The row of any record: the general path, for spans of another shape."""
    attributes = dict(record.attributes)
    return [
        record.name,
        record.span_id,
        record.parent_id,
        record.start_ns,
        record.end_ns,
        record.status,
        getattr(record.kind, "value", 0),
        table.origin(record.scope, record.resource),
        record.status_message,
        tuple((e.name, e.timestamp_ns, _items(e.attributes)) for e in record.events),
        _packed_links(record.links),
        len(attributes),
        *attributes,
        *attributes.values(),
    ]


def _items(mapping: Any) -> tuple[tuple[str, Any], ...]:
    """A mapping as a tuple of pairs: a dict in a row would keep the GC tracking it (see model.rows)."""
    return tuple(mapping.items()) if mapping else ()


def _packed_events(events: Any) -> tuple[tuple[str, int, tuple[tuple[str, Any], ...]], ...]:
    return tuple((e.name, e.timestamp, _items(_plain_attributes(e.attributes))) for e in events)


def _packed_links(links: Any) -> tuple[tuple[Any, ...], ...]:
    packed = []
    for link in links:
        context = link.context
        packed.append(
            (
                context.trace_id,
                context.span_id,
                context.is_remote,
                int(context.trace_flags),
                _items(context.trace_state),
                _items(_plain_attributes(link.attributes)),
            )
        )
    return tuple(packed)


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
