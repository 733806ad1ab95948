"""The shared children index (``analysis.tree.tree_children``) is the tree ``build_tree`` builds."""

from __future__ import annotations

from datapizza_tracing.analysis.tree import build_tree, tree_children, walk
from tests.support.records import snapshot, span


def test_the_children_index_orders_children_as_the_tree_does():
    block = snapshot(
        span(1, 0, 0, 10, "root"),
        span(4, 1, 3, 4, "late"),
        span(2, 1, 1, 9, "agent"),
        span(3, 2, 2, 3, "tie a"),
        span(5, 2, 2, 4, "tie b"),  # same start as "tie a": the spans' order decides
        span(6, 99, 1, 2, "orphan"),  # its parent is missing: under the root
        span(2, 1, 5, 6, "repeat"),  # a repeated id: left out
        span(7, 8, 6, 7, "cycle a"),  # 7 and 8 are each other's parent: cut above the earlier, 7
        span(8, 7, 7, 8, "cycle b"),
    )
    children = tree_children(block)
    assert {parent: [s.name for s in kids] for parent, kids in children.items()} == {
        1: ["agent", "orphan", "late", "cycle a"],
        2: ["tie a", "tie b"],
        7: ["cycle b"],
    }
    root = build_tree(block)
    assert root is not None
    for _, node, _ in walk(root):
        assert [child.span for child in node.children] == children.get(node.span.span_id, [])
