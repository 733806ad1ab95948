"""The three lines a reader wants first: what the block waited on, what failed, which steps were slow.

* The critical path as one line: from the root to the step the block waited on
  longest, with that step's share of the block's wall time.
* Errors counted once, at their origin, with the spans they propagated through
  and the exception's stack: the user's own frames first, library frames folded.
* The slowest steps by their own time, each with where it ran.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

from ..analysis.critical_steps import critical_steps
from ..analysis.errors import SpanError, span_errors
from ..analysis.masking import Masker, configured_masker
from ..analysis.self_time import self_times
from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from ..model.span_graph import ancestors, first_spans_by_id
from .exception import ExceptionView, exception_view, masked_elided
from .table import Cell, Column, TableView, cells
from .text import DURATION_WIDTH, elided, format_duration, more_line, multi_line, one_line, plural
from .tone import Part

ERRORS_SHOWN = 5
SLOWEST_SHOWN = 5
NAME_LIMIT = 48  # characters of one span name inside a line that names several
MESSAGE_LIMIT = 300
CHAIN_SHOWN = 5  # names in the critical path line; longer chains keep the root and the last ones
PATH_SHOWN = 3  # ancestors named in "where" before eliding the rest


@dataclass(frozen=True)
class ErrorView:
    headline: tuple[Part, ...]  # "LookupError: no pizzeria known in Turin"
    where: tuple[Part, ...]  # "in best_pizzeria, propagated through trip_planner → trip_planner_demo"
    exception: ExceptionView | None  # the recorded exception with its frames


@dataclass(frozen=True)
class Insights:
    critical: tuple[Part, ...] | None
    errors_title: str | None  # "1 error", "3 errors"
    errors: tuple[ErrorView, ...]
    errors_more: str | None
    slowest: TableView | None


def _name(span: SpanRecord) -> str:
    return elided(one_line(span.name), NAME_LIMIT)


def _chain(spans: tuple[SpanRecord, ...] | list[SpanRecord], shown: int, joiner: str) -> str:
    names = [_name(span) for span in spans]
    if len(names) > shown:
        names = [names[0], "…", *names[-(shown - 2) :]]
    return joiner.join(names)


def _critical_line(snapshot: TraceSnapshot) -> tuple[Part, ...] | None:
    if len(snapshot.spans) < 2:
        return None
    path = critical_steps(snapshot)
    dominant = path.dominant
    if dominant is None or path.total_ns <= 0:
        return None
    share = path.share(dominant)
    steps = len(path.spans) - 1
    return (
        Part("Critical path: ", "strong"),
        Part(_chain(dominant.chain[:-1], CHAIN_SHOWN - 1, " → ") + " → "),
        Part(_name(dominant.span), "strong"),
        Part(
            f"  ({share:.0%} of {format_duration(path.total_ns / 1e9)}; {plural(steps, 'span')} on the path)",
            "muted",
        ),
    )


def _headline_text(text: str) -> str:
    return multi_line(text).replace("\n", " ⏎ ")


def _error_view(error: SpanError, masker: Masker) -> ErrorView:
    headline = masked_elided(error.summary, MESSAGE_LIMIT, masker, _headline_text)
    where = [Part("— raised in "), Part(_name(error.origin), "strong")]
    if error.through:
        where.append(Part(", propagated through " + _chain(error.through, CHAIN_SHOWN, " → "), "muted"))
    exception = exception_view(error.exception, masker) if error.exception is not None else None
    return ErrorView((Part(headline, "error"),), tuple(where), exception)


def _where(span: SpanRecord, by_id: dict[int, SpanRecord]) -> str:
    chain = ancestors(span, by_id)[::-1]
    if not chain:
        return "the block itself"
    if len(chain) > PATH_SHOWN:
        chain = [chain[0], *chain[-(PATH_SHOWN - 1) :]]
        return f"{_name(chain[0])} › … › " + " › ".join(_name(span) for span in chain[1:])
    return " › ".join(_name(span) for span in chain)


def _longest_first(item: tuple[int, int]) -> int:
    return -item[1]


def _longest(own: dict[int, int], count: int) -> list[tuple[int, int]]:
    """The ``count`` (span id, own time) items with the longest own time above 0, ties in ``own``'s
    order: ``sorted(...)[:count]``, with only the items that can make the cut sorted."""
    if len(own) <= count:
        return sorted((item for item in own.items() if item[1] > 0), key=_longest_first)
    cut = max(heapq.nlargest(count, own.values())[-1], 1)  # the shortest own time that can be shown
    candidates = itertools.compress(own.items(), map(cut.__le__, own.values()))  # own times are whole ns
    return sorted(candidates, key=_longest_first)[:count]


def _slowest(snapshot: TraceSnapshot) -> TableView | None:
    if len(snapshot.spans) < 2:
        return None
    own = self_times(snapshot)
    now = snapshot.end_ns or snapshot.taken_ns
    by_id = first_spans_by_id(snapshot)  # a repeated id keeps its earliest-started span, as in the tree
    # The top few only, ties in the order of ``own``, which lists the spans of ``by_id`` in the same
    # order: reading its items ranks the spans in that order without two look-ups per span.
    ranked = _longest(own, SLOWEST_SHOWN)
    rows = []
    for span in (by_id[span_id] for span_id, _ in ranked):
        end = span.end_ns if span.end_ns is not None else now
        label = _name(span) + (" (own work)" if span.span_id == snapshot.root_span_id else "")
        rows.append(
            cells(
                Cell(label, "error" if span.is_error else "plain"),
                format_duration(own[span.span_id] / 1e9),
                format_duration(max(end - span.start_ns, 0) / 1e9),
                Cell(_where(span, by_id), "muted"),
            )
        )
    if not rows:
        return None
    columns = (
        Column("Step"),
        Column("Self", numeric=True, min_width=DURATION_WIDTH),
        Column("Duration", numeric=True, min_width=DURATION_WIDTH),
        Column("Where"),
    )
    return TableView("Slowest steps (their own time, outside their children)", columns, tuple(rows))


def insights(snapshot: TraceSnapshot) -> Insights:
    errors = span_errors(snapshot)
    masker = configured_masker()
    shown = tuple(_error_view(error, masker) for error in errors[:ERRORS_SHOWN])
    hidden = len(errors) - len(shown)
    return Insights(
        critical=_critical_line(snapshot),
        errors_title=plural(len(errors), "error") if errors else None,
        errors=shown,
        errors_more=more_line(hidden, "error") if hidden > 0 else None,
        slowest=_slowest(snapshot),
    )
