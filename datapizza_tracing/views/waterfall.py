"""The span tree as a waterfall: one row per span, aligned columns, a bar on a time axis.

Rows come depth first, children by start time. Siblings of one name family
(``step 0`` … ``step 39``, or forty ``weather`` calls) fold into one group row
with their count and totals; the group opens on its most telling members (the
failed ones, those on the critical path, the slowest) rather than the first.
A parent row carries the totals of everything inside it (Σ tokens and cost, and
how many spans failed below), so a folded row still says where to look. Bars
are coloured by role; bars off the critical path are drawn faint, so what the
block waited on stands out without marking every row.

The whole tree stops at the tree limit with one line for the spans left out.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field

from .. import config
from ..analysis.critical_path import critical_path_ids
from ..analysis.critical_steps import critical_steps
from ..analysis.masking import configured_masker
from ..analysis.names import family_label, name_family
from ..analysis.roles import ROLES, span_role
from ..analysis.rollup import NO_ROLLUP, Rollup, call_costs, rollups
from ..analysis.self_time import self_times
from ..analysis.services import other_service, own_service
from ..analysis.tree import tree_children
from ..analysis.vocabulary import llm_call, span_kind
from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from ..model.span_graph import first_spans_by_id
from .panel import ROW_MESSAGE_LIMIT, error_message
from .span_details import DetailsBudget, SpanDetails, has_details, span_details
from .text import elided, format_cost, format_count, format_duration, more_line, one_line, plural, shown_name

COLUMNS = ("Duration", "Self", "Tokens in→out", "Cost")
FOLD_MIN = 3  # siblings of one family that fold into a group row
GROUP_SHOWN = 8  # members a group shows when opened; the rest are counted
OPEN_DEPTH = 2  # rows this shallow start open; deeper ones on the way to an error or the slowest step
AXIS_TICKS = 5
ROLE_LABELS = {"llm": "model call", "tool": "tool", "agent": "agent", "other": "other"}
# Characters of the full name a row's pointer text repeats (the row shows ``shown_name``): every row carries
# both, so a huge name (an id, a prompt used as a span name) must not make the output follow its length.
TITLE_LIMIT = 1_000


@dataclass(frozen=True)
class Bar:
    offset: float  # 0..1 of the block's duration
    width: float  # 0..1 - offset
    tone: str  # a role (llm, tool, agent, other), or error, running
    faint: bool  # off the critical path (when the path is not the whole block)
    title: str  # "starts at +1.2ms, runs 3.4ms"


@dataclass(frozen=True)
class WaterfallRow:
    depth: int
    label: str  # the span's name, or the family's for a group
    title: str  # what a pointer over the label shows: the full name, or a group's figures
    count: int  # spans this row stands for: 1, or a group's size
    badge: str | None  # the model of a model call, or the span's kind
    duration: str
    self_time: str
    tokens: str  # "27→9": a call's own, or the totals of the calls inside a parent or group (``sums``)
    cost: str
    sums: bool  # tokens and cost are the totals of what the row holds, not a call of its own
    tokens_title: str  # the breakdown a pointer shows: cached and thinking tokens, model
    error: str | None  # the span's own failure, one line
    errors_inside: int  # errors raised below this row (0 on a failed row: its own mark says it)
    running: bool
    critical: bool
    bar: Bar
    span: SpanRecord | None  # None for a group row
    service: str | None = None  # the service that made the span(s), when it is not the block's own


@dataclass(frozen=True)
class WaterfallNode:
    row: WaterfallRow
    children: tuple[WaterfallNode, ...]
    details: SpanDetails | None  # attributes, events, conversation of the span, on demand
    open: bool
    more: str | None  # what the children leave out ("… 32 more steps")


@dataclass(frozen=True)
class Tick:
    position: float  # 0..1
    label: str


@dataclass(frozen=True)
class Waterfall:
    columns: tuple[str, ...]
    root: WaterfallNode | None
    ticks: tuple[Tick, ...]
    legend: tuple[tuple[str, str], ...]  # (tone, label) of the bar colours present
    faint_off_path: bool  # whether some bars are drawn faint (the legend says what that means)
    shown: int  # spans among the rows (group members included)
    hidden: int  # spans missing from the rows (limited + dropped), bar a group's own left-out members
    more: str | None  # "… 21 more spans"
    hint: str | None  # why they are missing: the tree limit, the span cap, or both
    limited: int = 0  # spans the tree limit leaves out: a higher DATAPIZZA_TRACING_TREE_LIMIT shows them
    dropped: int = 0  # spans dropped over the block's span cap: counted, never kept, no tree shows them


@dataclass
class _Draft:
    """A node while the tree is being built; frozen into a ``WaterfallNode`` once its children are known."""

    row: WaterfallRow
    details: SpanDetails | None
    open: bool
    children: list[_Draft] = field(default_factory=list)
    more: str | None = None


def nice_ticks(total_ns: int, count: int = AXIS_TICKS) -> tuple[Tick, ...]:
    """Ticks at round times (1, 2 or 5 × a power of ten) from 0 across the block."""
    if total_ns <= 0:
        return (Tick(0.0, format_duration(0)),)
    raw = total_ns / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    ticks = []
    at = 0
    # A tick closer to the end than half a step has no room for its label.
    while at < total_ns and (at == 0 or total_ns - at >= step / 2):
        ticks.append(Tick(at / total_ns, format_duration(at / 1e9) if at else "0"))
        at += step
    return tuple(ticks)


class _Builder:
    def __init__(self, snapshot: TraceSnapshot, limit: int) -> None:
        self.snapshot = snapshot
        self.now = snapshot.end_ns or snapshot.taken_ns
        self.total = max(self.now - snapshot.start_ns, 1)
        self.limit = limit
        self.critical = critical_path_ids(snapshot) if len(snapshot.spans) > 1 else frozenset()
        # Faint bars mean something only when the path leaves some spans out.
        self.faint = bool(self.critical) and len(self.critical) < len(first_spans_by_id(snapshot))
        # Open on the way to the step the block waited on longest, as on the way to every error.
        dominant = critical_steps(snapshot).dominant if self.critical else None
        self.unfold = {span.span_id for span in dominant.chain[:-1]} if dominant is not None else set()
        self.self_ns = self_times(snapshot)
        self.rollups = rollups(snapshot)
        self.costs = call_costs(snapshot)
        self.masker = configured_masker()  # the one rule every text of the render follows
        self.budget = DetailsBudget()
        self.shown = 0
        self.folded = 0  # spans inside group members a group leaves out
        self.cut = False  # whether the tree limit stopped the tree before its last row
        self.tones: set[str] = set()
        self.own_service = own_service(snapshot)
        self.services: dict[int, str | None] = {}  # id of a resource -> its service as a row shows it

    # -- rows -------------------------------------------------------------------
    def _bar(self, start_ns: int, end_ns: int, tone: str, critical: bool) -> Bar:
        offset = min(max((start_ns - self.snapshot.start_ns) / self.total, 0.0), 1.0)
        width = min(max((end_ns - start_ns) / self.total, 0.0), 1.0 - offset)
        title = (
            f"starts at +{format_duration(max(start_ns - self.snapshot.start_ns, 0) / 1e9)}, "
            f"runs {format_duration(max(end_ns - start_ns, 0) / 1e9)}"
        )
        self.tones.add(tone)
        return Bar(offset, width, tone, self.faint and not critical, title)

    @staticmethod
    def _sum_texts(rollup: Rollup) -> tuple[str, str]:
        usage = rollup.usage
        if not usage.calls:
            return "", ""
        tokens = f"{format_count(usage.prompt_tokens)}→{format_count(usage.completion_tokens)}"
        if rollup.unpriced_calls and not rollup.cost_usd:
            cost = "—"
        else:
            cost = ("≥ " if rollup.unpriced_calls else "") + format_cost(rollup.cost_usd)
        return tokens, cost

    @staticmethod
    def _tokens_title(rollup: Rollup, model: str | None) -> str:
        usage = rollup.usage
        if not usage.calls:
            return ""
        head = f"{shown_name(model)}: " if model else f"{plural(usage.calls, 'model call')}: "
        prompt = f"{format_count(usage.prompt_tokens)} prompt ({format_count(usage.cached_tokens)} cached)"
        completion = (
            f"{format_count(usage.completion_tokens)} completion "
            f"({format_count(usage.thinking_tokens)} thinking)"
        )
        return f"{head}{prompt} → {completion}"

    def span_row(self, node: _Node, depth: int) -> WaterfallRow:
        span = node.span
        running = span.end_ns is None
        end = span.end_ns if span.end_ns is not None else self.now
        call = llm_call(span.attributes)
        role = span_role(span)
        tone = "error" if span.is_error else "running" if running else role
        rollup = self.rollups.get(span.span_id) or NO_ROLLUP
        own_call = span.span_id in self.costs
        tokens, cost = self._sum_texts(rollup)
        kind = span_kind(span.attributes)
        badge = call.model if call is not None else kind
        if badge and badge in span.name:  # "gpt-4o-mini invoke" already names its model
            badge = None
        duration = format_duration(max(end - span.start_ns, 0) / 1e9)
        critical = span.span_id in self.critical
        return WaterfallRow(
            depth=depth,
            label=shown_name(span.name),
            title=elided(one_line(span.name), TITLE_LIMIT),
            count=1,
            badge=shown_name(badge) if badge else None,
            duration=f"{duration}…" if running else duration,
            self_time=format_duration(self.self_ns.get(span.span_id, 0) / 1e9) if node.children else "",
            tokens=tokens,
            cost=cost,
            sums=bool(tokens) and not own_call,
            tokens_title=self._tokens_title(rollup, call.model if call is not None else None),
            error=error_message(span, ROW_MESSAGE_LIMIT, self.masker) if span.is_error else None,
            # A failed row is marked as such; only a row that did not fail counts the errors below it.
            errors_inside=0 if span.is_error else rollup.errors,
            running=running,
            critical=critical,
            bar=self._bar(span.start_ns, end, tone, critical),
            span=span,
            service=self._service(span),
        )

    def group_row(self, members: list[_Node], depth: int) -> WaterfallRow:
        spans = [member.span for member in members]
        now = self.now
        ends = [span.end_ns if span.end_ns is not None else now for span in spans]
        start = min(span.start_ns for span in spans)
        end = max(ends)
        # A span that ends before it starts (a skewed clock) lasts 0, as on its own row and in the time table.
        durations = [max(end_ns - span.start_ns, 0) for span, end_ns in zip(spans, ends, strict=True)]
        combined = self.rollups.total(span.span_id for span in spans)
        tokens, cost = self._sum_texts(combined)
        # A family is one role in practice: the first member's, unless a failure colours the bar.
        tone = "error" if combined.errors else span_role(spans[0])
        critical = any(s.span_id in self.critical for s in spans)
        mean = sum(durations) / len(durations)
        # The Self column: a member's own time, which for a member with children is not its duration.
        mean_self = sum(self.self_ns.get(span.span_id, 0) for span in spans) / len(spans)
        parents = any(member.has_children for member in members)
        return WaterfallRow(
            depth=depth,
            label=shown_name(family_label([span.name for span in spans])),
            title=(
                f"{len(spans):,} spans · total {format_duration(sum(durations) / 1e9)} · "
                f"mean {format_duration(mean / 1e9)} · max {format_duration(max(durations) / 1e9)}"
                + (f" · own time mean {format_duration(mean_self / 1e9)}" if parents else "")
                + (f" · {plural(combined.errors, 'error')}" if combined.errors else "")
            ),
            count=len(spans),
            badge=f"×{len(spans):,}",
            duration=format_duration(sum(durations) / 1e9),
            self_time=f"⌀ {format_duration(mean_self / 1e9)}",
            tokens=tokens,
            cost=cost,
            sums=bool(tokens),
            tokens_title=self._tokens_title(combined, None),
            error=None,
            errors_inside=combined.errors,
            running=any(s.end_ns is None for s in spans),
            critical=critical,
            bar=self._bar(start, end, tone, critical),
            span=None,
            service=self._group_service(spans),
        )

    def _service(self, span: SpanRecord) -> str | None:
        # A service is its resource's: spans of one provider share one resource, read once.
        key = id(span.resource)
        found = self.services.get(key, _UNSEEN)
        if found is _UNSEEN:
            service = other_service(span, self.own_service)
            found = self.services[key] = shown_name(service) if service is not None else None
        return found

    def _group_service(self, spans: list[SpanRecord]) -> str | None:
        one_per_resource = {id(span.resource): span for span in spans}
        services = {self._service(span) for span in one_per_resource.values()}
        return services.pop() if len(services) == 1 else None

    def details(self, span: SpanRecord) -> SpanDetails | None:
        return span_details(span, self.masker, self.budget) if has_details(span) else None

    # -- structure ----------------------------------------------------------------
    def children_items(self, node: _Node) -> list[_Node | list[_Node]]:
        """A node's children in start order, with large families folded into lists."""
        families: dict[str, list[_Node]] = {}
        for child in node.children:
            families.setdefault(name_family(child.span.name), []).append(child)
        items: list[_Node | list[_Node]] = []
        placed: set[str] = set()
        for child in node.children:
            family = name_family(child.span.name)
            members = families[family]
            if len(members) < FOLD_MIN:
                items.append(child)
            elif family not in placed:
                placed.add(family)
                items.append(members)
        return items

    def telling_members(self, members: list[_Node]) -> list[_Node]:
        """The members a group shows: failed, on the critical path, then the slowest; in start order."""

        def rank(member: _Node) -> tuple[int, int, int]:
            span = member.span
            errors = self.rollups.errors(span.span_id)
            if errors is None:
                errors = int(span.is_error)
            end = span.end_ns if span.end_ns is not None else self.now
            return (-errors, 0 if span.span_id in self.critical else 1, span.start_ns - end)

        chosen = sorted(members, key=rank)[:GROUP_SHOWN]
        return sorted(chosen, key=lambda member: member.span.start_ns)

    def build(self, tree: _Node) -> _Draft | None:
        if self.limit <= 0:
            return None
        root = self._span_draft(tree, 0)
        # (item, depth, parent draft), popped in display order.
        stack: list[tuple[_Node | list[_Node], int, _Draft, _Node | None]] = []
        self._push_children(stack, tree, 1, root)
        visited = {tree.span.span_id}
        while stack and self.shown < self.limit:
            item, depth, parent, _ = stack.pop()
            if isinstance(item, list):
                group = _Draft(self.group_row(item, depth), None, open=False)
                parent.children.append(group)
                members = self.telling_members(item)
                shown = set(map(id, members))  # by identity: comparing nodes would compare their subtrees
                left_out = [member for member in item if id(member) not in shown]
                if left_out:
                    spans = sum(_subtree_size(member) for member in left_out)
                    self.folded += spans
                    group.more = f"… {len(left_out):,} more in this group" + (
                        f" ({plural(spans, 'span')})" if spans != len(left_out) else ""
                    )
                group.open = any(m.span.is_error or self.rollups.errors(m.span.span_id) for m in item)
                stack.extend((member, depth + 1, group, None) for member in reversed(members))
                continue
            if item.span.span_id in visited:  # the same span twice (a parent cycle): once is enough
                continue
            visited.add(item.span.span_id)
            draft = self._span_draft(item, depth)
            parent.children.append(draft)
            self._push_children(stack, item, depth + 1, draft)
        self.cut = bool(stack)
        return root

    def _span_draft(self, node: _Node, depth: int) -> _Draft:
        self.shown += 1
        row = self.span_row(node, depth)
        # A row with children opens near the top, on the way to every error and to the slowest step, so
        # those show without a click; a leaf opens only on demand (its details).
        span_id = node.span.span_id
        is_open = bool(node.children) and (
            depth < OPEN_DEPTH
            or span_id in self.unfold
            or (self.rollups.get(span_id) or NO_ROLLUP).errors > 0
        )
        return _Draft(row, self.details(node.span), is_open)

    def _push_children(self, stack: list, node: _Node, depth: int, draft: _Draft) -> None:
        items = self.children_items(node)
        stack.extend((item, depth, draft, node) for item in reversed(items))


