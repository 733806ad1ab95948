"""The critical path: the chain of spans the block's wall time waited on.

With parallel work the slowest spans are not necessarily what made a block
slow: a 9 s call running beside a chain of three 4 s steps does not delay the
end, the chain does. The critical path is found by walking *back in time*
from the end of a span (as Jaeger's critical-path view does):

1. Among the span's children, take the one that ended last: the parent could
   not end before it, so the parent waited on it.
2. From that child's *start*, take the child that ended latest no later than
   that instant: that is the work the chosen child (a sequential successor) was
   waiting on. Repeat until no child ended before the current instant.
3. Recurse into each chosen child, which has its own children it waited on.

Time between chosen children (or before the first) is the parent's own work and
belongs to the parent, which is on the path already. Children are clipped to
their parent's interval, so a fire-and-forget child that outlives its parent
cannot pull the path past the parent's end. Running spans end at the snapshot
time. The result is the chosen span ids in start order, the root first.
"""

from __future__ import annotations

import operator
from typing import NamedTuple

from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from ..model.span_graph import first_spans_by_id
from .tree import tree_children


class PathWalk(NamedTuple):
    """The critical path with the walk's own links."""

    spans: tuple[SpanRecord, ...]  # ordered by start time
    above: tuple[int, ...]  # index in ``spans`` of the span each was chosen under (its tree parent); -1: root
    # The window each span was clipped to (its interval within the one it was chosen under), in ns.
    low: tuple[int, ...]
    high: tuple[int, ...]


def critical_path(snapshot: TraceSnapshot) -> list[SpanRecord]:
    """The spans on the critical path of ``snapshot``'s root, ordered by start time."""
    return list(path_walk(snapshot).spans)


def path_walk(snapshot: TraceSnapshot) -> PathWalk:
    """``critical_path`` and where the walk found each span, worked out once per snapshot."""
    return snapshot.derived("critical_path", lambda: _critical_path(snapshot))


_END = operator.attrgetter("end_ns")
_ID = operator.attrgetter("span_id")


def _critical_path(snapshot: TraceSnapshot) -> PathWalk:
    by_id = first_spans_by_id(snapshot)
    root = by_id.get(snapshot.root_span_id)
    if root is None:
        return PathWalk((), (), (), ())
    now = snapshot.end_ns or snapshot.taken_ns
    # Each span's children as the tree shows them (one span per id, orphans and cut cycles under the
    # root), by start time, ties in the spans' order.
    children = tree_children(snapshot)
    positions: dict[int, int] | None = None  # span id -> place in the spans' order, when a tie needs it

    path: list[SpanRecord] = []
    found_under: list[int] = []  # index in ``path`` of the span each was chosen under
    lows: list[int] = []
    highs: list[int] = []
    # Explicit stack of (span, window_start, window_end, index of the span it is under): deep traces
    # must not hit the recursion limit.
    stack = [(root, root.start_ns, root.end_ns if root.end_ns is not None else now, -1)]
    while stack:
        span, low, high, under = stack.pop()
        at = len(path)
        path.append(span)
        found_under.append(under)
        lows.append(low)
        highs.append(high)
        kids = children.get(span.span_id)
        if not kids:
            continue
        # Candidates by latest (clipped) end, then earliest (clipped) start, then the spans' order:
        # walking them once visits them in the order step 2 needs.
        ends = list(map(_END, kids))
        if kids[0].start_ns >= low and None not in ends and max(ends) <= high:
            # Nothing to clip (the usual case): the children come by start, ties in the spans' order,
            # so a stable sort by end alone leaves every tie in the order wanted.
            ordered = sorted(kids, key=_END, reverse=True)
        else:
            if positions is None:
                positions = {span_id: place for place, span_id in enumerate(by_id)}
            ordered = [
                kid
                for *_, kid in sorted(
                    (
                        (
                            min(kid.end_ns if kid.end_ns is not None else now, high),
                            -max(kid.start_ns, low),
                            -positions[kid.span_id],
                            kid,
                        )
                        for kid in kids
                    ),
                    reverse=True,
                )
            ]
        cursor = high
        for kid in ordered:
            kid_end = kid.end_ns if kid.end_ns is not None else now
            kid_end = kid_end if kid_end < high else high
            kid_start = kid.start_ns if kid.start_ns > low else low
            if kid_end > cursor or kid_end < low or kid_start > kid_end:
                continue  # overlaps the chosen child, or lies outside the parent's interval
            stack.append((kid, kid_start, kid_end, at))
            cursor = kid_start
            if cursor <= low:
                break
    # By start time, the root first on a tie: it is first in ``path`` and the sort is stable.
    starts = [span.start_ns for span in path]
    order = sorted(range(len(path)), key=starts.__getitem__)
    moved_to = [0] * len(path)
    for new, old in enumerate(order):
        moved_to[old] = new
    return PathWalk(
        tuple(path[at] for at in order),
        tuple(moved_to[found_under[at]] if found_under[at] >= 0 else -1 for at in order),
        tuple(lows[at] for at in order),
        tuple(highs[at] for at in order),
    )


def critical_path_ids(snapshot: TraceSnapshot) -> frozenset[int]:
    """Span ids on the critical path (for marking them in a tree)."""
    return snapshot.derived("critical_path_ids", lambda: frozenset(map(_ID, path_walk(snapshot).spans)))
