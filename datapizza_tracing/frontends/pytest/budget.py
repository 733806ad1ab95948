"""``@pytest.mark.trace_budget(...)``: what a test's trace may use, and what to say when it uses more.

Every figure is read the way the summary panel reads it (``counted_calls`` for
the LLM calls, ``cost_breakdown`` for the cost), so a budget message and the
trace report printed next to it show the same numbers.
"""

from __future__ import annotations

import difflib
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...analysis.cost import cost_breakdown
from ...analysis.counting import counted_calls
from ...analysis.critical_path import critical_path
from ...analysis.summary import TokenUsage, summarize
from ...analysis.vocabulary import LlmCall
from ...model.record import SpanRecord
from ...model.snapshot import TraceSnapshot
from ...views.text import one_line
from .names import MARKER

BUDGETS: Mapping[str, str] = {
    "prompt_tokens": "prompt tokens (cached ones included)",
    "completion_tokens": "completion tokens (thinking ones included)",
    "total_tokens": "prompt + completion tokens",
    "cost_usd": "cost in US dollars, from the summary's price table",
    "llm_calls": "LLM calls, each real call counted once",
    "duration_s": "wall time of the test function in seconds",
}
TOP_CONTRIBUTORS = 3


class BudgetError(ValueError):
    """A ``trace_budget`` marker that cannot be used (unknown name, bad value)."""


def budget_from_marks(marks: Iterable[Any]) -> dict[str, float]:
    """The limits of a test's ``trace_budget`` marks, closest mark first: its limits win."""
    limits: dict[str, float] = {}
    for mark in marks:
        if mark.args:
            raise BudgetError(
                f"{MARKER} takes keyword arguments only, e.g. {MARKER}(prompt_tokens=5000); "
                f"got {', '.join(map(repr, mark.args))}"
            )
        for name, value in mark.kwargs.items():
            if name not in BUDGETS:
                close = difflib.get_close_matches(name, BUDGETS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise BudgetError(
                    f"{MARKER}: unknown budget {name!r}{hint}; the budgets are {', '.join(BUDGETS)}"
                )
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (isinstance(value, float) and math.isnan(value))  # an int past a float's range is valid
                or value < 0
            ):
                raise BudgetError(f"{MARKER}: {name} must be a number >= 0, not {value!r}")
            limits.setdefault(name, value)
    if not limits:
        raise BudgetError(f"{MARKER} needs at least one limit: {', '.join(BUDGETS)}")
    return limits


@dataclass(frozen=True)
class Overrun:
    """One limit the trace went over, or could not be checked against (``unchecked``)."""

    budget: str
    limit: float
    measured: float
    contributors: tuple[str, ...] = ()
    note: str | None = None
    unchecked: bool = False

    def lines(self) -> list[str]:
        if self.unchecked:
            head = f"{self.budget}: cannot be checked against the limit {_format(self.budget, self.limit)}"
        else:
            measured, limit = _format(self.budget, self.measured), _format(self.budget, self.limit)
            head = f"{self.budget}: {measured} > limit {limit}"
        lines = [head]
        if self.note:
            lines.append(f"  {self.note}")
        if self.contributors:
            lines.append("  biggest contributors:")
            lines.extend(f"    {line}" for line in self.contributors)
        return lines


def overrun_message(overruns: Iterable[Overrun]) -> str:
    lines = ["trace_budget exceeded"]
    for overrun in overruns:
        lines.extend(f"  {line}" for line in overrun.lines())
    return "\n".join(lines)


def check_budget(snapshot: TraceSnapshot, limits: Mapping[str, float]) -> list[Overrun]:
    """The limits ``snapshot`` goes over, in the order the budgets are listed in ``BUDGETS``."""
    trace = _MeasuredTrace(snapshot)
    return [
        overrun
        for name in BUDGETS
        if name in limits and (overrun := trace.check(name, limits[name])) is not None
    ]


def _dollars(value: float) -> str:
    # Six decimals, as the summary's cost column shows a cheap call; tiny limits keep their digits.
    return f"${value:.6f}" if value == 0 or value >= 0.000_001 else f"${value:.2e}"


def _format(budget: str, value: float) -> str:
    if isinstance(value, int) and abs(value) > sys.float_info.max:  # 10**400: no float format takes it
        digits = f"{value:,}"
        return {"cost_usd": f"${digits}", "duration_s": f"{digits}s"}.get(budget, digits)
    if budget == "cost_usd":
        return _dollars(value)
    if budget == "duration_s":
        return f"{value:.3f}s"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


