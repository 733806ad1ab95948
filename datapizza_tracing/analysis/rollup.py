"""What each span holds inside it: the tokens, cost and errors of its whole subtree.

A folded parent row still says what is under it ("Σ 1,204 tokens, $0.03, 1
error"), so a reader knows where to open. Only the calls the token table
counts are added up (``summary.counted_calls``), so a subtree never shows more
than the block did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..model.snapshot import TraceSnapshot
from .cost import ModelPrice, display_price_table, price_of
from .errors import span_errors
from .summary import TokenUsage, counted_calls
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
    return price.cost(TokenUsage.of(call)) if price is not None else None


def call_costs(snapshot: TraceSnapshot) -> dict[int, float | None]:
    """Span id → cost of the model call it reports (counted calls only)."""
    return snapshot.derived("call_costs", lambda: _call_costs(snapshot))


def _call_costs(snapshot: TraceSnapshot) -> dict[int, float | None]:
    table, _ = display_price_table()
    return {span_id: call_cost(call, table) for span_id, call in counted_calls(snapshot.spans).items()}


NO_ROLLUP = Rollup(TokenUsage(), 0.0, 0, 0)


def rollups(snapshot: TraceSnapshot) -> dict[int, Rollup]:
    """Span id → totals of its subtree, for the spans with a model call or a failure inside.

    Every other span's totals are ``NO_ROLLUP``: ``rollups(s).get(span_id, NO_ROLLUP)``.
    """
    return snapshot.derived("rollups", lambda: _rollups(snapshot))


def _rollups(snapshot: TraceSnapshot) -> dict[int, Rollup]:
    calls = counted_calls(snapshot.spans)
    costs = call_costs(snapshot)
    parent_of: dict[int, int] = {}
    for span in snapshot.spans:
        parent_of.setdefault(span.span_id, span.parent_id)  # a repeated id keeps its first record
    root = snapshot.root_span_id
    # An exception counts once, where it was raised (see errors.span_errors), not in every span it failed.
    failed = {error.origin.span_id for error in span_errors(snapshot)}
    # Only spans with a call or a failure contribute; each adds itself to every ancestor. A
    # trace has few of them and shallow trees, so this beats a pass over every span.
    totals: dict[int, list] = {}  # span id -> [usage, cost, unpriced, errors]
    for span_id in calls.keys() | failed:
        call = calls.get(span_id)
        price = costs.get(span_id)
        usage = TokenUsage.of(call) if call is not None else None
        unpriced = 1 if call is not None and price is None else 0
        error = 1 if span_id in failed else 0
        node, seen = span_id, set()
        while node in parent_of and node not in seen:
            seen.add(node)
            entry = totals.get(node)
            if entry is None:
                entry = totals[node] = [TokenUsage(), 0.0, 0, 0]
            if usage is not None:
                entry[0] = entry[0] + usage
            entry[1] += price or 0.0
            entry[2] += unpriced
            entry[3] += error
            parent = parent_of[node]
            # Orphans (their parent dropped or unseen) hang under the root, as in the tree.
            node = parent if parent in parent_of else (root if node != root else 0)
    return {span_id: Rollup(*values) for span_id, values in totals.items()}
