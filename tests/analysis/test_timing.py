"""The time table per name family (``analysis.timing``) against a span-by-span count, on hostile traces."""

from __future__ import annotations

import dataclasses
import itertools
import random

from datapizza_tracing.analysis.counting import snapshot_calls
from datapizza_tracing.analysis.names import name_family
from datapizza_tracing.analysis.self_time import self_times
from datapizza_tracing.analysis.timing import span_timings
from datapizza_tracing.analysis.tree import tree_parents
from datapizza_tracing.model.record import ERROR
from datapizza_tracing.model.span_graph import first_span_per_id
from tests.support.records import BASE_NS, SECOND, llm, snapshot, span


def _union_inside(intervals, low, high) -> int:
    """Nanoseconds of [low, high] that some interval covers, by sweeping the sorted boundaries."""
    points = sorted({low, high, *(t for interval in intervals for t in interval if low <= t <= high)})
    return sum(
        b - a
        for a, b in itertools.pairwise(points)
        if any(start <= a and b <= end for start, end in intervals)
    )


def _span_by_span(block) -> dict[str, tuple]:
    """Family -> (count, self ns, total ns, summed ns, max ns, errors, calls, running), one span at a
    time. The total takes off, for each span holding spans of its family (the nearest such span above
    them), the time they cover in it, at most the time its children cover."""
    now = block.end_ns or block.taken_ns
    own, calls, parents = self_times(block), snapshot_calls(block), tree_parents(block)
    spans = first_span_per_id(block.spans)[0]
    family_of = {s.span_id: name_family(s.name) for s in spans}

    def interval(s):
        end = s.end_ns if s.end_ns is not None else now
        return s.start_ns, max(end, s.start_ns)

    held: dict[int, list] = {}
    for s in spans:
        node = parents[s.span_id]
        while node and family_of[node] != family_of[s.span_id]:
            node = parents[node]
        if node:
            held.setdefault(node, []).append(interval(s))
    rows: dict[str, list[int]] = {}
    for s in spans:
        row = rows.setdefault(family_of[s.span_id], [0] * 8)
        low, high = interval(s)
        duration = high - low
        twice = 0
        if s.span_id in held:
            twice = min(_union_inside(held[s.span_id], low, high), duration - own[s.span_id])
        row[0] += 1
        row[1] += own[s.span_id]
        row[2] += duration - twice
        row[3] += duration
        row[4] = max(row[4], duration)
        row[5] += s.status == ERROR
        row[6] += s.span_id in calls
        row[7] += s.end_ns is None
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
                round(row.mean_s * row.count * 1e9),
                round(row.max_s * 1e9),
                row.errors,
                row.calls,
                row.running,
            )
            for row in span_timings(block)
        }
        assert got == expected, seed
        for row in span_timings(block):  # what a reader takes for granted
            assert row.max_s <= row.total_s <= row.mean_s * row.count + 1e-9, seed
            assert row.self_s <= row.total_s + 1e-9, seed


def test_a_recursive_chain_counts_once_in_its_total_and_keeps_its_mean():
    # level 0 holds level 1 holds level 2 ...: one family, each span 2 s shorter than its parent.
    depth = 3000
    spans = [span(1, 0, 0, 2 * depth + 1, "root")]
    spans += [span(2 + i, 1 + i, i, 2 * depth - i, f"level {i}") for i in range(depth)]
    [levels] = [row for row in span_timings(snapshot(*spans)) if row.name.startswith("level")]
    assert levels.count == depth
    assert levels.total_s == 2 * depth  # the outermost level's duration, not the sum of all of them
    assert levels.mean_s == sum(2 * depth - 2 * i for i in range(depth)) / depth
    assert levels.max_s == 2 * depth


def test_parallel_spans_of_a_family_inside_one_of_it_each_count():
    # An agent running two sub-agents side by side: its own time was 0, theirs 10 s each.
    spans = [
        span(1, 0, 0, 10, "root"),
        span(2, 1, 0, 10, "agent"),
        span(3, 2, 0, 10, "fan out"),
        span(4, 3, 0, 10, "agent"),
        span(5, 3, 0, 10, "agent"),
    ]
    [agent] = [row for row in span_timings(snapshot(*spans)) if row.name == "agent"]
    assert (agent.self_s, agent.total_s, agent.mean_s) == (20, 20, 10)


def test_a_family_under_another_family_counts_every_span_outside_its_own():
    # agent > tool > agent > tool: each agent and each tool is inside one of its own family once.
    spans = [
        span(1, 0, 0, 100, "root"),
        span(2, 1, 0, 90, "agent"),
        span(3, 2, 10, 80, "tool"),
        span(4, 3, 20, 70, "agent"),
        span(5, 4, 30, 60, "tool"),
        span(6, 1, 91, 95, "tool"),  # beside the agents: counted
    ]
    rows = {row.name: row for row in span_timings(snapshot(*spans))}
    assert (rows["agent"].total_s, rows["agent"].mean_s) == (90, (90 + 50) / 2)
    assert (rows["tool"].total_s, rows["tool"].count) == (70 + 4, 3)


def test_a_trace_without_its_root_still_counts_nested_spans_once():
    # A partial file: the root span (id 1) is missing, its children hang under it all the same.
    spans = [span(1, 0, 0, 10, "root"), span(2, 1, 0, 10, "agent"), span(3, 2, 1, 9, "agent")]
    spans.append(span(4, 1, 2, 4, "agent"))
    partial = dataclasses.replace(snapshot(*spans), spans=tuple(spans[1:]))
    [agent] = span_timings(partial)
    assert (agent.count, agent.total_s) == (3, 10 + 2)
