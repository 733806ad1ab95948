"""Spans as a trace store keeps them: rows the garbage collector can skip.

Kept by the ten thousand, spans cost a block twice: their memory, and the time
the cyclic garbage collector spends walking them again and again while the
block runs. CPython stops tracking an *exact* tuple once a collection finds it
holds only values that cannot be in a cycle (str, int, bytes, None, and tuples
it already stopped tracking; any dict, even one it does not track, keeps the
tuple tracked), so a row is such a tuple, with no dict, enum member, scope,
resource or link object in it:

    (name, numbers, status_message, attribute_keys, events, links, *attribute_values)

* ``numbers``: ``NUMBERS.pack(span_id, parent_id, start_ns, end_ns, status, kind, origin)``,
  one bytes object in place of three large ints (or, for values that do not
  fit, the same seven values as a tuple);
* ``kind``: the ``SpanKind`` value; ``status``: ``UNSET``, ``OK`` or ``ERROR``;
* ``origin``: where the (instrumentation scope, resource) pair of the span sits
  in its trace's ``InternTable``;
* ``attribute_keys``: one tuple shared by every row with the same keys, the
  values following the six fixed fields in the same order;
* ``events``: ``()`` or ``((name, timestamp_ns, attribute_items), ...)``;
* ``links``: ``()`` or ``((trace_id, span_id, is_remote, trace_flags, trace_state_items, attribute_items), ...)``;
* ``*_items``: ``tuple(mapping.items())``.

``SpanRecord``s are built from rows only when a reader asks (``SpanRows``,
``records_from_rows``). ``collect.sdk_spans`` makes rows out of SDK spans.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, TraceFlags, TraceState

from .record import SpanEvent, SpanRecord

Row = tuple[Any, ...]

# span_id, parent_id (unsigned 64 bit), start_ns, end_ns (signed 64 bit), status, kind, origin.
NUMBERS = struct.Struct("<QQqqBBI")
NAME, NUMBERS_AT, STATUS_MESSAGE, ATTRIBUTE_KEYS, EVENTS, LINKS, FIRST_VALUE = range(7)

_KINDS = {kind.value: kind for kind in SpanKind}
_new_record = tuple.__new__  # skips NamedTuple's Python-level __new__: once per span read


class InternTable:
    """What many rows of one trace share, kept once: (scope, resource) pairs and attribute key tuples."""

    __slots__ = ("_index", "_lock", "key_sets", "last", "pairs")

    def __init__(self) -> None:
        self.pairs: list[tuple[InstrumentationScope | None, Resource | None]] = []
        # The pair seen last and its origin: spans of one block nearly always
        # share it, so the hot path compares two identities instead of hashing.
        self.last: tuple[Any, Any, int] = (object(), object(), -1)
        # Keyed by the tuple itself: ``setdefault`` returns the first copy seen.
        self.key_sets: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._index: dict[tuple[int, int], int] = {}  # ids of a pair -> origin (the pairs list keeps them alive)
        self._lock = threading.Lock()

    def origin(self, scope: InstrumentationScope | None, resource: Resource | None) -> int:
        """The origin of a (scope, resource) pair, added on first sight."""
        key = (id(scope), id(resource))
        with self._lock:
            origin = self._index.get(key)
            if origin is None:
                origin = self._index[key] = len(self.pairs)
                self.pairs.append((scope, resource))
        self.last = (scope, resource, origin)
        return origin


def span_ids_of_row(row: Row) -> tuple[int, int]:
    """``(span_id, parent_id)`` of a row, without building its record."""
    numbers = row[NUMBERS_AT]
    if type(numbers) is bytes:
        span_id, parent_id = NUMBERS.unpack_from(numbers)[:2]
        return span_id, parent_id
    return numbers[0], numbers[1]


def _event(packed: tuple[str, int, tuple[tuple[str, Any], ...]]) -> SpanEvent:
    name, timestamp_ns, attributes = packed
    return SpanEvent(name, timestamp_ns, dict(attributes))


def _link(packed: tuple[int, int, bool, int, tuple[tuple[str, str], ...], tuple[tuple[str, Any], ...]]) -> Link:
    trace_id, span_id, is_remote, flags, trace_state, attributes = packed
    context = SpanContext(trace_id, span_id, is_remote, TraceFlags(flags), TraceState(list(trace_state)))
    return Link(context, dict(attributes))


def records_from_rows(rows: Iterable[Row], table: InternTable, trace_id: int) -> list[SpanRecord]:
    """The ``SpanRecord`` of each row, in order."""
    pairs = table.pairs
    unpack = NUMBERS.unpack
    records = []
    append = records.append
    for row in rows:
        name, numbers, message, keys, events, links = row[:FIRST_VALUE]
        span_id, parent_id, start, end, status, kind, origin = (
            unpack(numbers) if type(numbers) is bytes else numbers
        )
        scope, resource = pairs[origin]
        append(
            _new_record(
                SpanRecord,
                (
                    name,
                    span_id,
                    parent_id,
                    start,
                    end,
                    status,
                    message,
                    dict(zip(keys, row[FIRST_VALUE:])) if keys else {},
                    tuple(map(_event, events)) if events else (),
                    _KINDS.get(kind, SpanKind.INTERNAL),
                    scope,
                    resource,
                    tuple(map(_link, links)) if links else (),
                    trace_id,
                ),
            )
        )
    return records


class SpanRows(Sequence[SpanRecord]):
    """A snapshot's spans: finished ones as rows, running ones as records.

    The records of the rows are built on the first read and kept from then on
    (the rows are let go), so a snapshot nobody reads never pays for them, and
    one that is read behaves as the tuple of records it stands for.
    """

    __slots__ = ("_lock", "_records", "_rows", "_running", "_table", "_trace_id")

    def __init__(
        self, rows: list[Row], table: InternTable, trace_id: int, running: tuple[SpanRecord, ...] = ()
    ) -> None:
        self._rows = rows
        self._table = table
        self._trace_id = trace_id
        self._running = running
        self._records: tuple[SpanRecord, ...] | None = None
        self._lock = threading.Lock()

    def records(self) -> tuple[SpanRecord, ...]:
        """Every span as a ``SpanRecord``: finished first, then running ones."""
        records = self._records
        if records is None:
            with self._lock:
                records = self._records
                if records is None:
                    built = records_from_rows(self._rows, self._table, self._trace_id)
                    records = self._records = (*built, *self._running)
                    self._rows = []
        return records

    def under(self, root_span_id: int) -> SpanRows:
        """The spans under ``root_span_id`` (itself included), in order; orphans are left out.

        The row twin of ``model.snapshot.subtree(..., keep_orphans=False)``: it
        reads two numbers per row instead of building every record.
        """
        with self._lock:  # a concurrent first read swaps the rows for records
            rows, records = self._rows, self._records
        if records is not None:
            inside = _descendants([(s.span_id, s.parent_id) for s in records], root_span_id)
            return SpanRows([], self._table, self._trace_id, tuple(s for s in records if s.span_id in inside))
        row_ids = [span_ids_of_row(row) for row in rows]
        inside = _descendants(row_ids + [(s.span_id, s.parent_id) for s in self._running], root_span_id)
        kept_rows = [row for row, (span_id, _) in zip(rows, row_ids) if span_id in inside]
        running = tuple(s for s in self._running if s.span_id in inside)
        return SpanRows(kept_rows, self._table, self._trace_id, running)

    # -- the tuple the spans stand for ----------------------------------------
    def __len__(self) -> int:
        records = self._records
        return len(records) if records is not None else len(self._rows) + len(self._running)

    @overload
    def __getitem__(self, index: int) -> SpanRecord: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[SpanRecord, ...]: ...
    def __getitem__(self, index: int | slice) -> SpanRecord | tuple[SpanRecord, ...]:
        return self.records()[index]

    def __iter__(self) -> Iterator[SpanRecord]:
        return iter(self.records())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SpanRows):
            return self.records() == other.records()
        if isinstance(other, tuple):
            return self.records() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # records hold attribute dicts, like the tuple

    def __add__(self, other: Sequence[SpanRecord]) -> tuple[SpanRecord, ...]:
        return self.records() + tuple(other)

    def __radd__(self, other: Sequence[SpanRecord]) -> tuple[SpanRecord, ...]:
        return tuple(other) + self.records()

    def __repr__(self) -> str:
        return f"SpanRows({len(self)} spans)"


def _descendants(ids: list[tuple[int, int]], root_span_id: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for span_id, parent_id in ids:
        if span_id != root_span_id:
            children.setdefault(parent_id, []).append(span_id)
    inside = {root_span_id}
    stack = [root_span_id]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in inside:  # a cycle of parent links must end
                inside.add(child)
                stack.append(child)
    return inside
