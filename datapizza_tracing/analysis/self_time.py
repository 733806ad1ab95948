"""Each span's own time: its duration minus the time at least one of its children was running.

"Which step was slow" is a question about self time: an agent span lasting the
whole block is not slow itself when its tool calls fill it. Children are
clipped to their parent's interval, and overlapping (parallel) children are
counted once, so a parent whose children run side by side is not charged
negative time.
"""

from __future__ import annotations

from ..model.snapshot import TraceSnapshot


def self_times(snapshot: TraceSnapshot) -> dict[int, int]:
    """Span id → own time in nanoseconds (running spans count up to the snapshot's time)."""
    return snapshot.derived("self_times", lambda: _self_times(snapshot))


def _self_times(snapshot: TraceSnapshot) -> dict[int, int]:
    now = snapshot.end_ns or snapshot.taken_ns
    intervals: dict[int, tuple[int, int]] = {}
    for span in snapshot.spans:
        if span.span_id not in intervals:  # a repeated id keeps its first record
            intervals[span.span_id] = (span.start_ns, span.end_ns if span.end_ns is not None else now)
    children: dict[int, list[tuple[int, int]]] = {}
    for span in snapshot.spans:
        parent = span.parent_id
        if parent in intervals and parent != span.span_id:
            children.setdefault(parent, []).append(intervals[span.span_id])
    result: dict[int, int] = {}
    for span_id, (start, end) in intervals.items():
        kids = children.get(span_id)
        duration = end - start if end > start else 0
        result[span_id] = max(duration - _covered(kids, start, end), 0) if kids else duration
    return result


def _covered(kids: list[tuple[int, int]], start: int, end: int) -> int:
    """Nanoseconds of ``[start, end]`` inside the union of ``kids``' intervals."""
    clipped = sorted((max(a, start), min(b, end)) for a, b in kids if min(b, end) > max(a, start))
    covered = 0
    cursor = start
    for a, b in clipped:
        a = max(a, cursor)
        if b > a:
            covered += b - a
            cursor = b
    return covered
