"""The critical path on hand-built trees, and the time table per span name."""

from __future__ import annotations

import dataclasses
import random

from datapizza_tracing.analysis.critical_path import critical_path, critical_path_ids, path_walk
from datapizza_tracing.analysis.timing import span_timings
from datapizza_tracing.analysis.tree import tree_parents
from datapizza_tracing.model.record import ERROR
from datapizza_tracing.model.snapshot import TraceSnapshot
from datapizza_tracing.model.span_graph import first_spans
from datapizza_tracing.views.waterfall import waterfall
from tests.support.records import BASE_NS, SECOND, snapshot, span
from tests.support.rendering import terminal_text


def names(snap) -> list[str]:
    return [s.name for s in critical_path(snap)]


def test_longest_parallel_span_is_not_on_the_critical_path():
    #  root    |0 ................................ 10|
    #  slow    |0 ........................ 8|            longest single span, finishes early
    #  fetch   |0 ......... 4|
    #  answer                   |5 ............... 10|   ends last: the block waited on it
    snap = snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 1, 0, 8, "slow"),
        span(3, 1, 0, 4, "fetch"),
        span(4, 1, 5, 10, "answer"),
    )
    assert names(snap) == ["root", "fetch", "answer"]
    assert 2 not in critical_path_ids(snap)


def test_path_descends_into_the_branch_that_ended_last():
    # root 0-12 has two parallel branches: A (0-11, the longest span of the trace) and
    # B (3-12), which ends last. Inside B, b2 ends last and started at 6, while b1 ended at 7
    # (after b2 started): b1 overlapped b2, so B did not wait on it; b0 ended before b2 began.
    snap = snapshot(
        span(1, 0, 0, 12, "root"),
        span(10, 1, 0, 11, "A"),
        span(11, 10, 0.5, 10.5, "a1"),
        span(20, 1, 3, 12, "B"),
        span(21, 20, 3, 4.5, "b0"),
        span(22, 20, 5, 7, "b1"),
        span(23, 20, 6, 11.5, "b2"),
        span(24, 23, 6, 8, "b2-step1"),
        span(25, 23, 8, 11, "b2-step2"),
    )
    assert names(snap) == ["root", "B", "b0", "b2", "b2-step1", "b2-step2"]
    longest = max(snap.spans[1:], key=lambda s: s.end_ns - s.start_ns)
    assert longest.name == "A" and longest.span_id not in critical_path_ids(snap)


def test_sequential_children_are_all_on_the_path():
    snap = snapshot(
        span(1, 0, 0, 6, "root"),
        span(2, 1, 0, 2, "one"),
        span(3, 1, 2, 4, "two"),
        span(4, 1, 4, 6, "three"),
    )
    assert names(snap) == ["root", "one", "two", "three"]


def test_child_outliving_its_parent_is_clipped_and_running_spans_end_at_the_snapshot():
    # "fire" is fire-and-forget: it outlives root. Clipped to root's end it still ends last.
    snap = snapshot(span(1, 0, 0, 5, "root"), span(2, 1, 0, 4, "work"), span(3, 1, 1, 30, "fire"))
    assert names(snap) == ["root", "fire"]
    running = snapshot(
        span(1, 0, 0, None, "root"),
        span(2, 1, 0, 3, "done"),
        span(3, 1, 1, None, "busy"),
        taken_ns=BASE_NS + 4 * SECOND,
    )
    assert names(running) == ["root", "busy"]


def test_orphans_hang_under_the_root_and_deep_chains_do_not_recurse():
    snap = snapshot(span(1, 0, 0, 10, "root"), span(2, 999, 0, 9.5, "orphan"), span(3, 1, 0, 2, "early"))
    assert names(snap) == ["root", "orphan"]
    depth = 5_000
    chain = [span(1, 0, 0, depth, "root")] + [
        span(i, i - 1, i - 1, depth, f"s{i}") for i in range(2, depth + 1)
    ]
    assert len(critical_path(snapshot(*chain))) == depth


def test_no_root_gives_an_empty_path():
    snap = snapshot(span(1, 0, 0, 1, "root"), span(2, 1, 0, 1))
    assert critical_path(dataclasses.replace(snap, root_span_id=77)) == []


