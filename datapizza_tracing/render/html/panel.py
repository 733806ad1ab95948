"""The summary panel as HTML, with the token table inside."""

from __future__ import annotations

from ...views.panel import SummaryPanel, TokenTable
from .parts import html_parts
from .style import PANEL_STYLE, TD, TD_LEFT, TH, TH_LEFT, esc


def token_table(view: TokenTable) -> str:
    head = "".join(
        f"{TH if index else TH_LEFT}{esc(column)}</th>" for index, column in enumerate(view.columns)
    )
    rows = []
    for row in view.rows:
        label = f"<b>{esc(row.label)}</b>" if row.total else esc(row.label)
        numbers = "".join(f"{TD}{esc(cell)}</td>" for cell in row.cells[:-1])
        cost = f"<b>{esc(row.cells[-1])}</b>" if row.total else esc(row.cells[-1])
        rows.append(f"<tr>{TD_LEFT}{label}</td>{numbers}{TD}{cost}</td></tr>")
    return (
        f'<table class="dpt-table dpt-tokens"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def summary_panel(view: SummaryPanel) -> str:
    title = esc(view.title) + (' <span class="dpt-run">(running)</span>' if view.running else "")
    lines = [f'<div class="dpt-title">{title}</div>']
    lines.extend(f"<div>{html_parts(line.parts, line.link)}</div>" for line in view.lines)
    if view.tokens is not None:
        lines.append(token_table(view.tokens))
    lines.append(f'<div class="dpt-muted">trace id {esc(view.trace_id)}</div>')
    return f'<div class="dpt-panel" style="{PANEL_STYLE}">{"".join(lines)}</div>'
