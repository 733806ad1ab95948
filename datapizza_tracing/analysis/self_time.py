"""Each span's own time: its duration minus the time at least one of its children was running.

"Which step was slow" is a question about self time: an agent span lasting the
whole block is not slow itself when its tool calls fill it. Children are
clipped to their parent's interval, and overlapping (parallel) children are
counted once, so a parent whose children run side by side is not charged
negative time.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable

from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from ..model.span_graph import first_spans, first_spans_by_id
from .tree import tree_children


def self_times(snapshot: TraceSnapshot) -> dict[int, int]:
    """Span id → own time in nanoseconds (running spans count up to the snapshot's time)."""
    return snapshot.derived("self_times", lambda: _self_times(snapshot))


_ID = operator.attrgetter("span_id")
_START = operator.attrgetter("start_ns")
_END = operator.attrgetter("end_ns")


def _self_times(snapshot: TraceSnapshot) -> dict[int, int]:
    now = snapshot.end_ns or snapshot.taken_ns
    spans = first_spans(snapshot)  # a repeated id keeps its earliest-started span, as in the tree
    # Every span's duration (most spans are leaves), then the time its children cover taken off a parent's.
    ends = list(map(_END, spans))
    if None in ends:
        ends = [now if end is None else end for end in ends]
    durations = list(map(operator.sub, ends, map(_START, spans)))
    if durations and min(durations) < 0:
        durations = [duration if duration > 0 else 0 for duration in durations]
    result = dict(zip(map(_ID, spans), durations, strict=True))
    by_id = first_spans_by_id(snapshot)
    for span_id, kids in _children_by_parent_link(snapshot, by_id):
        parent = by_id[span_id]
        end = parent.end_ns if parent.end_ns is not None else now
        result[span_id] = max(result[span_id] - covered_ns(kids, parent.start_ns, end, now), 0)
    return result


def _children_by_parent_link(
    snapshot: TraceSnapshot, by_id: dict[int, SpanRecord]
) -> Iterable[tuple[int, list[SpanRecord]]]:
    """(span id, its children by start time) for each span that is some span's parent: the span its
    own parent link names, when that is a known span other than itself.

    That is the tree's parent (``tree.tree_children``, already ordered by start) for every span but
    those the tree hangs under the root instead: orphans (no known parent: no parent here), a span a
    parent cycle is cut above, and the root itself. Only the root's list needs a look.
    """
    children = tree_children(snapshot)
    root_id = snapshot.root_span_id
    moved: dict[int, list[SpanRecord]] = {}
    for kid in children.get(root_id, ()):
        parent = kid.parent_id
        if parent in by_id and parent != kid.span_id:
            moved.setdefault(parent, []).append(kid)
    root = by_id.get(root_id)
    if root is not None and root.parent_id in by_id and root.parent_id != root_id:
        moved.setdefault(root.parent_id, []).append(root)
    for span_id, kids in children.items():
        if span_id != root_id:
            extra = moved.pop(span_id, None)
            yield span_id, kids if extra is None else sorted(kids + extra, key=_START)
    for span_id, kids in moved.items():  # the root's own list (still by start), and parents the tree cut
        yield span_id, kids if span_id == root_id else sorted(kids, key=_START)


def covered_ns(kids: list[SpanRecord], start: int, end: int, now: int) -> int:
    """Nanoseconds of ``[start, end]`` inside the union of ``kids``' intervals (``kids`` by start)."""
    covered = 0
    cursor = start
    for kid in kids:
        low = kid.start_ns
        if low < cursor:
            low = cursor
        high = kid.end_ns
        if high is None:
            high = now
        if high > end:
            high = end
        if high > low:
            covered += high - low
            cursor = high
    return covered
