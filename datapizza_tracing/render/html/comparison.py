"""A comparison of two runs as HTML, in the snapshot's style."""

from __future__ import annotations

from ...views.comparison import ComparisonView
from .parts import html_parts
from .style import ROOT_STYLE, SECTION_STYLE, STYLE
from .table import html_table


def html_comparison(view: ComparisonView) -> str:
    parts = [f'<div class="dpt-title">{html_parts(view.header)}</div>']
    parts.extend(html_table(table) for table in view.tables)
    parts.extend(f'<div style="{SECTION_STYLE}">{html_parts(note)}</div>' for note in view.notes)
    return f'<div class="dpt dpt-compare" style="{ROOT_STYLE}">{STYLE}{"".join(parts)}</div>'
