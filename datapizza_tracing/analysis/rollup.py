"""What each span holds inside it: the tokens, cost and errors of its whole subtree.

A folded parent row still says what is under it ("Σ 1,204 tokens, $0.03, 1
error"), so a reader knows where to open. Only the calls the token table
counts are added up (``counting.counted_calls``), so a subtree never shows more
than the block did.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ..model.snapshot import TraceSnapshot
from .cost import ModelPrice, display_price_table, price_of
from .counting import snapshot_calls
from .errors import span_errors
from .summary import TokenUsage
from .tree import tree_children, tree_parents
from .vocabulary import LlmCall


@dataclass(frozen=True)
class Rollup:
    usage: TokenUsage  # counted calls in the subtree, the span itself included
    cost_usd: float  # of the calls with a known price
    unpriced_calls: int  # calls whose model has no price: the cost is a lower bound
    errors: int  # errors raised in the subtree (counted where raised), the span itself included


def call_cost(call: LlmCall, table: Mapping[str, ModelPrice]) -> float | None:
    """One call's cost in USD, or ``None`` when its model has no price."""
    price = price_of(call.model, table)
    return price.cost(call) if price is not None else None


def call_costs(snapshot: TraceSnapshot) -> dict[int, float | None]:
    """Span id → cost of the model call it reports (counted calls only)."""
    return snapshot.derived("call_costs", lambda: _call_costs(snapshot))


def _call_costs(snapshot: TraceSnapshot) -> dict[int, float | None]:
    table, _ = display_price_table()
    prices: dict[str, ModelPrice | None] = {}  # a trace names few models: look each up once
    # Calls of one model with the same figures cost the same: a loop's calls often repeat them, and
    # a look-up of the call is cheaper than working its cost out again.
    known: dict[LlmCall, float | None] = {}
    costs: dict[int, float | None] = {}
    for span_id, call in snapshot_calls(snapshot).items():
        cost = known.get(call, _UNKNOWN)
        if cost is _UNKNOWN:
            model = call.model
            price = prices[model] if model in prices else prices.setdefault(model, price_of(model, table))
            cost = known[call] = price.cost(call) if price is not None else None
        costs[span_id] = cost
    return costs


_UNKNOWN = object()


NO_ROLLUP = Rollup(TokenUsage(), 0.0, 0, 0)


class Rollups(Mapping[int, Rollup]):
    """Span id → ``Rollup``, made from the plain totals on first read.

    A view reads the totals of the rows it shows, a few hundred at most, while
    every span with a call or a failure inside has totals: making a ``Rollup``
    only when read spares one ``Rollup`` and one ``TokenUsage`` per span.
    """

    __slots__ = ("_made", "_totals")

    def __init__(self, totals: dict[int, tuple]) -> None:
        # span id -> (*token_figures, cost, unpriced, errors): tuples of plain numbers, which the
        # garbage collector stops tracking once it has seen them (lists it would walk at every pass).
        self._totals = totals
        self._made: dict[int, Rollup] = {}

    def __getitem__(self, span_id: int) -> Rollup:
        made = self._made.get(span_id)
        if made is None:
            entry = self._totals[span_id]
            made = self._made[span_id] = Rollup(TokenUsage(*entry[:6]), *entry[6:])
        return made

    def __iter__(self) -> Iterator[int]:
        return iter(self._totals)

    def __len__(self) -> int:
        return len(self._totals)

    def __contains__(self, span_id: object) -> bool:
        return span_id in self._totals

    def errors(self, span_id: int) -> int | None:
        """The errors in ``span_id``'s subtree (``None``: it has no totals), without making its ``Rollup``."""
        entry = self._totals.get(span_id)
        return entry[_ERRORS] if entry is not None else None

    def total(self, span_ids: Iterable[int]) -> Rollup:
        """The totals of several spans (a folded group) added up in their order, as plain numbers."""
        entries = [entry for entry in map(self._totals.get, span_ids) if entry is not None]
        if not entries:
            return Rollup(TokenUsage(), 0.0, 0, 0)
        sums = _column_sums(entries)
        return Rollup(TokenUsage(*sums[:6]), *sums[6:])


def rollups(snapshot: TraceSnapshot) -> Rollups:
    """Span id → totals of its subtree, for the spans with a model call or a failure inside.

    Every other span's totals are ``NO_ROLLUP``: ``rollups(s).get(span_id, NO_ROLLUP)``.
    """
    return snapshot.derived("rollups", lambda: _rollups(snapshot))


