"""Tokens and cost per model over every traced test of a run, xdist workers included.

Each test's figures travel on its call report (plain JSON values, so xdist
ships them from the workers to the controller); the controller adds them up.
Costs are priced where the test ran, with the prices it saw.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...analysis.cost import cost_breakdown
from ...render.rich.table import rich_table
from ...render.rich.text import render_text
from ...views.table import Cell, Column, TableView
from ...views.text import format_cost, one_line, plural
from ..handle import TraceHandle

_COUNTS = ("calls", "prompt_tokens", "cached_tokens", "completion_tokens", "thinking_tokens")
_COLUMNS = (
    Column("model"),
    Column("calls", numeric=True),
    Column("prompt", numeric=True),
    Column("cached", numeric=True),
    Column("completion", numeric=True, short="compl."),
    Column("thinking", numeric=True, short="think."),
    Column("cost", numeric=True),
)


def usage_figures(handle: TraceHandle) -> dict[str, dict[str, Any]]:
    """Per model: token counts, calls and cost (``None`` without a price) of one finished trace."""
    usage = handle.summary().usage
    costs = cost_breakdown(usage)
    return {
        model: {
            "calls": tokens.calls,
            "prompt_tokens": tokens.prompt_tokens,
            "cached_tokens": tokens.cached_tokens,
            "completion_tokens": tokens.completion_tokens,
            "thinking_tokens": tokens.thinking_tokens,
            "cost_usd": costs.per_model.get(model),
        }
        for model, tokens in usage.items()
    }


@dataclass
class _ModelTotals:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))
    cost_usd: float = 0.0
    unpriced: bool = False


@dataclass
class RunTotals:
    tests: int = 0
    failed: int = 0
    saved: list[str] = field(default_factory=list)
    workers: set[str] = field(default_factory=set)
    models: dict[str, _ModelTotals] = field(default_factory=dict)

    def add(self, payload: Mapping[str, Any]) -> None:
        """One test's payload: ``usage`` (``usage_figures``), ``failed``, ``saved``, ``worker``."""
        self.tests += 1
        self.failed += bool(payload.get("failed"))
        if payload.get("saved"):
            self.saved.append(payload["saved"])
        if payload.get("worker"):
            self.workers.add(payload["worker"])
        for model, figures in payload.get("usage", {}).items():
            totals = self.models.setdefault(model, _ModelTotals())
            for key in _COUNTS:
                totals.counts[key] += int(figures.get(key, 0))
            if figures.get("cost_usd") is None:
                totals.unpriced = True
            else:
                totals.cost_usd += float(figures["cost_usd"])

    def title(self) -> str:
        return f"datapizza-tracing: {self.tests} traced test{'s' if self.tests != 1 else ''}"

    def lines(self, width: int) -> list[str]:
        """A table of calls, tokens and cost per model and in total, laid out for ``width``
        columns (each row as "title value" pairs when too narrow), then where traces went."""
        lines: list[str] = []
        if self.models:
            rows = tuple(self._row(model, totals) for model, totals in sorted(self.models.items()))
            footer = self._row("total", self._total()) if len(rows) > 1 else None
            table = TableView(None, _COLUMNS, rows, footer=footer, framed=False, spacing=1)
            text = textwrap.dedent(render_text(rich_table(table), width))  # flush left, as pytest's lines
            lines.extend(line.rstrip() for line in text.splitlines())
        else:
            lines.append("no LLM calls")
        if self.workers:
            names = ", ".join(sorted(self.workers))
            lines.append(f"combined from {len(self.workers)} xdist workers ({names})")
        if self.saved:
            folders = sorted({str(Path(path).parent) for path in self.saved})
            lines.append(f"{plural(len(self.saved), 'trace file')} saved in {', '.join(folders)}")
        return lines

    def _total(self) -> _ModelTotals:
        total = _ModelTotals()
        for totals in self.models.values():
            for key in _COUNTS:
                total.counts[key] += totals.counts[key]
            total.cost_usd += totals.cost_usd
            total.unpriced = total.unpriced or totals.unpriced
        return total

    @staticmethod
    def _row(label: str, totals: _ModelTotals) -> tuple[Cell, ...]:
        counts = [f"{totals.counts[key]:,}" for key in _COUNTS]
        if totals.unpriced and not totals.cost_usd:
            cost = "—"
        else:
            cost = ("≥ " if totals.unpriced else "") + format_cost(totals.cost_usd)
        # A model name comes from the traced code's spans: no escape sequence reaches the terminal.
        return tuple(Cell(text) for text in (one_line(label), *counts, cost))
