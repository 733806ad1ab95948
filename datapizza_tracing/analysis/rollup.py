"""What each span holds inside it: the tokens, cost and errors of its whole subtree.

A folded parent row still says what is under it ("Σ 1,204 tokens, $0.03, 1
error"), so a reader knows where to open. Only the calls the token table
counts are added up (``summary.counted_calls``), so a subtree never shows more
than the block did.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ..model.snapshot import TraceSnapshot
from .cost import ModelPrice, display_price_table, price_of
from .errors import span_errors
from .summary import TokenUsage, snapshot_calls, token_figures
from .tree import tree_parents
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
    costs: dict[int, float | None] = {}
    for span_id, call in snapshot_calls(snapshot).items():
        model = call.model
        price = prices[model] if model in prices else prices.setdefault(model, price_of(model, table))
        costs[span_id] = price.cost(call) if price is not None else None
    return costs


NO_ROLLUP = Rollup(TokenUsage(), 0.0, 0, 0)


class Rollups(Mapping[int, Rollup]):
    """Span id → ``Rollup``, made from the plain totals on first read.

    A view reads the totals of the rows it shows, a few hundred at most, while
    every span with a call or a failure inside has totals: making a ``Rollup``
    only when read spares one ``Rollup`` and one ``TokenUsage`` per span.
    """

    __slots__ = ("_made", "_totals")

    def __init__(self, totals: dict[int, list]) -> None:
        self._totals = totals  # span id -> [*token_figures, cost, unpriced, errors]
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

    def total(self, span_ids: Iterable[int]) -> Rollup:
        """The totals of several spans (a folded group) added up in their order, as plain numbers."""
        sums = [0, 0, 0, 0, 0, 0, 0.0, 0, 0]
        for span_id in span_ids:
            entry = self._totals.get(span_id)
            if entry is not None:
                sums[:] = map(operator.add, sums, entry)
        return Rollup(TokenUsage(*sums[:6]), *sums[6:])


def rollups(snapshot: TraceSnapshot) -> Rollups:
    """Span id → totals of its subtree, for the spans with a model call or a failure inside.

    Every other span's totals are ``NO_ROLLUP``: ``rollups(s).get(span_id, NO_ROLLUP)``.
    """
    return snapshot.derived("rollups", lambda: _rollups(snapshot))


def _rollups(snapshot: TraceSnapshot) -> Rollups:
    calls = snapshot_calls(snapshot)
    costs = call_costs(snapshot)
    parents = tree_parents(snapshot)  # as the tree shows them: orphans under the root, cycles cut
    # An exception counts once, where it was raised (see errors.span_errors), not in every span it failed.
    failed = {error.origin.span_id for error in span_errors(snapshot)}
    # Only spans with a call or a failure, and their ancestors, have totals. Each span's own figures
    # first, as plain numbers (a TokenUsage per addition would be one object per span and ancestor):
    # span id -> [prompt, completion, cached, thinking, calls, cache write, cost, unpriced, errors].
    totals: dict[int, list] = {}
    depth = {0: -1}  # of every span with totals and every ancestor of one; 0 stands above the root
    for span_id in calls.keys() | failed:
        parent = parents.get(span_id)
        if parent is None:  # a later copy of a repeated span id
            continue
        call = calls.get(span_id)
        if call is not None:
            price = costs.get(span_id)
            unpriced, error = 1 if price is None else 0, 1 if span_id in failed else 0
            totals[span_id] = [*token_figures(call), price or 0.0, unpriced, error]
        else:
            totals[span_id] = [*_NO_TOKENS, 0.0, 0, 1]  # a failure without a call of its own
        if span_id in depth:  # met already, as an ancestor of an earlier span
            continue
        if parent in depth:  # most spans: the parent is known, no walk
            depth[span_id] = depth[parent] + 1
            continue
        path = []
        node = span_id
        while node not in depth:
            path.append(node)
            node = parents.get(node, 0)  # a root missing from the spans (a partial file) has no parent
        for steps, visited in enumerate(reversed(path), 1):
            depth[visited] = depth[node] + steps
    # Then deepest first, each span's totals into its parent's: one addition per span.
    for node in sorted(depth, key=depth.__getitem__, reverse=True):
        entry = totals.get(node)
        parent = parents.get(node, 0)
        if entry is None or parent not in parents:  # the root, or a span under a root that is missing
            continue
        above = totals.get(parent)
        if above is None:
            totals[parent] = entry.copy()
        else:
            above[:] = map(operator.add, above, entry)
    return Rollups(totals)


_NO_TOKENS = (0, 0, 0, 0, 0, 0)
