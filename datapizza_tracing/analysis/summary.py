"""Spans → the figures of the summary panel: counts, duration, tokens per model."""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..model.record import ERROR, SpanRecord
from ..model.snapshot import TraceSnapshot
from ..model.span_graph import acyclic_parents, first_span_per_id, first_spans, first_spans_by_id
from .vocabulary import LlmCall, llm_call


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


def counted_calls(spans: Iterable[SpanRecord]) -> dict[int, LlmCall]:
    """Model calls by span id, each real call counted once.

    Two instrumentations often report the same request, and an agent span may
    report the sum of its calls. Two rules keep one report per call:

    1. Nested: the innermost report is the one closest to the wire, so a span's
       usage counts only when no span below it reports usage too.
    2. Siblings (see ``_same_call``): OpenInference's LangChain tracer never
       makes its span current, so with an ``openai`` instrumentor on too, the
       ``ChatOpenAI`` span and the ``ChatCompletion`` span of one request are
       not nested. Reports that agree on everything a request determines are
       one call.
    """
    spans, _ = first_span_per_id(spans)  # a repeated id counts its first span only
    return _counted(spans, _reported(spans))


def snapshot_calls(snapshot: TraceSnapshot) -> dict[int, LlmCall]:
    """``counted_calls`` of a snapshot's spans, worked out once per snapshot: the panel, the
    waterfall, the cost and the time table all ask for them."""
    return snapshot.derived(
        "counted_calls",
        lambda: _counted(first_spans(snapshot), reported_calls(snapshot), first_spans_by_id(snapshot)),
    )


def reported_calls(snapshot: TraceSnapshot) -> dict[int, LlmCall]:
    """Span id → the model call the span reports, for every span that reports one (the first
    span of a repeated id only), before ``counted_calls`` counts each real call once."""
    return snapshot.derived("reported_calls", lambda: _reported(first_spans(snapshot)))


def _reported(spans: Iterable[SpanRecord]) -> dict[int, LlmCall]:
    return {span.span_id: call for span in spans if (call := llm_call(span.attributes)) is not None}


def _counted(
    spans: list[SpanRecord], calls: dict[int, LlmCall], by_id: Mapping[int, SpanRecord] | None = None
) -> dict[int, LlmCall]:
    """``counted_calls`` of spans with one span per id; ``by_id`` indexes them when the caller has it."""
    if len(calls) < 2:
        return calls
    covered = _covered({span.span_id: span.parent_id for span in spans}, calls)
    if covered is None:  # a call in a parent cycle would cover itself: walk the cut links instead
        covered = _covered(acyclic_parents(spans), calls)
        assert covered is not None
    innermost = {span_id: call for span_id, call in calls.items() if span_id not in covered}
    if len(innermost) < 2:
        return innermost
    if by_id is None:
        by_id = {span.span_id: span for span in spans}
    # The names of the few scope objects, not one look-up per call.
    scopes = {id(scope): scope for scope in (by_id[span_id].scope for span_id in innermost)}
    if len({_name_of_scope(scope) for scope in scopes.values()}) < 2:
        return innermost  # one instrumentation: every report is a request of its own
    return _merge_sibling_reports(innermost, by_id)


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


_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")


@functools.lru_cache(maxsize=256)
def _model_family(model: str) -> str:
    """``openai/gpt-4o-mini-2024-07-18`` → ``gpt-4o-mini``: a request model and the dated
    model its response names are the same model."""
    return _DATE_SUFFIX.sub("", model.strip().lower().rsplit("/", 1)[-1])


def _scope_name(span: SpanRecord) -> str | None:
    return _name_of_scope(span.scope)


def _name_of_scope(scope: object) -> str | None:
    return getattr(scope, "name", None) or None


def _details_agree(a: int, b: int) -> bool:
    # One instrumentation may leave a detail out (e.g. no reasoning for streams).
    return a == b or not a or not b


