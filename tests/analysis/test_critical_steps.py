"""Critical time per path span (``analysis.critical_steps``): each span under the path span its own
parent link names, clipped to that span's window, minus the windows of its children on the path."""

from __future__ import annotations

import random

from datapizza_tracing.analysis.critical_path import critical_path
from datapizza_tracing.analysis.critical_steps import CriticalPath, critical_steps
from datapizza_tracing.model.snapshot import TraceSnapshot
from tests.support.records import SECOND, snapshot, span


def _by_parent_links(block: TraceSnapshot) -> CriticalPath:
    """The steps worked out from the path alone, by the rule in the module's docstring."""
    path = critical_path(block)
    now = block.end_ns or block.taken_ns
    total = max(now - block.start_ns, 0)
    if not path:
        return CriticalPath((), (), (), total)
    where = {s.span_id: at for at, s in enumerate(path)}
    under = [-1] + [where.get(s.parent_id, 0) for s in path[1:]]
    critical, above = {}, {}
    todo = [(0, path[0].start_ns, path[0].end_ns if path[0].end_ns is not None else now, -1)]
    while todo:
        at, low, high, parent = todo.pop()
        if at in critical:
            continue
        above[at], covered = parent, 0
        for kid in (k for k in range(1, len(path)) if under[k] == at):
            kid_low = max(path[kid].start_ns, low)
            kid_high = min(path[kid].end_ns if path[kid].end_ns is not None else now, high)
            if kid_high > kid_low:
                covered += kid_high - kid_low
                todo.append((kid, kid_low, kid_high, at))
        critical[at] = max(high - low - covered, 0)
    kept = sorted(critical)
    renumbered = {old: new for new, old in enumerate(kept)}
    return CriticalPath(
        tuple(path[at] for at in kept),
        tuple(critical[at] for at in kept),
        tuple(renumbered[above[at]] if above[at] >= 0 else -1 for at in kept),
        total,
    )


def test_a_chain_of_steps_gives_each_its_own_time_and_the_longest_is_dominant():
    block = snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 1, 1, 4, "plan"),
        span(3, 2, 1, 2, "think"),
        span(4, 1, 4, 9, "answer"),
    )
    steps = critical_steps(block)
    assert [s.name for s in steps.spans] == ["root", "plan", "think", "answer"]
    assert steps.critical_ns == (2 * SECOND, 2 * SECOND, 1 * SECOND, 5 * SECOND)
    assert steps.above == (-1, 0, 1, 0)
    assert steps.dominant is not None and steps.dominant.span.name == "answer"
    assert [s.name for s in steps.dominant.chain] == ["root", "answer"]


def test_orphans_cycles_and_skewed_clocks_follow_the_parent_links_on_random_traces():
    for seed in range(300):
        rng = random.Random(seed)
        count = rng.randint(1, 40)
        spans = [span(1, 0, 10, 100, "root")]
        for span_id in range(2, count + 1):
            parent = rng.choice([rng.randint(1, span_id - 1)] * 4 + [0, 999, rng.randint(1, count)])
            start = rng.randint(0, 95)  # some start before the root: skewed clocks
            spans.append(span(span_id, parent, start, rng.choice([start, start + rng.randint(1, 30), None])))
        rng.shuffle(spans)
        block = snapshot(*spans)
        assert critical_steps(block) == _by_parent_links(block), seed


def test_well_formed_traces_with_ties_and_empty_windows_match_the_parent_link_rule():
    # Every parent known and started no later than its child: the path's links are all parent links.
    for seed in range(300):
        rng = random.Random(seed)
        spans = [span(1, 0, 0, rng.choice([20, None]), "root")]
        for span_id in range(2, rng.randint(2, 40)):
            parent = spans[rng.randrange(len(spans))]
            start = (parent.start_ns - spans[0].start_ns) // SECOND + rng.randint(0, 3)
            end = rng.choice([start, start + rng.randint(0, 6), None])
            spans.append(span(span_id, parent.span_id, start, end))
        block = snapshot(*spans, taken_ns=spans[0].start_ns + 25 * SECOND)
        assert critical_steps(block) == _by_parent_links(block), seed
