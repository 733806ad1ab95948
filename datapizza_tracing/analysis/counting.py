"""Which spans' model calls count: each real request once, however many instrumentations report it.

Two instrumentations often report the same request (a framework's span around
the client library's), an agent span may carry the sum of its calls, and some
tracers never make their span current, so two reports of one request can be
siblings. ``counted_calls`` keeps one report per request (see its rules);
``summary`` adds the counted calls up per model.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable, Mapping

from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from ..model.span_graph import acyclic_parents, first_span_per_id, first_spans, first_spans_by_id
from .vocabulary import UNKNOWN_MODEL, LlmCall, llm_call, model_names, response_id


def counted_calls(spans: Iterable[SpanRecord]) -> dict[int, LlmCall]:
    """Model calls by span id, each real call counted once.

    Two instrumentations often report the same request, and an agent span may
    report the sum of its calls. Two rules keep one report per call:

    1. Nested: the innermost report is the one closest to the wire, so a span's
       usage does not count when a span below it reports usage of the same model
       (by requested or answering name): that is the same request, or a total
       over calls of that model. A report above calls of other models only (an
       embedding or a guard-rail call inside the user's own generation span)
       is a call of its own. A dropped report of the same request lends the
       kept one the details it lacks (see ``_settle_nested``).
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
    parent_of: Mapping[int, int] = {span.span_id: span.parent_id for span in spans}
    covered = _covered(parent_of, calls)
    if covered is None:  # a call in a parent cycle would cover itself: walk the cut links instead
        parent_of = acyclic_parents(spans)
        covered = _covered(parent_of, calls)
        assert covered is not None
    counted = {span_id: call for span_id, call in calls.items() if span_id not in covered}
    outer = {span_id for span_id in covered if span_id in calls}  # reports with reports below: usually none
    if not outer and len(counted) < 2:
        return counted
    if by_id is None:
        by_id = {span.span_id: span for span in spans}
    if outer:
        _settle_nested(counted, calls, outer, _report_above(parent_of, calls), by_id)
        if len(counted) < 2:
            return counted
    # The names of the few scope objects, not one look-up per call.
    scopes = {id(scope): scope for scope in (by_id[span_id].scope for span_id in counted)}
    if len({_name_of_scope(scope) for scope in scopes.values()}) < 2:
        return counted  # one instrumentation: every report is a request of its own
    return _merge_sibling_reports(counted, by_id)


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


def _report_above(parent_of: Mapping[int, int], calls: Mapping[int, LlmCall]) -> dict[int, int]:
    """Each report's nearest report above it (for the reports that have one), each span walked once."""
    above: dict[int, int] = {0: 0}  # span id -> the nearest report above it, 0 for none
    nearest: dict[int, int] = {}
    for span_id in calls:
        parent = parent_of.get(span_id, 0)
        found = parent if parent in calls else above.get(parent)  # the usual cases: no walk
        if found is None:
            found = _walk_up(parent, parent_of, calls, above)
        if found:
            nearest[span_id] = found
    return nearest


def _walk_up(
    span_id: int, parent_of: Mapping[int, int], calls: Mapping[int, LlmCall], above: dict[int, int]
) -> int:
    """The nearest report at or above ``span_id``, remembered in ``above`` for every span walked."""
    path: list[int] = []
    on_path: set[int] = set()
    node = span_id
    while node not in calls and node not in above:
        if node in on_path:  # a parent cycle without a report in it: nothing above
            node = 0
            break
        path.append(node)
        on_path.add(node)
        node = parent_of.get(node, 0)
    found = node if node in calls else above.get(node, 0)
    above.update(dict.fromkeys(path, found))
    return found


def _settle_nested(
    counted: dict[int, LlmCall],
    calls: Mapping[int, LlmCall],
    outer: set[int],
    report_above: Mapping[int, int],
    spans: Mapping[int, SpanRecord],
) -> None:
    """Add to ``counted`` the ``outer`` reports (those with reports below them) that are calls of their
    own: none of the reports below is of their model. A report dropped as the same request as the one
    report of its model directly below (same figures) lends the kept report the details it lacks."""
    below: dict[int, list[int]] = {}
    for span_id, parent in report_above.items():
        below.setdefault(parent, []).append(span_id)
    models = _NestedModels(calls, spans, below)
    merged_into: dict[int, int] = {}  # a dropped report -> the counted report of the same request
    for span_id in _bottom_up(outer, report_above):
        call, inner = calls[span_id], below.get(span_id, ())
        if len(inner) == 1 and calls[inner[0]].model == call.model:  # the usual pair: no more to read
            same = inner if _same_figures(call, calls[inner[0]]) else ()
        elif not models.same_model_below(span_id):
            counted[span_id] = call  # above calls of other models only: a call of its own
            continue
        else:
            same = [c for c in inner if _same_figures(call, calls[c]) and models.same_model(span_id, c)]
        target = merged_into.get(same[0], same[0]) if len(same) == 1 else None
        if target in counted:
            merged_into[span_id] = target
            counted[target] = _with_details(counted[target], call)


class _NestedModels:
    """The models of nested reports. A report usually names the model of the report just below it,
    and that first name settles it: the other names (an alias, a dated response model) and the
    reports further below are looked at only when it does not."""

    def __init__(
        self, calls: Mapping[int, LlmCall], spans: Mapping[int, SpanRecord], below: Mapping[int, list[int]]
    ) -> None:
        self._calls, self._spans, self._below = calls, spans, below
        self._families: dict[int, frozenset[str]] = {}
        self._index: _DescendantIndex | None = None

    def same_model(self, a: int, b: int) -> bool:
        if _model_family(self._calls[a].model) == _model_family(self._calls[b].model):
            return True
        return not self._families_of(a).isdisjoint(self._families_of(b))

    def same_model_below(self, span_id: int) -> bool:
        """A report below names one of this report's models, or one of the two names no model."""
        family = _model_family(self._calls[span_id].model)
        if family == _UNKNOWN_FAMILY:
            return True
        for child in self._below.get(span_id, ()):
            if _model_family(self._calls[child].model) in (family, _UNKNOWN_FAMILY):
                return True
        if self._index is None:
            self._index = _DescendantIndex(self._below, self._families_of)
        return self._index.any_below(span_id, self._families_of(span_id) | {_UNKNOWN_FAMILY})

    def _families_of(self, span_id: int) -> frozenset[str]:
        found = self._families.get(span_id)
        if found is None:
            found = self._families[span_id] = _model_families(self._spans[span_id], self._calls[span_id])
        return found


class _DescendantIndex:
    """Which models the reports below a report name, for any report, in O(log n) per model: the
    reports numbered in depth-first order (a report's descendants take the numbers just after its
    own), and for each model the sorted numbers of the reports naming it."""

    def __init__(self, below: Mapping[int, list[int]], families_of: Callable[[int], frozenset[str]]) -> None:
        children = {child for inner in below.values() for child in inner}
        self._first: dict[int, int] = {}  # report -> its number
        self._last: dict[int, int] = {}  # report -> the last number below it
        self._numbers: dict[str, list[int]] = {}
        for root in below.keys() - children:
            self._number(root, below)
        for span_id, number in self._first.items():  # numbered in increasing order: lists stay sorted
            for family in families_of(span_id):
                self._numbers.setdefault(family, []).append(number)

    def _number(self, root: int, below: Mapping[int, list[int]]) -> None:
        stack = [(root, False)]  # a loop, not recursion: nesting has no bound
        while stack:
            node, done = stack.pop()
            if done:
                self._last[node] = len(self._first) - 1
                continue
            self._first[node] = len(self._first)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(below.get(node, ())))

    def any_below(self, span_id: int, families: Iterable[str]) -> bool:
        first = self._first.get(span_id)
        if first is None:  # in a parent cycle: dropped as before
            return True
        last = self._last[span_id]
        for family in families:
            numbers = self._numbers.get(family, ())
            at = bisect.bisect_right(numbers, first)
            if at < len(numbers) and numbers[at] <= last:
                return True
        return False


