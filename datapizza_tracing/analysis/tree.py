"""Spans → a tree ordered by start time, walked depth first with a cap."""

from __future__ import annotations

import operator
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from ..model.span_graph import acyclic_parents, first_spans, first_spans_by_id


@dataclass
class SpanNode:
    span: SpanRecord
    children: list[SpanNode] = field(default_factory=list)


def tree_parents(snapshot: TraceSnapshot) -> dict[int, int]:
    """Each span's parent as the tree shows it: its own parent when that leads to the root,
    otherwise the root (orphans, and the span a parent cycle is cut above). The root maps to 0."""
    return snapshot.derived("tree_parents", lambda: _tree_parents(snapshot))


def _tree_parents(snapshot: TraceSnapshot) -> dict[int, int]:
    root_id = snapshot.root_span_id
    spans = first_spans(snapshot)
    known = first_spans_by_id(snapshot)  # for its keys
    parents: dict[int, int] = {}
    # A span that started after its parent cannot be its own ancestor: when every span did, there is no
    # cycle and the walk below that finds one is not needed (most traces: clocks only go forward).
    forward = True
    for span in spans:
        span_id, parent = span.span_id, span.parent_id
        if span_id == root_id:
            parents[span_id] = 0
            continue
        above = known.get(parent) if parent else None
        if above is None:
            parent = root_id  # an orphan
        elif forward and above.start_ns >= span.start_ns and parent != root_id:
            forward = False
        parents[span_id] = parent
    if forward:
        return parents
    children: dict[int, list[int]] = {}
    for span_id, parent in parents.items():
        if span_id != root_id:
            children.setdefault(parent, []).append(span_id)
    # Every span reachable from the root means no cycle (a span in one has its only parent in it).
    reached = {root_id}
    stack = [root_id]
    while stack:
        for child in children.get(stack.pop(), ()):
            reached.add(child)
            stack.append(child)
    if len(reached) >= len(parents):
        return parents
    # Rare: cut the cycles among the spans the root cannot reach; a cut span hangs under the root.
    cut = acyclic_parents([span for span in spans if span.span_id not in reached])
    for span_id, parent in cut.items():
        parents[span_id] = parent or root_id
    return parents


def build_tree(snapshot: TraceSnapshot) -> SpanNode | None:
    """The block's root span with its descendants; orphans hang under the root.

    The first span of each id is the one shown (see ``model.span_graph``), and a
    parent cycle is cut, so every span appears once and every walk ends.
    """
    by_id = first_spans_by_id(snapshot)
    if snapshot.root_span_id not in by_id:
        return None
    nodes = {span_id: SpanNode(span) for span_id, span in by_id.items()}
    for parent, children in tree_children(snapshot).items():
        nodes[parent].children.extend(nodes[child.span_id] for child in children)
    return nodes[snapshot.root_span_id]


def tree_children(snapshot: TraceSnapshot) -> dict[int, list[SpanRecord]]:
    """Span id → its children as ``build_tree`` orders them (by start, ties in the spans' order),
    for the spans that have some; worked out once per snapshot. Read it, never change it."""
    return snapshot.derived("tree_children", lambda: _tree_children(snapshot))


def _tree_children(snapshot: TraceSnapshot) -> dict[int, list[SpanRecord]]:
    parents = tree_parents(snapshot)
    root_id = snapshot.root_span_id
    children: dict[int, list[SpanRecord]] = {}
    # Attached in start order (ties in the spans' order), every list comes out as a stable sort of it
    # by start would leave it: one sort instead of one per parent.
    for span in sorted(first_spans(snapshot), key=_START):
        if span.span_id != root_id:
            parent = parents[span.span_id]
            siblings = children.get(parent)
            if siblings is None:
                children[parent] = [span]
            else:
                siblings.append(span)
    return children


_START = operator.attrgetter("start_ns")


def walk(root: SpanNode, limit: int | None = None) -> Iterator[tuple[int, SpanNode, SpanNode | None]]:
    """(depth, node, parent) triples depth first, at most ``limit`` of them; each node once."""
    stack: list[tuple[int, SpanNode, SpanNode | None]] = [(0, root, None)]
    seen: set[int] = set()
    emitted = 0
    while stack and (limit is None or emitted < limit):
        depth, node, parent = stack.pop()
        if id(node) in seen:  # a hand-built tree that links a node twice
            continue
        seen.add(id(node))
        yield depth, node, parent
        emitted += 1
        stack.extend((depth + 1, child, node) for child in reversed(node.children))
