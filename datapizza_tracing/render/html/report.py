"""A block's report as one self-contained ``<div>``: what a saved notebook keeps.

No JavaScript and no widget state: the tree folds with ``<details>``, the
timeline is CSS. Varying figures have one textual form each so notebook tests
can sanitize them: durations as ``format_duration`` writes them, the trace id as
32 hex digits, bars and axis segments as percentages with two decimals. Layout that
must survive a sanitizer dropping ``<style>`` is also written inline (see
``style``), as fixed literals.
"""

from __future__ import annotations

from ...views.report import TraceReport
from .insights import html_insights
from .panel import summary_panel
from .style import ROOT_STYLE, STYLE, esc
from .table import html_table
from .waterfall import html_waterfall


def html_report(report: TraceReport) -> str:
    parts = [
        f'<div class="dpt dpt-static" style="{ROOT_STYLE}" data-trace-id="{esc(report.panel.trace_id)}">',
        STYLE,
        summary_panel(report.panel),
        html_insights(report.insights),
        html_waterfall(report.waterfall),
    ]
    if report.timing is not None:
        parts.append(html_table(report.timing))
    parts.append("</div>")
    return "".join(parts)
