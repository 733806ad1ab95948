"""Comparing two runs named the way a notebook user names them: history number, name or handle."""

from __future__ import annotations

from ..analysis.compare import TraceComparison, compare_snapshots
from .history import HistoryLookupError, Ref, TraceHistory, session_history


def compare(
    a: Ref | None = None, b: Ref | None = None, *, history: TraceHistory | None = None
) -> TraceComparison:
    """Compare two runs: history numbers (``3``), positions (``-1``), names, handles or snapshots.

    ``compare()`` compares the last two finished blocks; ``compare("name")``
    the last two runs of the block called ``name``; ``compare(a, b)`` those two.
    """
    history = history if history is not None else session_history()
    if b is None:
        if a is None:
            entries = history.entries()
            if len(entries) < 2:
                raise HistoryLookupError(
                    f"compare() needs two finished blocks in the history; it holds {len(entries)}"
                )
            first, second = entries[-2], entries[-1]
        elif isinstance(a, str):
            runs = history.runs_of(a)
            if len(runs) < 2:
                found = "one run" if runs else "no run"
                raise HistoryLookupError(
                    f"the history holds {found} of {a!r}; run it again or name two blocks"
                )
            first, second = runs[-2], runs[-1]
        else:
            raise TypeError("compare(a) with one argument takes a block name; pass two runs to compare")
        return compare_snapshots(first.snapshot, second.snapshot, first.label, second.label)
    if a is None:
        raise TypeError("compare(None, b): pass the first run too")
    snapshot_a, label_a = history.resolve(a)
    snapshot_b, label_b = history.resolve(b)
    return compare_snapshots(snapshot_a, snapshot_b, label_a, label_b)