def _bottom_up(outer: set[int], report_above: Mapping[int, int]) -> list[int]:
    """The outer reports, each after every report below it (deepest first)."""
    depth: dict[int, int] = {}
    for span_id in outer:
        if span_id not in report_above:  # the usual case: no report above it
            depth[span_id] = 0
            continue
        chain: list[int] = []
        on_chain: set[int] = set()  # reports in a parent cycle: the cycle is cut where the walk met it
        node = span_id
        while node and node not in depth and node not in on_chain:
            chain.append(node)
            on_chain.add(node)
            node = report_above.get(node, 0)
        level = depth.get(node, -1)
        for node in reversed(chain):
            level += 1
            depth[node] = level
    return sorted(outer, key=depth.__getitem__, reverse=True)


def _same_figures(a: LlmCall, b: LlmCall) -> bool:
    return (
        a.prompt_tokens == b.prompt_tokens
        and a.completion_tokens == b.completion_tokens
        and _details_agree(a.cached_tokens, b.cached_tokens)
        and _details_agree(a.thinking_tokens, b.thinking_tokens)
        and _details_agree(a.cache_write_tokens, b.cache_write_tokens)
    )


def _with_details(kept: LlmCall, other: LlmCall) -> LlmCall:
    """``kept`` with the detail figures it lacks taken from another report of the same request."""
    if (
        kept.cached_tokens >= other.cached_tokens
        and kept.thinking_tokens >= other.thinking_tokens
        and kept.cache_write_tokens >= other.cache_write_tokens
    ):
        return kept  # nothing to add, without a new tuple
    model, prompt, completion, cached, thinking, cache_write, ignored = kept
    return _new_call(
        LlmCall,
        (
            model,
            prompt,
            completion,
            max(cached, other.cached_tokens),
            max(thinking, other.thinking_tokens),
            max(cache_write, other.cache_write_tokens),
            ignored,
        ),
    )


