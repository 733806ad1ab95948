"""The tree's parent links (``analysis.tree.tree_parents``): a span's own parent whenever that leads to
the root, whatever the order of start times; the root otherwise."""

from __future__ import annotations

import random

from datapizza_tracing.analysis.tree import tree_parents
from tests.support.records import snapshot, span


def _raw_chain_reaches_root(span_id: int, raw: dict[int, int], root_id: int) -> bool:
    seen = set()
    while span_id != root_id:
        if span_id in seen or raw.get(span_id) not in raw:  # a cycle, or an orphan: not its own way
            return False
        seen.add(span_id)
        span_id = raw[span_id]
    return True


def test_a_child_starting_with_or_before_its_parent_keeps_its_parent():
    block = snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 1, 0, 9, "same start as the root"),
        span(3, 2, 0, 1, "same start as its parent"),
        span(4, 3, 0, 1, "same start again"),
        span(5, 2, 5, 6, "later"),
        span(6, 5, 4, 5, "before its parent (clock skew)"),
    )
    assert tree_parents(block) == {1: 0, 2: 1, 3: 2, 4: 3, 5: 2, 6: 5}


def test_a_cycle_whose_starts_look_forward_but_one_is_cut_under_the_root():
    block = snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 4, 1, 9, "a"),  # 2 -> 4 -> 3 -> 2, started in that order: 2's link is the backward one
        span(3, 2, 2, 8, "b"),
        span(4, 3, 3, 7, "c"),
    )
    assert tree_parents(block) == {1: 0, 2: 1, 3: 2, 4: 3}


def test_random_traces_keep_every_link_that_reaches_the_root_and_hang_the_rest_under_it():
    for seed in range(300):
        rng = random.Random(seed)
        count = rng.randint(1, 60)
        forward = rng.random() < 0.5  # starts after the parent's: no cycle possible, the common case
        spans = [span(1, 0, 0, 100, "root")]
        for span_id in range(2, count + 1):
            parent = rng.choice([rng.randint(1, span_id - 1)] * 3 + [0, 999, rng.randint(1, count)])
            if forward:
                parent = rng.randint(1, span_id - 1)
            start = span_id if forward else rng.choice([0, 1, rng.randint(0, 90)])
            spans.append(span(span_id, parent, start, start + 5))
        rng.shuffle(spans)
        block = snapshot(*spans)
        raw = {s.span_id: s.parent_id for s in spans}
        parents = tree_parents(block)
        assert set(parents) == set(raw) and parents[1] == 0
        for span_id, parent in parents.items():
            if span_id != 1 and _raw_chain_reaches_root(span_id, raw, 1):
                assert parent == raw[span_id], (seed, span_id)
            # Every span reaches the root through the tree's links, in fewer steps than there are spans.
            steps = 0
            while span_id != 1:
                span_id = parents[span_id]
                steps += 1
                assert steps <= count, seed
