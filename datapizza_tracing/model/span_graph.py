"""Span ids and parent links as they arrive, made safe to walk: one span per id, no parent cycles.

A span id names one span. Yet ids can repeat: a custom ``IdGenerator`` that
returns the same id twice, or a file merged from several sources or corrupted.
Then the span that *started first* with that id keeps it (for a block that is
its root) and the others are left out of the trace, with a note saying how
many: a later span cannot be told apart from the first one by any link that
points at it, so counting it would attach children and tokens to a guess.

Parent links can also form a cycle (a span its own parent, or two spans each
other's). A cycle is cut above its earliest-started span, which then counts as
a top-level span and hangs under the block's root like any orphan; every other
link is kept. Everything here is iterative and linear in the number of spans.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping

from .record import SpanRecord
from .snapshot import TraceSnapshot


def first_span_per_id(spans: Iterable[SpanRecord]) -> tuple[list[SpanRecord], int]:
    """The spans with each id once (the earliest-started, the first seen on a tie), in their order,
    and how many spans were left out for repeating an id."""
    spans = list(spans)
    if len(set(map(_ID, spans))) == len(spans):  # no id repeats (nearly always): one C-level pass
        return spans, 0
    first: dict[int, SpanRecord] = {}
    for span in spans:
        kept = first.get(span.span_id)
        if kept is None or span.start_ns < kept.start_ns:
            first[span.span_id] = span
    if len(first) == len(spans):
        return spans, 0
    chosen = {id(span) for span in first.values()}
    return [span for span in spans if id(span) in chosen], len(spans) - len(first)


_ID = operator.attrgetter("span_id")


def first_spans(snapshot: TraceSnapshot) -> list[SpanRecord]:
    """``first_span_per_id`` of a snapshot's spans, worked out once per snapshot: the tree, the
    critical path and the token table all start from it. Read it, never change it."""
    return snapshot.derived("first_spans", lambda: first_span_per_id(snapshot.spans)[0])


def first_spans_by_id(snapshot: TraceSnapshot) -> dict[int, SpanRecord]:
    """Span id → its ``first_spans`` span, in their order, once per snapshot. Read it, never change it."""
    return snapshot.derived(
        "first_spans_by_id", lambda: {span.span_id: span for span in first_spans(snapshot)}
    )


def unique_spans_by_id(snapshot: TraceSnapshot) -> dict[int, SpanRecord] | None:
    """``first_spans_by_id`` when no span id repeats, else ``None``.

    With unique ids the first-started, first-seen and last-seen span of an id are one span, so a
    reader that picks one of those can take this shared index instead of building its own.
    """
    by_id = first_spans_by_id(snapshot)
    return by_id if len(by_id) == len(snapshot.spans) else None


def repeated_ids_note(count: int) -> str:
    """The note a trace carries when ``count`` spans were left out for repeating a span id."""
    spans, were = ("1 span", "was") if count == 1 else (f"{count:,} spans", "were")
    return (
        f"{spans} repeated the id of an earlier span (a custom IdGenerator or a merged file?) and "
        f"{were} left out; each id keeps the span that started first."
    )


def acyclic_parents(spans: Iterable[SpanRecord], root_span_id: int | None = None) -> dict[int, int]:
    """Span id → parent id (0: no parent) for the first span of each id, with every cycle cut.

    A parent that is not among ``spans`` is kept as it is (the caller decides where
    orphans go). ``root_span_id``'s own parent link is ignored: a block's root is
    the top of its tree whatever its parent says.
    """
    parent: dict[int, int] = {}
    start: dict[int, int] = {}
    for span in spans:
        if span.span_id not in parent or span.start_ns < start[span.span_id]:
            parent[span.span_id] = span.parent_id
            start[span.span_id] = span.start_ns
    if root_span_id is not None and root_span_id in parent:
        parent[root_span_id] = 0
    ON_PATH, DONE = 1, 2
    state: dict[int, int] = {}
    for span_id in parent:
        if span_id in state:
            continue
        path: list[int] = []
        node = span_id
        while node and node in parent and node not in state:
            state[node] = ON_PATH
            path.append(node)
            node = parent[node]
        if node and state.get(node) == ON_PATH:  # back on this walk's own path: a cycle
            cycle = path[path.index(node) :]
            parent[min(cycle, key=start.__getitem__)] = 0
        for visited in path:
            state[visited] = DONE
    return parent


def ancestors(span: SpanRecord, by_id: Mapping[int, SpanRecord]) -> list[SpanRecord]:
    """The spans above ``span`` in ``by_id``, nearest first; the walk stops at a parent not there or
    at one already met, so it ends even on a cycle of parent links."""
    chain: list[SpanRecord] = []
    seen = {span.span_id}
    parent = by_id.get(span.parent_id)
    while parent is not None and parent.span_id not in seen:
        chain.append(parent)
        seen.add(parent.span_id)
        parent = by_id.get(parent.parent_id)
    return chain
