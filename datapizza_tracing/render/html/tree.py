"""The span tree as nested ``<details>`` with a timeline bar per row and each span's details on demand."""

from __future__ import annotations

from ...views.masking import MASK, Masker
from ...views.span_details import DetailsBudget, SpanDetails, has_details, span_details
from ...views.span_tree import CRITICAL_MARK, SpanRow, SpanTree
from .style import (
    DETAIL_STYLE,
    ERR_CLASS,
    KIDS_STYLE,
    LEAF_STYLE,
    TD_LEFT,
    TRACK_STYLE,
    TREE_STYLE,
    esc,
    waterfall_style,
)


def _bar(row: SpanRow) -> str:
    style = waterfall_style(row.bar.offset, row.bar.width, row.bar.tone)
    return (
        f'<span class="dpt-wf" title="{esc(row.bar.title)}" style="{TRACK_STYLE}">'
        f'<span class="dpt-bar {row.bar.tone}" style="{style}"></span></span>'
    )


def _label(row: SpanRow) -> str:
    parts = (
        [f'<span class="dpt-crit" title="on the critical path">{CRITICAL_MARK}</span>']
        if row.critical
        else []
    )
    parts.append(
        f"<b {ERR_CLASS}>{esc(row.name)}</b>" if row.error is not None else f"<b>{esc(row.name)}</b>"
    )
    if row.kind:
        parts.append(f'<span class="dpt-kind">[{esc(row.kind)}]</span>')
    duration_class = "dpt-run" if row.running else "dpt-dur"
    parts.append(f'<span class="{duration_class}">{esc(row.duration)}</span>')
    if row.call is not None:
        parts.append(f'<span class="dpt-tok">{esc(row.call)}</span>')
    if row.error is not None:
        parts.append(f"<span {ERR_CLASS}>✗ {esc(row.error)}</span>")
    return f'<span class="dpt-label" title="{esc(row.name)}">{" ".join(parts)}</span>{_bar(row)}'


def _details_table(details: SpanDetails) -> str:
    if details.left_out:
        return '<div class="dpt-more">details left out: the output size cap was reached</div>'
    rows = []
    for row in details.rows:
        if row.masked:
            value = f'<span class="dpt-masked">{esc(MASK)}</span>'
        else:
            more = (
                f'<span class="dpt-more">… ({row.more_chars:,} more characters)</span>'
                if row.more_chars
                else ""
            )
            value = f'<pre class="dpt-val">{esc(row.value)}</pre>{more}'
        rows.append(f"<tr>{TD_LEFT}{esc(row.key)}</td>{TD_LEFT}{value}</td></tr>")
    if details.more is not None:
        rows.append(f'<tr><td colspan="2" class="dpt-more">{esc(details.more)}</td></tr>')
    return f'<table class="dpt-table dpt-kv"><tbody>{"".join(rows)}</tbody></table>'


def html_tree(view: SpanTree) -> str:
    """Nested ``<details>`` built from the rows' depths; a span's details fold open under its row."""
    if not view.rows:
        return ""
    masker = Masker()
    budget = DetailsBudget()
    out = [f'<div class="dpt-tree" style="{TREE_STYLE}">']
    open_depths: list[int] = []  # depths of rows whose children container is still open
    for row in view.rows:
        while open_depths and open_depths[-1] >= row.depth:
            open_depths.pop()
            out.append("</div></details>")
        label = _label(row)
        details = span_details(row.span, masker, budget) if has_details(row.span) else None
        if row.has_children:
            inner = (
                f'<details class="dpt-detail" style="{DETAIL_STYLE}"><summary>{esc(details.label)}</summary>'
                f"{_details_table(details)}</details>"
                if details is not None
                else ""
            )
            unfolded = " open" if row.unfolded else ""
            out.append(
                f'<details class="dpt-span"{unfolded}><summary class="dpt-row">{label}</summary>'
                f'{inner}<div class="dpt-kids" style="{KIDS_STYLE}">'
            )
            open_depths.append(row.depth)
        elif details is not None:
            out.append(
                f'<details class="dpt-span"><summary class="dpt-row">{label}</summary>'
                f'<div class="dpt-detail" style="{DETAIL_STYLE}">{_details_table(details)}</div></details>'
            )
        else:
            out.append(f'<div class="dpt-row" style="{LEAF_STYLE}">{label}</div>')
    out.extend("</div></details>" for _ in open_depths)
    out.append("</div>")
    if view.more is not None:
        out.append(
            f'<div class="dpt-more">{esc(view.more)}<span class="dpt-muted"> ({esc(view.hint)})</span></div>'
        )
    return "".join(out)
