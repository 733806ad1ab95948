"""The critical path line, the errors at their origin and the slowest steps, as HTML."""

from __future__ import annotations

from ...views.insights import ErrorView, Insights
from .details import frames_html
from .parts import html_parts
from .style import ERROR_STYLE, FRAMES_STYLE, MORE_STYLE, SECTION_STYLE, esc
from .table import html_table


def _error(view: ErrorView) -> str:
    head = f"{html_parts(view.headline)} {html_parts(view.where)}"
    if view.exception is None or not (view.exception.frames or view.exception.library_frames):
        return f"<div>{head}</div>"
    frames = frames_html(view.exception)
    return f'<details open><summary>{head}</summary><div style="{FRAMES_STYLE}">{frames}</div></details>'


def html_insights(view: Insights) -> str:
    parts = []
    if view.critical is not None:
        parts.append(f'<div class="dpt-critical" style="{SECTION_STYLE}">{html_parts(view.critical)}</div>')
    if view.errors_title is not None:
        errors = "".join(_error(error) for error in view.errors)
        more = (
            f'<div class="dpt-more" style="{MORE_STYLE}">{esc(view.errors_more)}</div>'
            if view.errors_more
            else ""
        )
        parts.append(
            f'<div class="dpt-errors" style="{SECTION_STYLE}">'
            f'<div class="dpt-title" style="{ERROR_STYLE}">{esc(view.errors_title)}</div>{errors}{more}</div>'
        )
    if view.slowest is not None:
        parts.append(html_table(view.slowest))
    return "".join(parts)
