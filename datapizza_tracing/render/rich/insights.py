"""The critical path line, the errors at their origin and the slowest steps, for a terminal."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from ...views.insights import ErrorView, Insights
from ...views.text import plural
from .parts import text_of
from .styles import MORE_STYLE, TONE_STYLES
from .table import rich_table


def _error(view: ErrorView) -> list[RenderableType]:
    lines: list[RenderableType] = [Text.assemble(text_of(view.headline), " ", text_of(view.where))]
    exception = view.exception
    if exception is not None:
        for frame in exception.frames:
            lines.append(Text(f"    {frame.location}", style="dim"))
            if frame.code:
                lines.append(Text(f"      {frame.code}"))
        if exception.library_frames:
            count = len(exception.library_frames) + exception.library_more
            lines.append(Text(f"    … {plural(count, 'library frame')}", style=MORE_STYLE))
    return lines


def rich_insights(view: Insights) -> list[RenderableType]:
    parts: list[RenderableType] = []
    if view.critical is not None:
        parts.append(text_of(view.critical))
    if view.errors_title is not None:
        errors: list[RenderableType] = [Text(view.errors_title, style=TONE_STYLES["error"])]
        for error in view.errors:
            errors.extend(_error(error))
        if view.errors_more:
            errors.append(Text(view.errors_more, style=MORE_STYLE))
        parts.append(Group(*errors))
    if view.slowest is not None:
        parts.append(rich_table(view.slowest))
    return parts
