"""Spans → the figures of the summary panel: counts, duration, tokens per model."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..model.record import ERROR, SpanRecord
from ..model.snapshot import TraceSnapshot
from .counting import counted_calls, reported_calls, snapshot_calls
from .vocabulary import LlmCall


@dataclass(frozen=True)
class TokenUsage:
    """Tokens of the model calls of one model (OpenAI semantics: prompt includes cache reads
    and cache writes, completion includes thinking)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    thinking_tokens: int = 0
    calls: int = 0
    cache_write_tokens: int = 0  # prompt tokens written to a prompt cache (Anthropic)

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cached_tokens + other.cached_tokens,
            self.thinking_tokens + other.thinking_tokens,
            self.calls + other.calls,
            self.cache_write_tokens + other.cache_write_tokens,
        )

    @classmethod
    def of(cls, call: LlmCall) -> TokenUsage:
        return cls(*token_figures(call))


def token_figures(call: LlmCall) -> tuple[int, int, int, int, int, int]:
    """One call's figures in ``TokenUsage`` field order, for adding up calls as plain numbers."""
    return (
        call.prompt_tokens,
        call.completion_tokens,
        call.cached_tokens,
        call.thinking_tokens,
        1,
        call.cache_write_tokens,
    )


@dataclass(frozen=True)
class TraceSummary:
    name: str
    trace_id: str  # 32 hex characters
    total_spans: int  # finished + still running + dropped, the root span included
    duration_s: float
    usage: Mapping[str, TokenUsage]
    errors: tuple[SpanRecord, ...]
    dropped_spans: int
    running_spans: int = 0
    finished: bool = True
    notes: tuple[str, ...] = field(default=())

    @property
    def total_usage(self) -> TokenUsage:
        total = TokenUsage()
        for usage in self.usage.values():
            total += usage
        return total


def usage_by_model(spans: Iterable[SpanRecord]) -> dict[str, TokenUsage]:
    return _usage_by_model(counted_calls(spans))


def _usage_by_model(calls: Mapping[int, LlmCall]) -> dict[str, TokenUsage]:
    # Each model's calls, then one sum per figure (whole numbers: the order of additions is free).
    values = list(calls.values())
    models = set(map(_MODEL, values))
    if len(models) == 1:  # one model, as in most traces: no grouping
        by_model = {models.pop(): values}
    else:
        by_model = {}
        for call in values:
            by_model.setdefault(call.model, []).append(call)
    return {model: _usage_of(by_model[model]) for model in sorted(by_model)}


def _usage_of(calls: list[LlmCall]) -> TokenUsage:
    """The calls' figures added up, column by column of the ``LlmCall`` tuples."""
    _, prompt, completion, cached, thinking, cache_write, _ = zip(*calls, strict=True)
    return TokenUsage(sum(prompt), sum(completion), sum(cached), sum(thinking), len(calls), sum(cache_write))


_MODEL = operator.attrgetter("model")
_END = operator.attrgetter("end_ns")
_STATUS = operator.attrgetter("status")
_IGNORED = operator.attrgetter("ignored_values")


def ignored_usage_note(count: int) -> str:
    values = "value" if count == 1 else "values"
    return f"{count:,} usage {values} ignored (not finite, non-negative numbers)"


def summarize(snapshot: TraceSnapshot) -> TraceSummary:
    return snapshot.derived("summary", lambda: _summarize(snapshot))


def _summarize(snapshot: TraceSnapshot) -> TraceSummary:
    spans = snapshot.spans
    running = list(map(_END, spans)).count(None)
    return TraceSummary(
        name=snapshot.name,
        trace_id=snapshot.trace_id_hex,
        total_spans=len(snapshot.spans) + snapshot.dropped_spans,
        duration_s=snapshot.duration_ns / 1e9,
        usage=_usage_by_model(snapshot_calls(snapshot)),
        errors=tuple(itertools.compress(spans, [status == ERROR for status in map(_STATUS, spans)])),
        dropped_spans=snapshot.dropped_spans,
        running_spans=running,
        finished=snapshot.finished,
        notes=_notes(snapshot),
    )


def _notes(snapshot: TraceSnapshot) -> tuple[str, ...]:
    # Figures present but not token counts (see ``vocabulary.token_count``), on any reporting span.
    ignored = sum(map(_IGNORED, reported_calls(snapshot).values()))
    return (*snapshot.notes, ignored_usage_note(ignored)) if ignored else snapshot.notes