_UNSEEN = object()


class _Node:
    """A span of the tree whose child nodes are made when first read: a waterfall shows a few
    hundred rows, so most of a large trace's spans never need one."""

    __slots__ = ("_children", "_index", "span")

    def __init__(self, span: SpanRecord, index: dict[int, list[SpanRecord]]) -> None:
        self.span = span
        self._index = index  # analysis.tree.tree_children
        self._children: list[_Node] | None = None

    @property
    def has_children(self) -> bool:
        return self.span.span_id in self._index  # without making the child nodes

    @property
    def children(self) -> list[_Node]:
        if self._children is None:
            self._children = [_Node(child, self._index) for child in self._index.get(self.span.span_id, ())]
        return self._children


def _subtree_size(node: _Node) -> int:
    # The tree holds each span once (one per id, parent cycles cut): no span to count twice. Only the
    # children that have children of their own are walked into; leaves are counted by their list's length.
    index = node._index
    size = 1
    stack = [node.span.span_id]
    while stack:
        children = index.get(stack.pop())
        if children:
            size += len(children)
            stack.extend(filter(index.__contains__, map(_ID, children)))
    return size


_ID = operator.attrgetter("span_id")


def _freeze(draft: _Draft) -> WaterfallNode:
    # Iterative, children before parents: deep traces must not hit the recursion limit.
    order: list[_Draft] = []
    stack = [draft]
    while stack:
        current = stack.pop()
        order.append(current)
        stack.extend(current.children)
    frozen: dict[int, WaterfallNode] = {}
    for current in reversed(order):
        frozen[id(current)] = WaterfallNode(
            current.row,
            tuple(frozen[id(child)] for child in current.children),
            current.details,
            current.open,
            current.more,
        )
    return frozen[id(draft)]