_new_call = tuple.__new__  # skips NamedTuple's Python-level __new__ (as vocabulary's reading does)


def _model_families(span: SpanRecord, call: LlmCall) -> frozenset[str]:
    """The models a report names, requested and answering, up to a date suffix."""
    return _families_of((call.model, *model_names(span.attributes)))


@functools.lru_cache(maxsize=256)
def _families_of(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(map(_model_family, names))


_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")


@functools.lru_cache(maxsize=256)
def _model_family(model: str) -> str:
    """``openai/gpt-4o-mini-2024-07-18`` → ``gpt-4o-mini``: a request model and the dated
    model its response names are the same model."""
    return _DATE_SUFFIX.sub("", model.strip().lower().rsplit("/", 1)[-1])


_UNKNOWN_FAMILY = _model_family(UNKNOWN_MODEL)  # a report that names no model


def _scope_name(span: SpanRecord) -> str | None:
    return _name_of_scope(span.scope)


def _name_of_scope(scope: object) -> str | None:
    return getattr(scope, "name", None) or None


def _details_agree(a: int, b: int) -> bool:
    # One instrumentation may leave a detail out (e.g. no reasoning for streams).
    return a == b or not a or not b


# One instrumentation wraps the other's call, so one report's interval holds the other's; the slack
# absorbs clock rounding between two SDKs' timestamps.
_CONTAINMENT_SLACK_NS = 2_000_000
# Our own helpers (``generation_span``) always make their span current, so a request reported inside
# one nests in it: a sibling of one is always another request.
_OWN_SCOPE = "datapizza_tracing"


def _one_holds_the_other(a: SpanRecord, b: SpanRecord) -> bool:
    return _holds(a, b) or _holds(b, a)


def _holds(a: SpanRecord, b: SpanRecord) -> bool:
    if a.start_ns > b.start_ns + _CONTAINMENT_SLACK_NS:
        return False
    if a.end_ns is None:
        return True
    return b.end_ns is not None and b.end_ns <= a.end_ns + _CONTAINMENT_SLACK_NS


def _same_response(a: SpanRecord, b: SpanRecord) -> bool:
    """False only when both reports name their response and the ids differ."""
    id_a = response_id(a.attributes)
    return id_a is None or (id_b := response_id(b.attributes)) is None or id_a == id_b


def _same_call(a: SpanRecord, call_a: LlmCall, b: SpanRecord, call_b: LlmCall) -> bool:
    """Two reports, neither inside the other, of one request.

    Same model (requested or answering name, up to a date suffix), same prompt
    and completion tokens, cache and thinking figures that agree where both give
    them, one interval holding the other, no two different response ids, and
    written by two *different* instrumentation scopes, neither of them ours. One
    instrumentation writes one span per request, so two spans of the same scope
    are always two requests: two parallel identical calls stay two.
    """
    scope_a, scope_b = _scope_name(a), _scope_name(b)
    return (
        scope_a is not None
        and scope_b is not None
        and scope_a != scope_b
        and _OWN_SCOPE not in (scope_a, scope_b)
        and _same_figures(call_a, call_b)
        and _one_holds_the_other(a, b)
        and not _model_families(a, call_a).isdisjoint(_model_families(b, call_b))
        and _same_response(a, b)
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
    # Not by model: a proxy alias and the model answering for it are one model (``_same_call``).
    buckets: dict[tuple[int, int], list[int]] = {}
    for span_id, call in calls.items():
        key = (call.prompt_tokens, call.completion_tokens)
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
            counted[kept] = functools.reduce(_with_details, reports, calls[kept])
    return counted
