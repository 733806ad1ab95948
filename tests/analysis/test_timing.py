"""The time table per name family (``analysis.timing``) against a span-by-span count, on hostile traces."""

from __future__ import annotations

import random

from datapizza_tracing.analysis.names import name_family
from datapizza_tracing.analysis.self_time import self_times
from datapizza_tracing.analysis.summary import snapshot_calls
from datapizza_tracing.analysis.timing import span_timings
from datapizza_tracing.model.record import ERROR
from datapizza_tracing.model.span_graph import first_span_per_id
from tests.support.records import BASE_NS, SECOND, llm, snapshot, span


def _span_by_span(block) -> dict[str, tuple]:
    """Family -> (count, self ns, total ns, max ns, errors, calls, running), one span at a time."""
    now = block.end_ns or block.taken_ns
    own, calls = self_times(block), snapshot_calls(block)
    rows: dict[str, list[int]] = {}
    for s in first_span_per_id(block.spans)[0]:
        row = rows.setdefault(name_family(s.name), [0] * 7)
        duration = max((s.end_ns if s.end_ns is not None else now) - s.start_ns, 0)
        row[0] += 1
        row[1] += own[s.span_id]
        row[2] += duration
        row[3] = max(row[3], duration)
        row[4] += s.status == ERROR
        row[5] += s.span_id in calls
        row[6] += s.end_ns is None
    return {family: tuple(row) for family, row in rows.items()}


def test_each_family_adds_up_its_spans_with_running_backwards_and_repeated_ones():
    for seed in range(200):
        rng = random.Random(seed)
        spans = [span(1, 0, 0, rng.choice([50, None]), "root")]
        for span_id in range(2, rng.randint(2, 60)):
            start = rng.randint(0, 40)
            end = rng.choice([start + rng.randint(0, 9), start - rng.randint(1, 3), None])  # backwards too
            parent = rng.choice([1, rng.randint(1, span_id), 999])
            made_id = rng.choice([span_id] * 9 + [rng.randint(2, span_id)])
            if rng.random() < 0.3 and end is not None:
                made = llm(made_id, parent, start, end, "gpt-4o-mini", 10, 5)
            else:
                made = span(made_id, parent, start, end, rng.choice(["step 1", "step 2", "tool", "x"]))
            spans.append(made._replace(status=ERROR) if rng.random() < 0.2 else made)
        block = snapshot(*spans, taken_ns=BASE_NS + 60 * SECOND)
        expected = _span_by_span(block)
        got = {
            name_family(row.name.split(" … ")[0]): (
                row.count,
                round(row.self_s * 1e9),
                round(row.total_s * 1e9),
                round(row.max_s * 1e9),
                row.errors,
                row.calls,
                row.running,
            )
            for row in span_timings(block)
        }
        assert got == expected, seed