def _walk_by_the_rule(block: TraceSnapshot) -> list[tuple[int, int, int]]:
    """(span id, window start, window end) of the path by the module docstring's rule, each span's
    children in the spans' order sorted by clipped end (latest first), clipped start, that order."""
    parents = tree_parents(block)
    spans = first_spans(block)
    root = next((s for s in spans if s.span_id == block.root_span_id), None)
    if root is None:
        return []
    now = block.end_ns or block.taken_ns
    found = []
    todo = [(root, root.start_ns, root.end_ns if root.end_ns is not None else now)]
    while todo:
        node, low, high = todo.pop()
        found.append((node.span_id, low, high))
        kids = [s for s in spans if s is not root and parents[s.span_id] == node.span_id]
        clipped = [
            (min(k.end_ns if k.end_ns is not None else now, high), max(k.start_ns, low), place)
            for place, k in enumerate(kids)
        ]
        cursor = high
        for end, start, place in sorted(clipped, key=lambda c: (-c[0], c[1], c[2])):
            if end > cursor or end < low or start > end:
                continue
            todo.append((kids[place], start, end))
            cursor = start
            if cursor <= low:
                break
    at = {span_id: i for i, (span_id, _, _) in enumerate(found)}
    return sorted(found, key=lambda f: (block_start(spans, f[0]), f[0] != root.span_id, at[f[0]]))


def block_start(spans, span_id: int) -> int:
    return next(s.start_ns for s in spans if s.span_id == span_id)


def test_the_walk_follows_the_rule_on_random_traces_with_ties_clipping_and_running_spans():
    # Coarse times make ties in end and start common; children start before or end after their
    # parent, run past the snapshot, repeat ids, or hang off a missing parent.
    for seed in range(400):
        rng = random.Random(seed)
        count = rng.randint(1, 30)
        spans = [span(1, 0, 2, rng.choice([8, None]), "root")]
        for span_id in range(2, count + 1):
            parent = rng.choice([rng.randint(1, span_id - 1)] * 5 + [0, 999, rng.randint(1, count)])
            start = rng.randint(0, 9)
            end = rng.choice([start, start + rng.randint(0, 4), None])
            spans.append(span(rng.choice([span_id] * 9 + [rng.randint(2, span_id)]), parent, start, end))
        rng.shuffle(spans)
        block = snapshot(*spans, taken_ns=BASE_NS + 10 * SECOND)
        walk = path_walk(block)
        got = [(s.span_id, low, high) for s, low, high in zip(walk.spans, walk.low, walk.high, strict=True)]
        assert got == _walk_by_the_rule(block), seed
        for at, above in enumerate(walk.above):
            assert (
                above == -1
                if walk.spans[at].span_id == 1
                else walk.spans[above].span_id == tree_parents(block)[walk.spans[at].span_id]
            ), seed


def test_bars_off_the_critical_path_are_faint_and_the_line_names_the_step_waited_on():
    snap = snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 1, 0, 8, "slow"),
        span(3, 1, 0, 4, "fetch"),
        span(4, 1, 5, 10, "answer"),
    )
    rows = {node.row.label: node.row for node in waterfall(snap).root.children}
    assert {name: row.bar.faint for name, row in rows.items()} == {
        "slow": True,
        "fetch": False,
        "answer": False,
    }
    assert "Critical path: root → answer  (50% of 10.00s; 2 spans on the path)" in terminal_text(
        snap, width=120
    )


def test_no_bar_is_faint_when_the_path_is_the_whole_block():
    snap = snapshot(span(1, 0, 0, 6, "root"), span(2, 1, 0, 2, "one"), span(3, 1, 2, 6, "two"))
    assert not any(node.row.bar.faint for node in waterfall(snap).root.children)
    assert "Critical path: root → two  (67% of 6.00s" in terminal_text(snap, width=120)


def test_time_table_per_name_ranks_own_time_first():
    snap = snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 1, 0, 1, "tool"),
        span(3, 1, 1, 2, "tool", status=ERROR, message="boom"),
        span(4, 1, 2, 5, "tool"),
        span(5, 1, 5, 9, "generation"),
        span(6, 1, 9, None, "tail"),  # still running when the snapshot was taken (root ended at 10)
    )
    rows = {row.name: row for row in span_timings(snap)}
    # The root lasts the whole block but its children fill it: it is last by own time.
    assert [row.name for row in span_timings(snap)] == ["tool", "generation", "tail", "root"]
    tool = rows["tool"]
    assert (tool.count, tool.self_s, tool.total_s, tool.max_s, tool.errors) == (3, 5.0, 5.0, 3.0, 1)
    assert rows["root"].self_s == 0.0 and rows["root"].total_s == 10.0
    assert abs(tool.mean_s - 5 / 3) < 1e-9
    assert rows["tail"].running == 1 and rows["tail"].total_s == 1.0
    text = terminal_text(snap, width=120)
    assert "Time by span name" in text
    section = text[text.index("Time by span name") :]
    tool_line = next(line for line in section.splitlines() if line.startswith("│ tool "))
    assert [cell.strip() for cell in tool_line.split("│")[1:-1]] == [
        "tool",
        "3",
        "5.00s",
        "5.00s",
        "1.67s",
        "3.00s",
        "1",
    ]