def _rollups(snapshot: TraceSnapshot) -> Rollups:
    calls = snapshot_calls(snapshot)
    costs = call_costs(snapshot)  # made from ``calls`` in their order: the two zip
    parents = tree_parents(snapshot)  # as the tree shows them: orphans under the root, cycles cut
    # An exception counts once, where it was raised (see errors.span_errors), not in every span it failed.
    failed = {error.origin.span_id for error in span_errors(snapshot)}
    # Only spans with a call or a failure, and their ancestors, have totals. Each span's own figures
    # first, as a tuple of plain numbers (a TokenUsage per addition would be one object per span and
    # ancestor):
    # span id -> (prompt, completion, cached, thinking, calls, cache write, cost, unpriced, errors)
    # (``token_figures`` order, read straight off the LlmCall tuple: one tuple per call, no call made).
    totals: dict[int, tuple] = {
        span_id: (
            prompt,
            completion,
            cached,
            thinking,
            1,
            cache_write,
            price or 0.0,
            1 if price is None else 0,
            1 if span_id in failed else 0,
        )
        for (span_id, (_, prompt, completion, cached, thinking, cache_write, _)), price in zip(
            calls.items(), costs.values(), strict=True
        )
    }
    for span_id in failed:
        if span_id not in totals and span_id in parents:  # a failure without a call of its own
            totals[span_id] = (*_NO_TOKENS, 0.0, 0, 1)
    # Then each span's totals into its parent's, children before parents: the reverse of a depth-first
    # walk from the root, which every span hangs under. Only spans with children take part: a leaf's
    # totals are its own. Walking the tree's child lists touches far fewer entries of the big per-span
    # dicts than sorting spans by depth did (a random look-up into a 100,000-entry dict is a cache
    # miss). A root missing from the spans (a partial file) gets no totals.
    children = tree_children(snapshot)
    root_id = snapshot.root_span_id
    parents_first = []
    stack = [root_id] if root_id in children else []
    while stack:
        node = stack.pop()
        parents_first.append(node)
        stack.extend([kid for kid in map(_ID, children[node]) if kid in children])
    # Costs are floats, so the order of additions shows in the last digit. Children are added in the
    # order the sums have always used, not in this walk's: each child at the first place in ``rank`` of
    # a span in its subtree (the set's order, as the depth sort it replaces met them).
    rank = dict(zip(calls.keys() | failed, itertools.count()))
    unranked = len(rank)
    # From here ``first`` is each span's first place in ``rank`` in its subtree: a span's own place
    # is read before its children's are added, so one dict serves as both.
    first = rank
    for node in reversed(parents_first):
        kids = [(first[kid], totals[kid]) for kid in map(_ID, children[node]) if kid in totals]
        if not kids:
            continue
        if node == root_id:
            if root_id in parents:
                totals[root_id] = _add_up(totals.get(root_id), 0, kids)[0]
            continue
        entry = totals.get(node)
        entry, first[node] = _add_up(entry, first[node] if entry is not None else unranked, kids)
        totals[node] = entry  # new for an ancestor without figures of its own
    return Rollups(totals)


_NO_TOKENS = (0, 0, 0, 0, 0, 0)
_FIRST = operator.itemgetter(0)
_ID = operator.attrgetter("span_id")
_COST, _ERRORS = 6, 8  # the cost's and the errors' places in a totals tuple


def _add_up(entry: tuple | None, first: int, kids: list[tuple[int, tuple]]) -> tuple[tuple, int]:
    """A span's own totals (``None``: none) plus its children's (rank, totals) in rank order, and the
    first rank in its subtree."""
    kids.sort(key=_FIRST)
    first = min(first, kids[0][0])
    rows = [figures for _, figures in kids]
    if entry is not None:
        rows.insert(0, entry)
    elif len(rows) == 1:
        return rows[0], first  # totals are tuples: shared, never changed
    return tuple(_column_sums(rows)), first


def _column_sums(rows: list[tuple]) -> list:
    """Totals tuples added up column by column: whole numbers add up the same in any order and ``sum``
    does it in C, while the cost is added left to right from 0.0 as it always was (``sum`` of floats
    is compensated from Python 3.12). A cost is never -0.0 (``price or 0.0``), so 0.0 + x is x."""
    columns = list(zip(*rows, strict=True))
    sums = list(map(sum, columns))
    sums[_COST] = functools.reduce(operator.add, columns[_COST], 0.0)
    return sums
