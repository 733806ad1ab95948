"""The span tree as rows: what each row says, which rows are shown, marked, unfolded.

One ``SpanTree`` feeds the terminal tree and the notebook's ``<details>`` tree,
so both show the same spans with the same labels, marks and caps. Rows come
depth first (children by start time) and stop at the tree limit with one line
for everything left out; totals elsewhere stay exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .. import config
from ..analysis.critical_path import critical_path_ids
from ..analysis.tree import build_tree, tree_parents, walk
from ..analysis.vocabulary import llm_call, span_kind
from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from .panel import error_message
from .text import format_duration, more_line, one_line, tokens_label

OPEN_DEPTH = 2  # spans this shallow start unfolded; deeper ones only on the way to an error
ROW_MESSAGE_LIMIT = 120  # characters of an error message inside a tree row
CRITICAL_MARK = "◆"


@dataclass(frozen=True)
class Bar:
    """Where a span sits on the block's timeline, as fractions of the block's duration."""

    offset: float  # 0..1
    width: float  # 0..1 - offset
    tone: str  # ok, llm, error or running
    title: str  # "starts at +1.2ms, runs 3.4ms"


@dataclass(frozen=True)
class SpanRow:
    depth: int
    span: SpanRecord  # for the details a notebook shows on demand
    name: str
    kind: str | None
    duration: str  # "1.2ms", or "running 1.2ms…" while the span runs
    running: bool
    call: str | None  # "gpt-4o-mini 31→27 tok" for a span that reports a model call
    error: str | None  # the failed span's message
    critical: bool
    bar: Bar
    has_children: bool
    unfolded: bool  # starts open where rows fold (notebook)


@dataclass(frozen=True)
class SpanTree:
    rows: tuple[SpanRow, ...]
    hidden: int  # spans of the block not among the rows (over the tree limit or dropped)
    more: str | None  # the line standing for them
    hint: str | None  # how to see more


def critical_ids(snapshot: TraceSnapshot) -> frozenset[int]:
    """Spans marked as on the critical path; none for a lone root, whose path is trivially itself."""
    if len(snapshot.spans) < 2:
        return frozenset()
    return critical_path_ids(snapshot)


def _ancestors_of_errors(snapshot: TraceSnapshot) -> set[int]:
    """Spans to unfold so that every failed span is visible without clicking."""
    errors = [span for span in snapshot.spans if span.is_error]
    if not errors:
        return set()
    parent_of = tree_parents(snapshot)  # as the tree shows them: orphans under the root, no cycle
    unfold: set[int] = set()
    for span in errors:
        parent = span.parent_id
        while parent and parent not in unfold:
            unfold.add(parent)
            parent = parent_of.get(parent, 0)
    return unfold


def _bar(span: SpanRecord, start_ns: int, now_ns: int, total_ns: int, tone: str) -> Bar:
    offset_ns = span.start_ns - start_ns
    duration_ns = span.duration_ns(now_ns)
    offset = min(max(offset_ns / total_ns, 0.0), 1.0)
    width = min(max(duration_ns / total_ns, 0.0), 1.0 - offset)
    title = (
        f"starts at +{format_duration(max(offset_ns, 0) / 1e9)}, runs {format_duration(duration_ns / 1e9)}"
    )
    return Bar(offset, width, tone, title)


def _rows(snapshot: TraceSnapshot, limit: int) -> Iterator[SpanRow]:
    root = build_tree(snapshot)
    if root is None:
        return
    now = snapshot.end_ns or snapshot.taken_ns
    total = max(now - snapshot.start_ns, 1)
    critical = critical_ids(snapshot)
    unfold = _ancestors_of_errors(snapshot)
    for depth, node, _ in walk(root, limit):
        span = node.span
        running = span.end_ns is None
        seconds = span.duration_ns(now) / 1e9
        call = llm_call(span.attributes)
        kind = span_kind(span.attributes)
        tone = "error" if span.is_error else "running" if running else "llm" if call is not None else "ok"
        yield SpanRow(
            depth=depth,
            span=span,
            name=one_line(span.name),
            kind=one_line(kind) if kind else None,
            duration=f"running {format_duration(seconds)}…" if running else format_duration(seconds),
            running=running,
            call=tokens_label(call.model, call.prompt_tokens, call.completion_tokens) if call else None,
            error=error_message(span, ROW_MESSAGE_LIMIT) if span.is_error else None,
            critical=span.span_id in critical,
            bar=_bar(span, snapshot.start_ns, now, total, tone),
            has_children=bool(node.children),
            unfolded=depth < OPEN_DEPTH or span.span_id in unfold,
        )


def span_tree(snapshot: TraceSnapshot, limit: int | None = None) -> SpanTree:
    """The first ``limit`` spans (default ``DATAPIZZA_TRACING_TREE_LIMIT``) as rows, depth first."""
    limit = limit if limit is not None else config.tree_limit()
    rows = tuple(_rows(snapshot, limit))
    hidden = len(snapshot.spans) + snapshot.dropped_spans - len(rows) if rows else 0
    if hidden <= 0:
        return SpanTree(rows, 0, None, None)
    hint = f"the tree shows the first {len(rows):,}; set {config.TREE_LIMIT_ENV} to show more"
    return SpanTree(rows, hidden, more_line(hidden), hint)
