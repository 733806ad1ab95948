"""Each span's own time: its duration minus the time at least one of its children was running.

"Which step was slow" is a question about self time: an agent span lasting the
whole block is not slow itself when its tool calls fill it. Children are
clipped to their parent's interval, and overlapping (parallel) children are
counted once, so a parent whose children run side by side is not charged
negative time.
"""

from __future__ import annotations

from ..model.snapshot import TraceSnapshot
from ..model.span_graph import first_spans


def self_times(snapshot: TraceSnapshot) -> dict[int, int]:
    """Span id → own time in nanoseconds (running spans count up to the snapshot's time)."""
    return snapshot.derived("self_times", lambda: _self_times(snapshot))


def _self_times(snapshot: TraceSnapshot) -> dict[int, int]:
    now = snapshot.end_ns or snapshot.taken_ns
    spans = first_spans(snapshot)  # a repeated id keeps its earliest-started span, as in the tree
    intervals = {
        span.span_id: (span.start_ns, span.end_ns if span.end_ns is not None else now) for span in spans
    }
    children: dict[int, list[tuple[int, int]]] = {}
    for span in spans:
        parent = span.parent_id
        if parent in intervals and parent != span.span_id:
            kids = children.get(parent)
            if kids is None:
                children[parent] = [intervals[span.span_id]]
            else:
                kids.append(intervals[span.span_id])
    # Every span's duration, then the time its children cover taken off the parents' (most spans are leaves).
    result = {span_id: end - start if end > start else 0 for span_id, (start, end) in intervals.items()}
    for span_id, kids in children.items():
        start, end = intervals[span_id]
        result[span_id] = max(result[span_id] - _covered(kids, start, end), 0)
    return result


def _covered(kids: list[tuple[int, int]], start: int, end: int) -> int:
    """Nanoseconds of ``[start, end]`` inside the union of ``kids``' intervals."""
    clipped = []
    for a, b in kids:
        a = a if a > start else start
        b = b if b < end else end
        if b > a:
            clipped.append((a, b))
    clipped.sort()
    covered = 0
    cursor = start
    for a, b in clipped:
        a = max(a, cursor)
        if b > a:
            covered += b - a
            cursor = b
    return covered
