"""The waterfall as HTML: aligned columns, bars on a time axis, ``<details>`` rows that fold.

Rows are flex lines of the full width nested in ``<details>`` without any
indentation of their own, so every column keeps one right edge whatever the
depth; depth is the label's left padding, capped (see ``style``), and past the
cap a depth number before the name.
"""

from __future__ import annotations

from ...views.waterfall import Waterfall, WaterfallNode, WaterfallRow
from .details import details_html
from .style import (
    AXIS_SEGMENT_SHAPE,
    AXIS_STYLE,
    BAR_AREA_STYLE,
    DEPTH_MARK_STYLE,
    ERROR_STYLE,
    HEADER_ROW_STYLE,
    LEGEND_STYLE,
    MORE_STYLE,
    MUTED_STYLE,
    ROW_STYLE,
    TONE_STYLES,
    TWISTY_STYLE,
    WATERFALL_STYLE,
    bar_style,
    cell_style,
    depth_mark,
    detail_style,
    esc,
    label_style,
    swatch_style,
    track_style,
)

SUMS_TITLE = "the totals of the model calls inside this row"


def _axis(view: Waterfall) -> str:
    ticks = view.ticks
    segments = []
    for index, tick in enumerate(ticks):
        end = ticks[index + 1].position if index + 1 < len(ticks) else 1.0
        style = AXIS_SEGMENT_SHAPE.format(width=(end - tick.position) * 100)
        segments.append(f'<span style="{style}">{esc(tick.label)}</span>')
    return f'<span style="{AXIS_STYLE}">{"".join(segments)}</span>'


def _header(view: Waterfall) -> str:
    cells = "".join(
        f'<span style="{cell_style(i)}">{esc(title)}</span>' for i, title in enumerate(view.columns)
    )
    return (
        f'<div class="dpt-wf-head" style="{HEADER_ROW_STYLE}">'
        f'<span style="{label_style(0)}">Span</span>{cells}'
        f'<span style="{BAR_AREA_STYLE}">{_axis(view)}</span></div>'
    )


def _label(row: WaterfallRow, expandable: bool) -> str:
    twisty = f'<span class="dpt-tw" style="{TWISTY_STYLE}">{"▸" if expandable else ""}</span>'
    if row.error is not None:  # the mark first, so that eliding a long name never hides it
        name = f'<b style="{ERROR_STYLE}">✗ {esc(row.label)}</b>'
    else:
        name = f"<b>{esc(row.label)}</b>"
    parts = [twisty]
    mark = depth_mark(row.depth)
    if mark:
        parts.append(f'<span class="dpt-depth" style="{DEPTH_MARK_STYLE}" title="depth">{esc(mark)}</span>')
    parts.append(name)
    if row.badge:
        tone = "llm" if row.bar.tone == "llm" and row.count == 1 else "muted"
        parts.append(f' <span style="{TONE_STYLES[tone]}">{esc(row.badge)}</span>')
    if row.service:
        parts.append(f' <span style="{TONE_STYLES["muted"]}" title="service">@{esc(row.service)}</span>')
    if row.errors_inside:
        parts.append(
            f' <span style="{ERROR_STYLE}" title="failed spans inside">✗{row.errors_inside:,}</span>'
        )
    if row.error is not None:
        parts.append(f' <span style="{ERROR_STYLE};font-weight:400">{esc(row.error)}</span>')
    style = label_style(row.depth)
    return f'<span class="dpt-label" style="{style}" title="{esc(row.title)}">{"".join(parts)}</span>'


def _row(row: WaterfallRow, step: float, expandable: bool) -> str:
    values = (row.duration, row.self_time, row.tokens, row.cost)
    cells = []
    for index, value in enumerate(values):
        title = f' title="{esc(row.tokens_title)}"' if index == 2 and row.tokens_title else ""
        if index >= 2 and row.sums:  # the totals of what the row holds: muted, and said so on pointing
            title = title or f' title="{SUMS_TITLE}"'
            tone = f";{MUTED_STYLE}"
        else:
            tone = f";{TONE_STYLES['warn']}" if index == 0 and row.running else ""
        cells.append(f'<span style="{cell_style(index)}{tone}"{title}>{esc(value)}</span>')
    bar = row.bar
    bar_html = (
        f'<span class="dpt-track" style="{track_style(step)}" title="{esc(bar.title)}">'
        f'<span class="dpt-bar {bar.tone}" '
        f'style="{bar_style(bar.offset, bar.width, bar.tone, bar.faint, row.count > 1)}">'
        "</span></span>"
    )
    return f'{_label(row, expandable)}{"".join(cells)}<span style="{BAR_AREA_STYLE}">{bar_html}</span>'


def _node(node: WaterfallNode, step: float) -> str:
    # Iterative: a deep chain of spans must not hit Python's recursion limit.
    out: list[str] = []
    stack: list[tuple[WaterfallNode, bool] | str] = [(node, False)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        current, _ = item
        row = current.row
        parent = bool(current.children or current.more)
        details = current.details
        inner = details_html(details, fold_attributes=not parent) if details is not None else ""
        expandable = bool(parent or inner)
        line = _row(row, step, expandable)
        if not expandable:
            out.append(f'<div class="dpt-row" style="{ROW_STYLE}">{line}</div>')
            continue
        opened = " open" if current.open else ""
        out.append(
            f'<details class="dpt-span"{opened}><summary class="dpt-row" style="{ROW_STYLE}">{line}</summary>'
        )
        tail = ["</details>"]
        if inner and not parent:  # a leaf: opening it shows its details
            out.append(f'<div class="dpt-detail" style="{detail_style(row.depth)}">{inner}</div>')
        elif inner and details is not None:  # a parent: its own details fold after its children
            label = esc(details.label)
            tail.insert(
                0,
                f'<details class="dpt-own" style="{detail_style(row.depth)}">'
                f'<summary style="{MUTED_STYLE}">{label} of {esc(row.label)}</summary>{inner}</details>',
            )
        if current.more:
            more_style = f"{detail_style(row.depth)};{MORE_STYLE}"
            tail.insert(0, f'<div class="dpt-more" style="{more_style}">{esc(current.more)}</div>')
        stack.append("".join(tail))
        stack.extend((child, False) for child in reversed(current.children))
    return "".join(out)


def _legend(view: Waterfall) -> str:
    items = "".join(f'<span style="{swatch_style(tone)}"></span>{esc(label)}' for tone, label in view.legend)
    faint = " · faint bars: off the critical path" if view.faint_off_path else ""
    faint_html = f'<span style="{MUTED_STYLE}">{faint}</span>'
    return f'<div class="dpt-legend" style="{LEGEND_STYLE}">{items}{faint_html}</div>'


def html_waterfall(view: Waterfall) -> str:
    if view.root is None:
        return ""
    step = view.ticks[1].position if len(view.ticks) > 1 else 1.0
    more = ""
    if view.more is not None:
        more = (
            f'<div class="dpt-more" style="{MORE_STYLE}">{esc(view.more)}'
            f'<span style="{MUTED_STYLE}"> ({esc(view.hint)})</span></div>'
        )
    return (
        f'<div class="dpt-waterfall" style="{WATERFALL_STYLE}">{_header(view)}'
        f"{_node(view.root, step)}{more}{_legend(view)}</div>"
    )
