"""A trace block frozen at one instant: plain data every view is computed from."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .record import SpanRecord

_T = TypeVar("_T")


@dataclass(frozen=True)
class TraceSnapshot:
    """The spans of one block (its root span and everything under it) at ``taken_ns``."""

    name: str
    trace_id: int
    root_span_id: int
    # Finished first, then running ones (end_ns None). A tuple, or a block's
    # model.rows.SpanRows, which builds its records on the first read.
    spans: Sequence[SpanRecord]
    start_ns: int
    end_ns: int | None  # None while the block runs
    taken_ns: int
    dropped_spans: int = 0
    notes: tuple[str, ...] = field(default=())
    # Figures derived from the spans (summary, critical path, ...) computed once:
    # a notebook bundle renders the same snapshot as HTML and as text.
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: str, compute: Callable[[], _T]) -> _T:
        """``compute()``, remembered on this snapshot under ``key`` (the spans never change)."""
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = compute()
            return value

    @property
    def finished(self) -> bool:
        return self.end_ns is not None

    @property
    def duration_ns(self) -> int:
        """Never below zero, like a span's (see ``SpanRecord.duration_ns``)."""
        return max((self.end_ns if self.end_ns is not None else self.taken_ns) - self.start_ns, 0)

    @property
    def trace_id_hex(self) -> str:
        return format(self.trace_id, "032x")

    @property
    def root(self) -> SpanRecord | None:
        for span in self.spans:
            if span.span_id == self.root_span_id:
                return span
        return None


def subtree(spans: Iterable[SpanRecord], root_span_id: int, keep_orphans: bool) -> list[SpanRecord]:
    """The spans under ``root_span_id`` (root included), in their given order.

    A span whose parent is unknown (dropped by the cap, or still running and not
    seen) is kept only when ``keep_orphans``: the outermost block owns them.
    """
    spans = list(spans)
    known = {span.span_id for span in spans}
    children: dict[int, list[int]] = {}
    for span in spans:
        parent = span.parent_id
        if span.span_id == root_span_id:
            continue
        if parent not in known and keep_orphans:
            parent = root_span_id
        children.setdefault(parent, []).append(span.span_id)
    inside = {root_span_id}
    stack = [root_span_id]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in inside:
                inside.add(child)
                stack.append(child)
    return [span for span in spans if span.span_id in inside]
