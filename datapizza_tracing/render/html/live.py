"""The live view's HTML for one tick: a header with the figures so far and the capped tree rows.

It is rebuilt a few times a second, so it is deliberately plain (no attribute
tables, no waterfall), and like the static snapshot it escapes every piece of
span text: the widget sets it as innerHTML.
"""

from __future__ import annotations

from ...views.live import LiveFrame, LiveRow
from .parts import html_parts
from .style import STYLE, esc

INDENT_EM = 1.2


def _row(row: LiveRow) -> str:
    indent = f"padding-left:{row.depth * INDENT_EM:.1f}em"
    if row.span_name is None:
        return f'<div class="dpt-more" style="{indent}">{esc(row.note)}</div>'
    error = row.error is not None
    parts = [f'<b class="dpt-err">{esc(row.span_name)}</b>' if error else f"<b>{esc(row.span_name)}</b>"]
    if row.kind:
        parts.append(f'<span class="dpt-kind">[{esc(row.kind)}]</span>')
    parts.append(f'<span class="{"dpt-run" if row.running else "dpt-dur"}">{esc(row.duration)}</span>')
    if error:
        parts.append(f'<span class="dpt-err">✗ {esc(row.error)}</span>')
    return f'<div class="dpt-label" style="{indent}">{" ".join(parts)}</div>'


def html_live(frame: LiveFrame) -> str:
    header = f'<div class="dpt-title">{html_parts(frame.title)}</div><div>{html_parts(frame.figures)}</div>'
    rows = "".join(_row(row) for row in frame.rows)
    more = f'<div class="dpt-more">{esc(frame.more)}</div>' if frame.more else ""
    return (
        f'<div class="dpt dpt-live">{STYLE}<div class="dpt-panel">{header}</div>'
        f'<div class="dpt-tree">{rows}{more}</div></div>'
    )
