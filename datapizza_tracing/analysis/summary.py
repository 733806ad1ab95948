"""Spans → the figures of the summary panel: counts, duration, tokens per model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from ..model.span_graph import acyclic_parents, first_span_per_id
from .vocabulary import LlmCall, llm_call


@dataclass(frozen=True)
class TokenUsage:
    """Tokens of the model calls of one model (OpenAI semantics: prompt includes cached,
    completion includes thinking)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    thinking_tokens: int = 0
    calls: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cached_tokens + other.cached_tokens,
            self.thinking_tokens + other.thinking_tokens,
            self.calls + other.calls,
        )

    @classmethod
    def of(cls, call: LlmCall) -> TokenUsage:
        return cls(call.prompt_tokens, call.completion_tokens, call.cached_tokens, call.thinking_tokens, 1)


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


def counted_calls(spans: Iterable[SpanRecord]) -> dict[int, LlmCall]:
    """Model calls by span id, each real call counted once.

    Instrumentations nest: a framework span and a provider span for the same
    request both report its usage, and an agent span may report the sum of its
    calls. The innermost report is the one closest to the wire, so a span's usage
    counts only when no span below it reports usage too.
    """
    spans, _ = first_span_per_id(spans)  # a repeated id counts its first span only
    calls = {span.span_id: call for span in spans if (call := llm_call(span.attributes)) is not None}
    if len(calls) < 2:
        return calls
    covered = _covered({span.span_id: span.parent_id for span in spans}, calls)
    if covered is None:  # a call in a parent cycle would cover itself: walk the cut links instead
        covered = _covered(acyclic_parents(spans), calls)
        assert covered is not None
    return {span_id: call for span_id, call in calls.items() if span_id not in covered}


def _covered(parent_of: Mapping[int, int], calls: Mapping[int, LlmCall]) -> set[int] | None:
    """The ancestors of every call (each walked once), or ``None`` if a call is its own ancestor."""
    covered: set[int] = set()
    for span_id in calls:
        parent = parent_of.get(span_id, 0)
        while parent and parent not in covered:
            if parent == span_id:
                return None
            covered.add(parent)
            parent = parent_of.get(parent, 0)
    return covered


def usage_by_model(spans: Iterable[SpanRecord]) -> dict[str, TokenUsage]:
    usage: dict[str, TokenUsage] = {}
    for call in counted_calls(spans).values():
        usage[call.model] = usage.get(call.model, TokenUsage()) + TokenUsage.of(call)
    return dict(sorted(usage.items()))


def summarize(snapshot: TraceSnapshot) -> TraceSummary:
    return snapshot.derived("summary", lambda: _summarize(snapshot))


def _summarize(snapshot: TraceSnapshot) -> TraceSummary:
    running = sum(1 for span in snapshot.spans if span.end_ns is None)
    return TraceSummary(
        name=snapshot.name,
        trace_id=snapshot.trace_id_hex,
        total_spans=len(snapshot.spans) + snapshot.dropped_spans,
        duration_s=snapshot.duration_ns / 1e9,
        usage=usage_by_model(snapshot.spans),
        errors=tuple(span for span in snapshot.spans if span.is_error),
        dropped_spans=snapshot.dropped_spans,
        running_spans=running,
        finished=snapshot.finished,
        notes=snapshot.notes,
    )
