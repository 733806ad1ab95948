"""The live view of a running block: the figures so far, what runs now, what just finished.

Its height never changes: a header, ``RUNNING_LINES`` lines for the spans
running now (each as its path from the block's root), ``FINISHED_LINES`` lines
for the latest finished spans, and one line counting what is not shown, padded
with empty lines when there is less. A view that jumps as spans arrive cannot
be read.

Each tick reads only the spans finished since the previous tick
(``TraceBlock.new_spans``) plus the few running ones, so a tick costs
O(new spans), never O(all spans): the live view must not slow a long traced
loop down as it grows. It reads a few fields of each new span from its row, the
token figures of those that report usage too, and builds records only for the
spans it shows.

Token totals here add up every span that reports usage. When two
instrumentations report the same call, the live total can run ahead; the final
snapshot applies the exact rule of ``analysis.counting.counted_calls``.
"""

from __future__ import annotations

import operator
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..analysis.cost import display_price_table, price_of
from ..analysis.services import other_service, resource_service
from ..analysis.summary import TokenUsage, token_figures
from ..analysis.vocabulary import USAGE_KEYS, llm_call_of_items
from ..collect.block import TraceBlock
from ..model.record import ERROR, SpanRecord
from ..model.rows import InternTable, RowBatch
from ..model.span_graph import ancestors
from .panel import ROW_MESSAGE_LIMIT, error_message
from .text import (
    elided,
    format_cost,
    format_count,
    format_duration,
    one_line,
    plural,
    shown_name,
    tokens_label,
)
from .tone import Part

RUNNING_LINES = 4
FINISHED_LINES = 8
LIVE_LINES = RUNNING_LINES + FINISHED_LINES + 1  # + the line counting what is not shown
MODELS_SHOWN = 3
PATH_NAMES = 4  # names of one running path before its middle is elided
NAME_LIMIT = 40


@dataclass(frozen=True)
class LiveLine:
    """One line of the live view; ``text`` empty for a padding line."""

    text: str = ""
    duration: str = ""
    tone: str = "plain"  # plain, running, error, muted


