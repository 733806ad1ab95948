"""How much of the block's wall time each span on the critical path accounts for.

``critical_path`` says which spans the block waited on; this says for how
long. Each span on the path is clipped to its path parent's window, as the
path walk does, and a span's *critical time* is its window minus the windows
of its children on the path (which never overlap). The step with the most
critical time is what made the block slow.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from .critical_path import critical_path


@dataclass(frozen=True)
class CriticalStep:
    span: SpanRecord
    critical_ns: int  # wall time of the block spent in this span and in none of its children on the path
    chain: tuple[SpanRecord, ...]  # the path from the root down to this span, the root first


@dataclass(frozen=True)
class CriticalPath:
    steps: tuple[CriticalStep, ...]  # every span on the path, in path order
    total_ns: int

    @property
    def dominant(self) -> CriticalStep | None:
        """The step the block waited on longest (ties: the earlier one), ignoring the root's own work."""
        inner = [step for step in self.steps if len(step.chain) > 1]
        return max(inner, key=lambda step: step.critical_ns, default=None)

    def share(self, step: CriticalStep) -> float:
        return step.critical_ns / self.total_ns if self.total_ns > 0 else 0.0


def critical_steps(snapshot: TraceSnapshot) -> CriticalPath:
    return snapshot.derived("critical_steps", lambda: _critical_steps(snapshot))


def _critical_steps(snapshot: TraceSnapshot) -> CriticalPath:
    path = critical_path(snapshot)
    now = snapshot.end_ns or snapshot.taken_ns
    total = max(now - snapshot.start_ns, 0)
    if not path:
        return CriticalPath((), total)
    on_path = {span.span_id: span for span in path}
    root = path[0]
    children: dict[int, list[SpanRecord]] = {}
    for span in path[1:]:
        parent = span.parent_id if span.parent_id in on_path else root.span_id
        children.setdefault(parent, []).append(span)
    steps: list[CriticalStep] = []
    stack: list[tuple[SpanRecord, int, int, tuple[SpanRecord, ...]]] = [
        (root, root.start_ns, root.end_ns if root.end_ns is not None else now, (root,))
    ]
    visited: set[int] = set()
    while stack:
        span, low, high, chain = stack.pop()
        if span.span_id in visited:  # a parent cycle among the ids: every span once
            continue
        visited.add(span.span_id)
        covered = 0
        for kid in children.get(span.span_id, ()):
            kid_low = max(kid.start_ns, low)
            kid_high = min(kid.end_ns if kid.end_ns is not None else now, high)
            if kid_high > kid_low:
                covered += kid_high - kid_low
                stack.append((kid, kid_low, kid_high, (*chain, kid)))
        steps.append(CriticalStep(span, max(high - low - covered, 0), chain))
    order = {span.span_id: index for index, span in enumerate(path)}
    steps.sort(key=lambda step: order[step.span.span_id])
    return CriticalPath(tuple(steps), total)
