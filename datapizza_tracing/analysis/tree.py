"""Spans → a tree ordered by start time, walked depth first with a cap."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot


@dataclass
class SpanNode:
    span: SpanRecord
    children: list[SpanNode] = field(default_factory=list)


def build_tree(snapshot: TraceSnapshot) -> SpanNode | None:
    """The block's root span with its descendants; orphans hang under the root."""
    nodes = {span.span_id: SpanNode(span) for span in snapshot.spans}
    root = nodes.get(snapshot.root_span_id)
    if root is None:
        return None
    for node in nodes.values():
        if node is root:
            continue
        parent = nodes.get(node.span.parent_id, root)
        parent.children.append(node)
    for node in nodes.values():
        if len(node.children) > 1:
            node.children.sort(key=lambda child: child.span.start_ns)
    return root


def walk(root: SpanNode, limit: int | None = None) -> Iterator[tuple[int, SpanNode, SpanNode | None]]:
    """(depth, node, parent) triples depth first, at most ``limit`` of them."""
    stack: list[tuple[int, SpanNode, SpanNode | None]] = [(0, root, None)]
    emitted = 0
    while stack and (limit is None or emitted < limit):
        depth, node, parent = stack.pop()
        yield depth, node, parent
        emitted += 1
        stack.extend((depth + 1, child, node) for child in reversed(node.children))