class _MeasuredTrace:
    """The figures of one finished trace, computed once for all its limits."""

    def __init__(self, snapshot: TraceSnapshot) -> None:
        self.snapshot = snapshot
        self.summary = summarize(snapshot)
        self.spans = {span.span_id: span for span in snapshot.spans}
        self.calls = counted_calls(snapshot.spans)

    def check(self, budget: str, limit: float) -> Overrun | None:
        total = self.summary.total_usage
        if budget == "cost_usd":
            return self._check_cost(limit)
        if budget == "duration_s":
            measured: float = self.summary.duration_s
            return Overrun(budget, limit, measured, self._slowest_waits()) if measured > limit else None
        if budget == "llm_calls":
            return (
                Overrun(budget, limit, total.calls, self._calls_per_model()) if total.calls > limit else None
            )
        tokens: Callable[[LlmCall], int] = {
            "prompt_tokens": lambda call: call.prompt_tokens,
            "completion_tokens": lambda call: call.completion_tokens,
            "total_tokens": lambda call: call.prompt_tokens + call.completion_tokens,
        }[budget]
        measured = {
            "prompt_tokens": total.prompt_tokens,
            "completion_tokens": total.completion_tokens,
            "total_tokens": total.prompt_tokens + total.completion_tokens,
        }[budget]
        if measured <= limit:
            return None
        return Overrun(budget, limit, measured, self._biggest_calls(tokens, measured, lambda v: f"{v:,}"))

    def _check_cost(self, limit: float) -> Overrun | None:
        costs = cost_breakdown(self.summary.usage)
        unpriced = ", ".join(repr(one_line(model)) for model in costs.unpriced)
        contributors = self._biggest_calls(self._call_cost, costs.total, _dollars)
        if costs.total > limit:
            note = f"at least: no price for {unpriced}" if costs.partial else None
            return Overrun("cost_usd", limit, costs.total, contributors, note)
        if costs.partial:
            note = (
                f"no price for {unpriced}, so the cost is only known to be at least {_dollars(costs.total)}; "
                "add the price with datapizza_tracing.set_prices() or DATAPIZZA_TRACING_PRICES"
            )
            return Overrun("cost_usd", limit, costs.total, contributors, note, unchecked=True)
        return None

    @staticmethod
    def _call_cost(call: LlmCall) -> float | None:
        # The same price lookup the summary's cost column uses, for this one call.
        return cost_breakdown({call.model: TokenUsage.of(call)}).per_model[call.model]

    def _biggest_calls(
        self,
        value_of: Callable[[LlmCall], float | None],
        total: float,
        show: Callable[[float], str],
    ) -> tuple[str, ...]:
        valued = [(value, span_id, call) for span_id, call in self.calls.items() if (value := value_of(call))]
        valued.sort(key=lambda item: (-item[0], self._start(item[1])))
        lines = []
        for value, span_id, call in valued[:TOP_CONTRIBUTORS]:
            share = f" ({value / total:.0%})" if total else ""
            lines.append(f"{show(value)}{share}  {self._name(span_id)}  [{one_line(call.model)}]")
        if len(valued) > TOP_CONTRIBUTORS:
            lines.append(f"... and {len(valued) - TOP_CONTRIBUTORS} more LLM calls")
        return tuple(lines)

    def _calls_per_model(self) -> tuple[str, ...]:
        per_model: dict[str, int] = {}
        for call in self.calls.values():
            per_model[call.model] = per_model.get(call.model, 0) + 1
        ranked = sorted(per_model.items(), key=lambda item: (-item[1], item[0]))
        return tuple(
            f"{count} call{'s' if count != 1 else ''}  [{one_line(model)}]" for model, count in ranked
        )

    def _slowest_waits(self) -> tuple[str, ...]:
        """The spans the test's wall time waited on: critical-path spans with no path span below them."""
        path = critical_path(self.snapshot)
        on_path_parents = {span.parent_id for span in path}
        leaves = [
            span
            for span in path
            if span.span_id != self.snapshot.root_span_id and span.span_id not in on_path_parents
        ]
        leaves.sort(key=lambda span: -self._duration_s(span))
        total = self.summary.duration_s
        lines = []
        for span in leaves[:TOP_CONTRIBUTORS]:
            seconds = self._duration_s(span)
            share = f" ({seconds / total:.0%})" if total else ""
            lines.append(f"{seconds:.3f}s{share}  {one_line(span.name)}  [critical path]")
        return tuple(lines)

    def _duration_s(self, span: SpanRecord) -> float:
        end = span.end_ns if span.end_ns is not None else (self.snapshot.end_ns or self.snapshot.taken_ns)
        return max(end - span.start_ns, 0) / 1e9

    def _name(self, span_id: int) -> str:
        span = self.spans.get(span_id)
        # Span and model names come from the traced code: no escape sequence reaches the terminal.
        return one_line(span.name) if span is not None else f"span {span_id:016x}"

    def _start(self, span_id: int) -> int:
        span = self.spans.get(span_id)
        return span.start_ns if span is not None else 0