def waterfall(snapshot: TraceSnapshot, limit: int | None = None) -> Waterfall:
    """The block's spans as rows, at most ``limit`` of them (default ``DATAPIZZA_TRACING_TREE_LIMIT``)."""
    limit = limit if limit is not None else config.tree_limit()
    now = snapshot.end_ns or snapshot.taken_ns
    ticks = nice_ticks(max(now - snapshot.start_ns, 0))
    root_span = first_spans_by_id(snapshot).get(snapshot.root_span_id)
    tree = _Node(root_span, tree_children(snapshot)) if root_span is not None else None
    builder = _Builder(snapshot, limit)
    draft = builder.build(tree) if tree is not None else None
    root = _freeze(draft) if draft is not None else None
    # Two kinds of spans are missing from the rows, told apart: those the tree limit leaves out (a higher
    # limit shows them) and those dropped over the block's span cap (never kept: no limit shows them).
    # Spans a group leaves out are counted on the group's own line, not again here.
    kept = len(first_spans_by_id(snapshot))
    limited = max(kept - builder.shown - builder.folded, 0) if root is not None and builder.cut else 0
    dropped = snapshot.dropped_spans if root is not None else 0
    legend = tuple((tone, ROLE_LABELS[tone]) for tone in ROLES if tone in builder.tones)
    legend += tuple((tone, tone) for tone in ("error", "running") if tone in builder.tones)
    more, hint = _missing(limited, dropped, builder.shown, kept)
    return Waterfall(
        COLUMNS,
        root,
        ticks,
        legend,
        builder.faint,
        builder.shown,
        limited + dropped,
        more,
        hint,
        limited=limited,
        dropped=dropped,
    )


def _missing(limited: int, dropped: int, shown: int, kept: int) -> tuple[str | None, str | None]:
    """The line for the spans the rows leave out, and what it says of them: the tree limit's hint only when
    the limit hides some, the span cap's words (as the summary says them) for the dropped ones."""
    if not limited and not dropped:
        return None, None
    more = more_line(limited + dropped)
    raise_limit = f"set {config.TREE_LIMIT_ENV} to show more"
    cap = f"{format_count(dropped)} dropped over the span cap"
    if not dropped:
        return more, f"the tree shows {shown:,} of them; {raise_limit}"
    if not limited:
        return more, "dropped over the span cap"
    return more, f"{cap}; the tree shows {shown:,} of the {kept:,} kept, {raise_limit}"
