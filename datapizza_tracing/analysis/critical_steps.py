"""How much of the block's wall time each span on the critical path accounts for.

``critical_path`` says which spans the block waited on; this says for how
long. Each span on the path is clipped to its path parent's window, as the
path walk does, and a span's *critical time* is its window minus the windows
of its children on the path (which never overlap). The step with the most
critical time is what made the block slow.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass

from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from .critical_path import path_walk


@dataclass(frozen=True)
class CriticalStep:
    span: SpanRecord
    critical_ns: int  # wall time of the block spent in this span and in none of its children on the path
    chain: tuple[SpanRecord, ...]  # the path from the root down to this span, the root first


@dataclass(frozen=True)
class CriticalPath:
    """Every span on the path the walk reaches, in path order, as parallel tuples.

    A step object per span (with its chain) would cost one per span of a long
    path while a report reads one step, the dominant one: steps are made on demand.
    """

    spans: tuple[SpanRecord, ...]
    critical_ns: tuple[int, ...]  # of each span, as in ``CriticalStep``
    above: tuple[int, ...]  # index of each span's path parent in ``spans``; -1 for the root
    total_ns: int

    def step(self, index: int) -> CriticalStep:
        chain = []
        at = index
        while at >= 0:
            chain.append(self.spans[at])
            at = self.above[at]
        return CriticalStep(self.spans[index], self.critical_ns[index], tuple(reversed(chain)))

    @functools.cached_property
    def steps(self) -> tuple[CriticalStep, ...]:
        return tuple(map(self.step, range(len(self.spans))))

    @functools.cached_property
    def dominant(self) -> CriticalStep | None:
        """The step the block waited on longest (ties: the earlier one), ignoring the root's own work."""
        inner = (index for index, above in enumerate(self.above) if above >= 0)
        best = max(inner, key=self.critical_ns.__getitem__, default=None)
        return self.step(best) if best is not None else None

    def share(self, step: CriticalStep) -> float:
        return step.critical_ns / self.total_ns if self.total_ns > 0 else 0.0


def critical_steps(snapshot: TraceSnapshot) -> CriticalPath:
    return snapshot.derived("critical_steps", lambda: _critical_steps(snapshot))


def _critical_steps(snapshot: TraceSnapshot) -> CriticalPath:
    path, found_under, lows, highs = path_walk(snapshot)
    now = snapshot.end_ns or snapshot.taken_ns
    total = max(now - snapshot.start_ns, 0)
    if not path:
        return CriticalPath((), (), (), total)
    # Each span goes under the path span its own parent link names (its index in the path), else under
    # the path's first span. That is nearly always the span the walk found it under, and then the
    # window the walk clipped it to is the one meant here: the walk's links and windows give the answer.
    if found_under[0] < 0:
        ids = list(map(_ID, path))
        if list(map(ids.__getitem__, found_under[1:])) == list(map(_PARENT, path[1:])):
            return _from_walk(path, found_under, lows, highs, total)
    return _by_parent_links(path, found_under, now, total)


_ID = operator.attrgetter("span_id")
_PARENT = operator.attrgetter("parent_id")


def _from_walk(
    path: tuple[SpanRecord, ...],
    found_under: tuple[int, ...],
    lows: tuple[int, ...],
    highs: tuple[int, ...],
    total: int,
) -> CriticalPath:
    """The steps when every span's parent link names the path span the walk found it under: each
    span's window is the walk's, and a span counts when its window is not empty (windows nest, so its
    parent's is not either), as ``_by_parent_links`` would find."""
    widths = list(map(operator.sub, highs, lows))
    covered = [0] * len(path)
    for at in range(1, len(path)):
        width = widths[at]
        if width > 0:
            covered[found_under[at]] += width
    critical = [
        width - inside if width > inside else 0 for width, inside in zip(widths, covered, strict=True)
    ]
    reached = [0, *(at for at in range(1, len(path)) if widths[at] > 0)]
    return _reached_steps(path, critical, found_under, reached, total)


def _by_parent_links(
    path: tuple[SpanRecord, ...], found_under: tuple[int, ...], now: int, total: int
) -> CriticalPath:
    """The steps by each span's own parent link: orphans and a cut parent cycle among the path."""
    # Only the spans whose link does not name the path span the walk found them under (orphans, a cut
    # parent cycle) need an index of the path by span id.
    index: dict[int, int] | None = None
    children: dict[int, list[int]] = {}
    for at in range(1, len(path)):
        span = path[at]
        parent = found_under[at]
        if parent < 0 or span.parent_id != path[parent].span_id:
            if index is None:
                index = {on_path.span_id: i for i, on_path in enumerate(path)}
            parent = index.get(span.parent_id, 0)
        kids = children.get(parent)
        if kids is None:
            children[parent] = [at]
        else:
            kids.append(at)
    root = path[0]
    critical = [-1] * len(path)  # -1: not reached (a parent cycle among the ids)
    above = [-1] * len(path)
    stack = [(0, root.start_ns, root.end_ns if root.end_ns is not None else now, -1)]
    while stack:
        at, low, high, parent = stack.pop()
        if critical[at] >= 0:  # every span once
            continue
        above[at] = parent
        covered = 0
        for kid in children.get(at, ()):
            span = path[kid]
            kid_low = span.start_ns if span.start_ns > low else low  # clipped to the parent's window
            kid_high = span.end_ns if span.end_ns is not None else now
            kid_high = kid_high if kid_high < high else high
            if kid_high > kid_low:
                covered += kid_high - kid_low
                stack.append((kid, kid_low, kid_high, at))
        critical[at] = max(high - low - covered, 0)
    reached = [at for at in range(len(path)) if critical[at] >= 0]
    return _reached_steps(path, critical, above, reached, total)


def _reached_steps(
    path: Sequence[SpanRecord], critical: Sequence[int], above: Sequence[int], reached: list[int], total: int
) -> CriticalPath:
    """The steps at ``reached`` (places in ``path``, in order, the root first), each one's path
    parent renumbered to its place among them."""
    if len(reached) == len(path):
        return CriticalPath(tuple(path), tuple(critical), tuple(above), total)
    renumbered = {old: new for new, old in enumerate(reached)}
    return CriticalPath(
        tuple(path[at] for at in reached),
        tuple(critical[at] for at in reached),
        tuple(renumbered[above[at]] if above[at] >= 0 else -1 for at in reached),
        total,
    )
