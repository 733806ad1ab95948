"""Spans as a trace store keeps them: rows laid end to end in one flat list.

Kept by the ten thousand, spans cost a block twice: their memory, and the time
the cyclic garbage collector spends walking them while the block runs. A row
adds no object of its own: its fields go straight into the store's one list
(one ``list.extend`` per span, atomic under the GIL), so a span leaves the
collector nothing new to track. Each row is

    name, span_id, parent_id, start_ns, end_ns, status, kind, origin,
    status_message, events, links, attribute_count, *attribute_keys, *attribute_values

* ``status``: ``UNSET``, ``OK`` or ``ERROR``; ``kind``: the ``SpanKind`` value;
* ``origin``: where the span's (instrumentation scope, resource) pair sits in
  its trace's ``InternTable``;
* ``attribute_count`` keys, then their values in the same order (the key
  strings are the ones the traced code passed, usually shared literals);
* ``events``: ``()`` or ``((name, timestamp_ns, attribute_items), ...)``;
* ``links``: ``()`` or
  ``((trace_id, span_id, is_remote, trace_flags, trace_state_items, attribute_items), ...)``;
* ``*_items``: ``tuple(mapping.items())``.

Nothing in a row is a dict, an enum member, a scope, a resource or a link: a
tuple copy of finished rows (what a snapshot keeps) holds only values CPython
stops tracking, so the garbage collector stops walking it after a collection
or two. ``SpanRecord``s are built only when a reader asks (``SpanRows``,
``records_from_rows``). ``collect.sdk_spans`` writes rows from SDK spans.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, TraceFlags, TraceState

from .gc_pause import gc_paused
from .record import SpanEvent, SpanRecord, as_text

# Offsets within a row; the attribute keys start at FIXED, their values right after them.
SPAN_ID, PARENT_ID, STATUS, ATTRIBUTE_COUNT, FIXED = 1, 2, 5, 11, 12

_KINDS = {kind.value: kind for kind in SpanKind}
_new_record = tuple.__new__  # skips NamedTuple's Python-level __new__: once per span read


class InternTable:
    """What many rows of one trace share, kept once: (scope, resource) pairs."""

    __slots__ = ("_index", "_lock", "last", "pairs")

    def __init__(self) -> None:
        self.pairs: list[tuple[InstrumentationScope | None, Resource | None]] = []
        # The pair seen last and its origin: spans of one block nearly always
        # share it, so the hot path compares two identities instead of hashing.
        self.last: tuple[Any, Any, int] = (object(), object(), -1)
        self._index: dict[
            tuple[int, int], int
        ] = {}  # ids of a pair -> origin (the pairs list keeps them alive)
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


def row_starts(rows: Sequence[Any]) -> Iterator[int]:
    """Where each row of a flat sequence of whole rows begins."""
    at, end = 0, len(rows)
    while at < end:
        yield at
        at += FIXED + 2 * rows[at + ATTRIBUTE_COUNT]


def row_offset(rows: Sequence[Any], count: int) -> int:
    """Where the row after the first ``count`` rows of a flat sequence begins."""
    for number, at in enumerate(row_starts(rows)):
        if number == count:
            return at
    return len(rows)


def span_ids(rows: Sequence[Any]) -> list[int]:
    """The span id of each row, without building records."""
    return [rows[at + SPAN_ID] for at in row_starts(rows)]


def _event(packed: tuple[str, int, tuple[tuple[str, Any], ...]]) -> SpanEvent:
    name, timestamp_ns, attributes = packed
    return SpanEvent(name, timestamp_ns, dict(attributes))


def _link(
    packed: tuple[int, int, bool, int, tuple[tuple[str, str], ...], tuple[tuple[str, Any], ...]],
) -> Link:
    trace_id, span_id, is_remote, flags, trace_state, attributes = packed
    context = SpanContext(trace_id, span_id, is_remote, TraceFlags(flags), TraceState(list(trace_state)))
    return Link(context, dict(attributes))


def records_from_rows(
    rows: Sequence[Any], table: InternTable, trace_id: int, starts: Iterable[int] | None = None
) -> list[SpanRecord]:
    """The ``SpanRecord`` of each row of a flat sequence of whole rows, or of the rows at ``starts``."""
    pairs = table.pairs
    records = []
    append = records.append
    for at in row_starts(rows) if starts is None else starts:
        name, span_id, parent_id, start, end, status, kind, origin, message, events, links, count = rows[
            at : at + FIXED
        ]
        scope, resource = pairs[origin]
        append(
            _new_record(
                SpanRecord,
                (
                    name if type(name) is str else as_text(name),
                    span_id,
                    parent_id,
                    start,
                    end,
                    status,
                    message,
                    dict(
                        zip(
                            rows[at + FIXED : at + FIXED + count],
                            rows[at + FIXED + count : at + FIXED + 2 * count],
                            strict=True,
                        )
                    )
                    if count
                    else {},
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


class RowBatch:
    """Finished spans read straight from their rows, for a reader that needs a few fields of many.

    The live view takes in every new span four times a second but shows only a
    handful: it counts them, reads their statuses and attributes here, and
    builds records only for the spans it shows.
    """

    __slots__ = ("_rows", "_starts", "_table", "_trace_id")

    def __init__(self, rows: Sequence[Any], table: InternTable, trace_id: int) -> None:
        self._rows = rows  # whole rows, each added in one step
        # The walk of ``row_starts`` written out: a tick takes in thousands of rows.
        starts = []
        at, end = 0, len(rows)
        while at < end:
            starts.append(at)
            at += FIXED + 2 * rows[at + ATTRIBUTE_COUNT]
        self._starts = starts
        self._table = table
        self._trace_id = trace_id

    def __len__(self) -> int:
        return len(self._starts)

    def span_ids(self) -> list[int]:
        rows = self._rows
        return [rows[at + SPAN_ID] for at in self._starts]

    def status_count(self, status: int) -> int:
        rows = self._rows
        return sum(1 for at in self._starts if rows[at + STATUS] == status)

    def with_any_key(self, keys: frozenset[str]) -> list[int]:
        """Positions of the spans having an attribute named in ``keys``."""
        rows = self._rows
        found = []
        for number, at in enumerate(self._starts):
            count = rows[at + ATTRIBUTE_COUNT]
            if count == 1:  # the usual span of a tight loop: no slice to make
                if rows[at + FIXED] in keys:
                    found.append(number)
            elif count and not keys.isdisjoint(rows[at + FIXED : at + FIXED + count]):
                found.append(number)
        return found

    def attribute_items(self, positions: Iterable[int]) -> list[tuple[tuple[str, ...], list[Any]]]:
        """The attribute keys and values of the spans at ``positions``, in the order of their dict,
        without making the dict."""
        rows, starts = self._rows, self._starts
        found = []
        for number in positions:
            at = starts[number] + FIXED
            count = rows[at - FIXED + ATTRIBUTE_COUNT]
            found.append((tuple(rows[at : at + count]), rows[at + count : at + 2 * count]))
        return found

    def records(self, positions: Iterable[int] | None = None) -> list[SpanRecord]:
        """Records of all the spans, or of those at ``positions``, in order."""
        starts = self._starts if positions is None else [self._starts[number] for number in positions]
        return records_from_rows(self._rows, self._table, self._trace_id, starts)

    def last_records(self, count: int) -> list[SpanRecord]:
        return self.records(range(max(len(self._starts) - count, 0), len(self._starts)))


class SpanRows(Sequence[SpanRecord]):
    """A snapshot's spans: finished ones as rows, running ones as records.

    The records of the rows are built on the first read and kept from then on
    (the rows are let go), so a snapshot nobody reads never pays for them, and
    one that is read behaves as the tuple of records it stands for.
    """

    __slots__ = ("_count", "_lock", "_records", "_rows", "_running", "_table", "_trace_id")

    def __init__(
        self, rows: tuple[Any, ...], table: InternTable, trace_id: int, running: tuple[SpanRecord, ...] = ()
    ) -> None:
        self._rows = rows  # a tuple: once its few nested tuples are let go, the GC lets it go too
        self._count: int | None = None
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
                    with gc_paused():  # a record and a dict per span, all kept: see model.gc_pause
                        built = records_from_rows(self._rows, self._table, self._trace_id)
                    records = self._records = (*built, *self._running)
                    self._rows = ()
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
            kept = tuple(s for s in records if s.span_id in inside)
            return SpanRows((), self._table, self._trace_id, kept)
        starts = list(row_starts(rows))
        ids = [(rows[at + SPAN_ID], rows[at + PARENT_ID]) for at in starts]
        inside = _descendants(ids + [(s.span_id, s.parent_id) for s in self._running], root_span_id)
        kept_rows: list[Any] = []
        for at, (span_id, _) in zip(starts, ids, strict=True):
            if span_id in inside:
                kept_rows += rows[at : at + FIXED + 2 * rows[at + ATTRIBUTE_COUNT]]
        running = tuple(s for s in self._running if s.span_id in inside)
        return SpanRows(tuple(kept_rows), self._table, self._trace_id, running)

    # -- the tuple the spans stand for ----------------------------------------
    def __len__(self) -> int:
        records = self._records
        if records is not None:
            return len(records)
        if self._count is None:
            self._count = sum(1 for _ in row_starts(self._rows))
        return self._count + len(self._running)

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
