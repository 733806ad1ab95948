"""Own time per span (``analysis.self_time``) against its definition, on traces with bad links."""

from __future__ import annotations

import random

from datapizza_tracing.analysis.self_time import self_times
from datapizza_tracing.model.span_graph import first_span_per_id
from tests.support.records import BASE_NS, SECOND, snapshot, span


def _by_definition(block) -> dict[int, int]:
    """Duration minus the merged, clipped intervals of the spans whose parent link names the span."""
    now = block.end_ns or block.taken_ns
    spans, _ = first_span_per_id(block.spans)
    interval = {s.span_id: (s.start_ns, s.end_ns if s.end_ns is not None else now) for s in spans}
    own = {}
    for span_id, (start, end) in interval.items():
        parts = sorted(
            (max(interval[s.span_id][0], start), min(interval[s.span_id][1], end))
            for s in spans
            if s.parent_id == span_id and s.span_id != span_id
        )
        merged: list[list[int]] = []
        for low, high in parts:
            if high <= low:
                continue
            if merged and low <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        own[span_id] = max(max(end - start, 0) - sum(high - low for low, high in merged), 0)
    return own


def test_own_times_match_the_definition_with_orphans_cycles_repeated_ids_and_a_parented_root():
    for seed in range(400):
        rng = random.Random(seed)
        count = rng.randint(1, 30)
        root_parent = rng.choice([0, 0, 0, rng.randint(2, count + 1)])  # a root whose parent is in the trace
        spans = [span(1, root_parent, 2, rng.choice([8, None]), "root")]
        for span_id in range(2, count + 1):
            parent = rng.choice([rng.randint(1, span_id - 1)] * 4 + [0, 999, span_id, rng.randint(1, count)])
            start = rng.randint(0, 9)
            end = rng.choice([start, start + rng.randint(0, 4), start - 1, None])
            spans.append(span(rng.choice([span_id] * 9 + [rng.randint(2, span_id)]), parent, start, end))
        rng.shuffle(spans)
        block = snapshot(*spans, taken_ns=BASE_NS + 10 * SECOND)
        own = self_times(block)
        expected = _by_definition(block)
        assert own == expected, seed
        assert list(own) == list(expected), seed  # the spans' order: ties among the slowest keep it
