"""What a running block has done so far, kept up to date incrementally for the live view.

Each tick reads only the spans finished since the previous tick
(``TraceBlock.new_records``) plus the few running ones, so a tick costs
O(new spans), never O(all spans): the live view must not slow a long traced
loop down as it grows.

Token totals here add up every span that reports usage. When an
instrumentation reports the same call twice (a framework span around a
provider span) the live total can run ahead; the final snapshot applies the
exact innermost-span-wins rule of ``analysis.summary.counted_calls``.
"""

from __future__ import annotations

import time

from ...analysis.vocabulary import llm_call, span_kind
from ...collect.block import TraceBlock
from ...model.record import ERROR, SpanRecord
from ...render.live_html import LIVE_ROWS, LiveFrame, LiveRow

CHILDREN_SHOWN = 10  # latest finished children shown per span; earlier ones become one marker row

# Any key that can carry token usage, in the three vocabularies: spans without
# one skip the full parse (a C-level set/dict check instead of three scans).
_USAGE_KEYS = frozenset(
    {
        "prompt_tokens_used",
        "completion_tokens_used",
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.prompt_tokens",
        "gen_ai.usage.completion_tokens",
        "llm.token_count.prompt",
        "llm.token_count.completion",
        "llm.token_count.total",
    }
)


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
            if attributes and not _USAGE_KEYS.isdisjoint(attributes):
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
            note = f"… {earlier:,} earlier span{'s' if earlier != 1 else ''}"
            items.append((depth, LiveRow(depth, None, note=note)))
        items.extend((depth, span) for span in latest)
        items.extend((depth, span) for span in running_under.get(span_id, ()))
        items.reverse()
        return items


def _row(span: SpanRecord, depth: int, now: int) -> LiveRow:
    return LiveRow(
        depth=depth,
        span_name=span.name,
        kind=span_kind(span.attributes),
        seconds=span.duration_ns(now) / 1e9,
        running=span.end_ns is None,
        error=(span.status_message or "error") if span.is_error else None,
    )