@dataclass(frozen=True)
class LiveFrame:
    """What the live view shows at one tick: always ``LIVE_LINES`` lines under the header."""

    name: str
    elapsed_s: float
    span_count: int  # finished + running spans seen so far
    running_count: int
    error_count: int
    tokens: Mapping[str, tuple[int, int]]  # model -> (prompt, completion) so far
    cost_usd: float | None  # of the models with a price; None when none has one
    running: Sequence[LiveLine]  # exactly RUNNING_LINES
    finished: Sequence[LiveLine]  # exactly FINISHED_LINES
    hidden: int  # spans seen but on none of the lines

    @property
    def title(self) -> tuple[Part, ...]:
        return (
            Part(f"Tracing {shown_name(self.name)} "),
            Part(f"running {format_duration(self.elapsed_s)}…", "warn"),
        )

    @property
    def figures(self) -> tuple[Part, ...]:
        parts = [
            Part(plural(self.span_count, "span"), "strong"),
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
        if self.cost_usd is not None:
            parts += [Part(" · "), Part(format_cost(self.cost_usd))]
        return tuple(parts)

    @property
    def more(self) -> str:
        return f"… {plural(self.hidden, 'more span')} not on these lines" if self.hidden > 0 else ""


def _padded(lines: list[LiveLine], count: int) -> tuple[LiveLine, ...]:
    return tuple(lines[:count] + [LiveLine()] * max(count - len(lines), 0))


class LiveProgress:
    """Figures and latest spans of a running block, advanced one batch of new spans at a time."""

    def __init__(self, block: TraceBlock) -> None:
        self._block = block
        self._cursor = 0
        self._batch = RowBatch((), InternTable(), block.trace_id)  # the spans the last advance() took in
        self._latest: deque[SpanRecord] = deque(maxlen=FINISHED_LINES)
        # model -> figures so far, in TokenUsage field order: plain numbers, added up in place
        self._tokens: dict[str, list[int]] = {}
        self._errors = 0
        # The block's own service: spans of any other (sent from elsewhere) are marked with theirs.
        self._own_service = resource_service(getattr(block.root, "resource", None))

    @property
    def finished_count(self) -> int:
        return self._cursor

    def still_running(self, running: list[SpanRecord]) -> list[SpanRecord]:
        """Take in the newly finished spans, then drop from ``running`` (read *before*) those among them.

        Read in this order, a span ending between the two reads is counted once
        (finished), and no span is ever missed: the figures never go back.
        """
        if not self.advance():
            return running
        just_finished = set(self._batch.span_ids())
        return [span for span in running if span.span_id not in just_finished]

    def advance(self) -> int:
        """Take in the spans finished since the last call; returns how many there were."""
        batch, self._cursor = self._block.new_spans(self._cursor)
        self._batch = batch
        self._errors += batch.status_count(ERROR)
        # The spans that report usage are read from their rows (no record, no dict), and records
        # are built only for the few shown: a tick must stay cheap however many spans a fast loop
        # ends between two of them.
        tokens = self._tokens
        for keys, values in batch.attribute_items(batch.with_any_key(USAGE_KEYS)):
            call = llm_call_of_items(keys, values)
            if call is not None:
                figures = tokens.get(call.model)
                if figures is None:
                    tokens[call.model] = list(token_figures(call))
                else:
                    figures[:] = map(operator.add, figures, token_figures(call))
        self._latest.extend(batch.last_records(FINISHED_LINES))
        return len(batch)

    def _cost(self) -> float | None:
        if not self._tokens:
            return None
        table, _ = display_price_table()
        prices = [(price_of(model, table), TokenUsage(*figures)) for model, figures in self._tokens.items()]
        known = [price.cost(usage) for price, usage in prices if price is not None]
        return sum(known) if known else None

    def frame(self, running: list[SpanRecord], now_ns: int | None = None) -> LiveFrame:
        """The live view's content now."""
        now = now_ns if now_ns is not None else time.time_ns()
        running_lines = self._running_lines(running, now)
        finished_lines = [self._finished_line(span, self._own_service) for span in reversed(self._latest)]
        span_count = self._cursor + len(running)
        shown = min(len(running_lines), RUNNING_LINES) + min(len(finished_lines), FINISHED_LINES)
        return LiveFrame(
            name=self._block.name,
            elapsed_s=max(now - self._block.start_ns, 0) / 1e9,
            span_count=span_count,
            running_count=len(running),
            error_count=self._errors,
            # (prompt, completion) per model: the first two figures
            tokens={model: (figures[0], figures[1]) for model, figures in self._tokens.items()},
            cost_usd=self._cost(),
            running=_padded(running_lines, RUNNING_LINES),
            finished=_padded(finished_lines, FINISHED_LINES),
            hidden=max(span_count - shown, 0),
        )

    def _running_lines(self, running: list[SpanRecord], now: int) -> list[LiveLine]:
        """The deepest running spans (those no running span runs under), each as its path from the root."""
        by_id = {span.span_id: span for span in running}
        parents = {span.parent_id for span in running}
        leaves = sorted((span for span in running if span.span_id not in parents), key=lambda s: s.start_ns)
        lines = []
        for leaf in leaves[-RUNNING_LINES:]:
            path = [leaf, *ancestors(leaf, by_id)]
            names = [elided(one_line(span.name), NAME_LIMIT) for span in reversed(path)]
            if len(names) > PATH_NAMES:
                names = [names[0], "…", *names[-(PATH_NAMES - 2) :]]
            duration = f"{format_duration(max(now - leaf.start_ns, 0) / 1e9)}…"
            lines.append(LiveLine(" › ".join(names), duration, "running"))
        return lines

    @staticmethod
    def _finished_line(span: SpanRecord, own_service: str | None) -> LiveLine:
        seconds = span.duration_ns(span.start_ns) / 1e9  # a running span counts no time here yet
        name = elided(one_line(span.name), NAME_LIMIT)
        service = other_service(span, own_service)
        if service is not None:  # the same mark as the span tree's
            name += f" @{elided(one_line(service), NAME_LIMIT)}"
        if span.is_error:
            return LiveLine(
                f"✗ {name}: {error_message(span, ROW_MESSAGE_LIMIT)}", format_duration(seconds), "error"
            )
        return LiveLine(name, format_duration(seconds))