def _overlap(a: SpanRecord, b: SpanRecord) -> bool:
    a_end = a.end_ns if a.end_ns is not None else float("inf")
    b_end = b.end_ns if b.end_ns is not None else float("inf")
    return a.start_ns <= b_end and b.start_ns <= a_end


def _same_call(a: SpanRecord, call_a: LlmCall, b: SpanRecord, call_b: LlmCall) -> bool:
    """Two reports, neither inside the other, of one request.

    Same model (up to a date suffix), same prompt and completion tokens, cache
    and thinking figures that agree where both give them, overlapping in time,
    and written by two *different* instrumentation scopes. One instrumentation
    writes one span per request, so two spans of the same scope are always two
    requests: two parallel identical calls stay two.
    """
    scope_a, scope_b = _scope_name(a), _scope_name(b)
    return (
        scope_a is not None
        and scope_b is not None
        and scope_a != scope_b
        and call_a.prompt_tokens == call_b.prompt_tokens
        and call_a.completion_tokens == call_b.completion_tokens
        and _model_family(call_a.model) == _model_family(call_b.model)
        and _details_agree(call_a.cached_tokens, call_b.cached_tokens)
        and _details_agree(call_a.thinking_tokens, call_b.thinking_tokens)
        and _details_agree(call_a.cache_write_tokens, call_b.cache_write_tokens)
        and _overlap(a, b)
    )


def _detail_count(call: LlmCall) -> int:
    return sum(1 for value in (call.cached_tokens, call.thinking_tokens, call.cache_write_tokens) if value)


class _Group:
    """The reports of one request: at most one per scope."""

    __slots__ = ("members", "min_end", "scopes")

    def __init__(self) -> None:
        self.members: list[int] = []
        self.scopes: set[str | None] = set()
        self.min_end: float = float("inf")

    def add(self, span_id: int, span: SpanRecord) -> None:
        self.members.append(span_id)
        self.scopes.add(_scope_name(span))
        if span.end_ns is not None:
            self.min_end = min(self.min_end, span.end_ns)


def _merge_sibling_reports(calls: dict[int, LlmCall], spans: Mapping[int, SpanRecord]) -> dict[int, LlmCall]:
    """Group the reports of one request (``_same_call``) and keep one per group.

    Reports are swept in start order; a group stays open while all its members
    are still running at the current start, so each report is compared only
    with the requests in flight at that moment (linear for sequential calls).
    The span kept is the one with the most detail figures (then the later
    start: the wire-level call starts after the framework's span around it);
    its figures take the details the other reports add.
    """
    buckets: dict[tuple[str, int, int], list[int]] = {}
    for span_id, call in calls.items():
        key = (_model_family(call.model), call.prompt_tokens, call.completion_tokens)
        buckets.setdefault(key, []).append(span_id)
    counted: dict[int, LlmCall] = {}
    for members in buckets.values():
        if len({_scope_name(spans[span_id]) for span_id in members}) < 2:
            counted.update((span_id, calls[span_id]) for span_id in members)  # one scope: all separate
            continue
        members.sort(key=lambda span_id: spans[span_id].start_ns)
        groups: list[_Group] = []
        open_groups: list[_Group] = []
        for span_id in members:
            span, call = spans[span_id], calls[span_id]
            open_groups = [group for group in open_groups if group.min_end >= span.start_ns]
            for group in open_groups:
                if all(_same_call(span, call, spans[other], calls[other]) for other in group.members):
                    break
            else:
                group = _Group()
                groups.append(group)
                open_groups.append(group)
            group.add(span_id, span)
        for group in groups:
            if len(group.members) == 1:
                counted[group.members[0]] = calls[group.members[0]]
                continue
            reports = [calls[span_id] for span_id in group.members]
            kept = max(
                group.members, key=lambda span_id: (_detail_count(calls[span_id]), spans[span_id].start_ns)
            )
            counted[kept] = calls[kept]._replace(
                cached_tokens=max(r.cached_tokens for r in reports),
                thinking_tokens=max(r.thinking_tokens for r in reports),
                cache_write_tokens=max(r.cache_write_tokens for r in reports),
            )
    return counted


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
