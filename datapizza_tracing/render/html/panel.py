"""The summary panel as HTML, with the token table inside."""

from __future__ import annotations

from ...views.panel import SummaryPanel
from .parts import html_parts
from .style import MUTED_STYLE, PANEL_STYLE, TONE_STYLES, esc
from .table import html_table


def summary_panel(view: SummaryPanel) -> str:
    running = f' <span style="{TONE_STYLES["warn"]}">(running)</span>' if view.running else ""
    lines = [f'<div class="dpt-title">{esc(view.title)}{running}</div>']
    lines.extend(f"<div>{html_parts(line.parts, line.link)}</div>" for line in view.lines)
    if view.tokens is not None:
        lines.append(html_table(view.tokens, "dpt-table dpt-tokens"))
    lines.append(f'<div class="dpt-muted" style="{MUTED_STYLE}">trace id {esc(view.trace_id)}</div>')
    return f'<div class="dpt-panel" style="{PANEL_STYLE}">{"".join(lines)}</div>'
