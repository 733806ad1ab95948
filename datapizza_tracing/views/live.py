"""The live view of a running block: what it has done so far, kept up to date incrementally.

Each tick reads only the spans finished since the previous tick
(``TraceBlock.new_records``) plus the few running ones, so a tick costs
O(new spans), never O(all spans): the live view must not slow a long traced
loop down as it grows. A frame's size does not depend on the trace either: at
most ``LIVE_ROWS`` rows, the rest counted.

Token totals here add up every span that reports usage. When an
instrumentation reports the same call twice (a framework span around a
provider span) the live total can run ahead; the final snapshot applies the
exact rule of ``analysis.summary.counted_calls``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..analysis.vocabulary import USAGE_KEYS, llm_call, span_kind
from ..collect.block import TraceBlock
from ..model.record import ERROR, SpanRecord
from .panel import error_message
from .span_tree import ROW_MESSAGE_LIMIT
from .text import format_count, format_duration, more_line, one_line, plural, tokens_label
from .tone import Part

LIVE_ROWS = 50
CHILDREN_SHOWN = 10  # latest finished children shown per span; earlier ones become one marker row
MODELS_SHOWN = 3


@dataclass(frozen=True)
class LiveRow:
    """One line of the live tree: a span, or a "… N earlier spans" marker (``span_name`` None)."""

    depth: int
    span_name: str | None
    kind: str | None = None
    duration: str = ""  # "1.2ms", or "running 1.2ms…"
    running: bool = False
    error: str | None = None  # the failed span's message, as the tree shows it
    note: str = ""  # text of a marker row


@dataclass(frozen=True)
class LiveFrame:
    """What the live view shows at one tick."""

    name: str
    elapsed_s: float
    span_count: int  # finished + running spans seen so far
    running_count: int
    tokens: Mapping[str, tuple[int, int]]  # model -> (prompt, completion) so far
    rows: Sequence[LiveRow]
    hidden: int  # spans not shown in rows
    error_count: int = 0  # finished spans that failed

    @property
    def title(self) -> tuple[Part, ...]:
        return (
            Part(f"Tracing {one_line(self.name)} "),
            Part(f"running {format_duration(self.elapsed_s)}…", "warn"),
        )

    @property
    def figures(self) -> tuple[Part, ...]:
        parts = [
            Part("Spans so far: "),
            Part(format_count(self.span_count), "strong"),
            Part(f" ({format_count(self.running_count)} running)"),
        ]
        if self.error_count:
            parts += [Part(" · "), Part(plural(self.error_count, "error"), "error")]
        if self.tokens:
            models = sorted(self.tokens)
            shown = [tokens_label(model, *self.tokens[model]) for model in models[:MODELS_SHOWN]]
            if len(models) > MODELS_SHOWN:
                shown.append(f"+{len(models) - MODELS_SHOWN} more models")
            parts += [Part(" · "), Part(", ".join(shown), "llm")]
        return tuple(parts)

    @property
    def more(self) -> str | None:
        return more_line(self.hidden) if self.hidden > 0 else None


class LiveProgress:
    """Span tree and token totals of a running block, advanced one batch of new spans at a time."""

    def __init__(self, block: TraceBlock) -> None:
        self._block = block
        self._cursor = 0
        self._children: dict[int, list[SpanRecord]] = {}  # parent id -> finished children, in end order
        self._tokens: dict[str, list[int]] = {}  # model -> [prompt, completion]
        self._errors = 0

    @property
    def finished_count(self) -> int:
        return self._cursor

    def advance(self) -> int:
        """Take in the spans finished since the last call; returns how many there were."""
        records, self._cursor = self._block.new_records(self._cursor)
        children = self._children
        tokens = self._tokens
        for record in records:
            siblings = children.get(record.parent_id)
            if siblings is None:
                children[record.parent_id] = [record]
            else:
                siblings.append(record)
            if record.status == ERROR:
                self._errors += 1
            attributes = record.attributes
            if attributes and not USAGE_KEYS.isdisjoint(attributes):
                call = llm_call(attributes)
                if call is not None:
                    totals = tokens.setdefault(call.model, [0, 0])
                    totals[0] += call.prompt_tokens
                    totals[1] += call.completion_tokens
        return len(records)

    def frame(self, running: list[SpanRecord], now_ns: int | None = None) -> LiveFrame:
        """The live view's content now: header figures and at most ``LIVE_ROWS`` tree rows."""
        now = now_ns if now_ns is not None else time.time_ns()
        root_id = self._block.root_span_id
        root: SpanRecord | None = None
        running_under: dict[int, list[SpanRecord]] = {}
        for span in running:
            if span.span_id == root_id:
                root = span
            else:
                running_under.setdefault(span.parent_id, []).append(span)
        rows, shown = self._rows(root, root_id, running_under, now)
        span_count = self._cursor + len(running)
        return LiveFrame(
            name=self._block.name,
            elapsed_s=max(now - self._block.start_ns, 0) / 1e9,
            span_count=span_count,
            running_count=len(running),
            error_count=self._errors,
            tokens={model: (pair[0], pair[1]) for model, pair in self._tokens.items()},
            rows=rows,
            hidden=max(span_count - shown, 0),
        )

    def _rows(
        self,
        root: SpanRecord | None,
        root_id: int,
        running_under: dict[int, list[SpanRecord]],
        now: int,
    ) -> tuple[list[LiveRow], int]:
        """Depth first from the root, showing each span's latest children, capped at ``LIVE_ROWS``."""
        rows: list[LiveRow] = []
        shown = 0
        stack: list[tuple[int, SpanRecord | LiveRow]] = []
        if root is not None:
            stack.append((0, root))
        else:  # not recording: nothing runs; show what finished under the root id, if anything
            stack.extend(self._children_of(root_id, 0, running_under))
        while stack and len(rows) < LIVE_ROWS:
            depth, item = stack.pop()
            if isinstance(item, LiveRow):
                rows.append(item)
                continue
            rows.append(_row(item, depth, now))
            shown += 1
            stack.extend(self._children_of(item.span_id, depth + 1, running_under))
        return rows, shown

    def _children_of(
        self, span_id: int, depth: int, running_under: dict[int, list[SpanRecord]]
    ) -> list[tuple[int, SpanRecord | LiveRow]]:
        """Stack entries (reversed, so they pop in display order) for one span's children."""
        finished = self._children.get(span_id, ())
        latest = finished[-CHILDREN_SHOWN:] if finished else []
        items: list[tuple[int, SpanRecord | LiveRow]] = []
        earlier = len(finished) - len(latest)
        if earlier:
            note = f"… {plural(earlier, 'earlier span')}"
            items.append((depth, LiveRow(depth, None, note=note)))
        items.extend((depth, span) for span in latest)
        items.extend((depth, span) for span in running_under.get(span_id, ()))
        items.reverse()
        return items


def _row(span: SpanRecord, depth: int, now: int) -> LiveRow:
    seconds = span.duration_ns(now) / 1e9
    running = span.end_ns is None
    kind = span_kind(span.attributes)
    return LiveRow(
        depth=depth,
        span_name=one_line(span.name),
        kind=one_line(kind) if kind else None,
        duration=f"running {format_duration(seconds)}…" if running else format_duration(seconds),
        running=running,
        error=error_message(span, ROW_MESSAGE_LIMIT) if span.is_error else None,
    )
