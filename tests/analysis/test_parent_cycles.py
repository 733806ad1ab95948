"""Repeated span ids and parent cycles: every walk over a trace ends, and nothing is silently lost.

A span id names one span: when several spans carry the same id, the one that
started first keeps it (see ``model/span_graph.py``). A cycle of parent links is
cut above its earliest-started span, which then hangs under the block's root.
"""

from __future__ import annotations

import pytest

from datapizza_tracing.analysis.counting import counted_calls
from datapizza_tracing.analysis.critical_path import critical_path
from datapizza_tracing.analysis.summary import usage_by_model
from datapizza_tracing.analysis.tree import SpanNode, build_tree, walk
from datapizza_tracing.model.snapshot import subtree
from datapizza_tracing.views.waterfall import WaterfallNode, waterfall
from tests.support.html_check import assert_safe
from tests.support.records import llm, snapshot, span
from tests.support.rendering import report_html, terminal_text

# Each of these walks took milliseconds or never ended: a few seconds is a hang.
HANG_GUARD = pytest.mark.timeout(10)


def repeated_id_parenting_itself():
    """The issue's file: span 2 appears twice, and the second copy names itself as its parent."""
    return snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 1, 1, 5, "first"),
        span(2, 2, 2, 4, "repeat"),
    )


def names_in_tree(snap) -> list[tuple[int, str]]:
    root = build_tree(snap)
    assert root is not None
    return [(depth, node.span.name) for depth, node, _ in walk(root)]


def row_labels(node: WaterfallNode) -> list[str]:
    return [node.row.label, *(label for child in node.children for label in row_labels(child))]


@HANG_GUARD
def test_critical_path_ends_on_a_repeated_span_id_that_parents_itself():
    assert [s.name for s in critical_path(repeated_id_parenting_itself())] == ["root", "first"]


@HANG_GUARD
def test_the_tree_of_a_repeated_span_id_holds_the_first_span_once():
    assert names_in_tree(repeated_id_parenting_itself()) == [(0, "root"), (1, "first")]


@HANG_GUARD
def test_both_renderers_show_a_repeated_span_id_once_and_end():
    snap = repeated_id_parenting_itself()
    text = terminal_text(snap)
    assert "first" in text and "repeat" not in text.split("Time by span name")[0]
    root = assert_safe(report_html(snap))
    assert "first" in root.all_text()


@HANG_GUARD
def test_walk_visits_a_node_once_even_when_a_hand_built_tree_links_it_under_itself():
    node = SpanNode(span(1, 0, 0, 1, "loop"))
    node.children.append(node)
    assert [(depth, n.span.name) for depth, n, _ in walk(node)] == [(0, "loop")]


@HANG_GUARD
def test_a_parent_cycle_away_from_the_root_hangs_under_the_root_instead_of_vanishing():
    # x and y name each other as parent: neither can be reached from the root by its links.
    snap = snapshot(span(1, 0, 0, 10, "root"), span(2, 3, 1, 4, "x"), span(3, 2, 2, 3, "y"))
    # Cut above x, the earlier of the two: x under the root, y under x.
    assert names_in_tree(snap) == [(0, "root"), (1, "x"), (2, "y")]
    view = waterfall(snap)
    assert view.root is not None and row_labels(view.root) == ["root", "x", "y"]
    assert view.hidden == 0 and view.more is None
    assert [s.name for s in critical_path(snap)] == ["root", "x", "y"]
    assert "more span" not in terminal_text(snap)


@HANG_GUARD
def test_a_span_that_is_its_own_parent_shows_under_the_root_and_its_tokens_count():
    snap = snapshot(
        span(1, 0, 0, 10, "root"),
        llm(2, 2, 1, 2, "gpt-4o-mini", 10, 5),  # its own parent
        llm(3, 1, 3, 4, "gpt-4o-mini", 20, 7),
    )
    assert set(counted_calls(snap.spans)) == {2, 3}
    usage = usage_by_model(snap.spans)["gpt-4o-mini"]
    assert (usage.prompt_tokens, usage.completion_tokens, usage.calls) == (30, 12, 2)
    assert names_in_tree(snap) == [(0, "root"), (1, "generation"), (1, "generation")]


@HANG_GUARD
def test_a_two_span_parent_cycle_counts_one_call_instead_of_losing_both():
    # Nested reports of one call (framework span over provider span) whose links were
    # corrupted into a cycle: cut above x, y is x's child, and the innermost report counts.
    snap = snapshot(
        span(1, 0, 0, 10, "root"),
        llm(2, 3, 1, 5, "gpt-4o-mini", 10, 5),
        llm(3, 2, 2, 4, "gpt-4o-mini", 10, 5),
    )
    assert set(counted_calls(snap.spans)) == {3}
    assert usage_by_model(snap.spans)["gpt-4o-mini"].calls == 1


@HANG_GUARD
def test_counted_calls_keeps_the_first_span_of_a_repeated_id():
    first = llm(2, 1, 1, 2, "gpt-4o-mini", 10, 5)
    repeat = llm(2, 1, 3, 4, "o4-mini", 99, 99)
    calls = counted_calls([span(1, 0, 0, 10, "root"), first, repeat, llm(3, 1, 5, 6, "gpt-4o-mini", 1, 1)])
    assert calls[2].model == "gpt-4o-mini" and calls[2].prompt_tokens == 10


@HANG_GUARD
def test_subtree_ends_on_cycles_and_repeated_ids_and_keeps_the_block_root_whose_parent_is_inside():
    spans = [
        span(1, 3, 0, 10, "block root"),  # its parent is its own grandchild
        span(2, 1, 1, 9, "child"),
        span(3, 2, 2, 8, "grandchild"),
        span(4, 5, 3, 4, "x"),  # x and y: a cycle outside the block
        span(5, 4, 3, 4, "y"),
        span(3, 3, 5, 6, "grandchild again"),
    ]
    kept = subtree(spans, 1, keep_orphans=False)
    assert [s.name for s in kept] == ["block root", "child", "grandchild", "grandchild again"]
