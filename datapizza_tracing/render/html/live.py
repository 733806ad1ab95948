"""The live view's HTML for one tick: a header, then always the same number of lines.

Rebuilt a few times a second, so it is deliberately plain, and like the static
snapshot it escapes every piece of span text: the widget sets it as innerHTML.
Every line has one fixed height and empty lines pad the sections, so the view
does not move while spans arrive.
"""

from __future__ import annotations

from ...views.live import LiveFrame, LiveLine
from .parts import html_parts
from .style import (
    ERROR_STYLE,
    LIVE_DURATION_STYLE,
    LIVE_LINE_STYLE,
    LIVE_SECTION_STYLE,
    LIVE_STYLE,
    LIVE_TEXT_STYLE,
    MORE_STYLE,
    PANEL_STYLE,
    STYLE,
    TONE_STYLES,
    esc,
)

_LINE_TONES = {"plain": "", "running": TONE_STYLES["warn"], "error": ERROR_STYLE, "muted": MORE_STYLE}


def _line(line: LiveLine) -> str:
    if not line.text:
        return f'<div class="dpt-line" style="{LIVE_LINE_STYLE}">&nbsp;</div>'
    tone = _LINE_TONES[line.tone]
    return (
        f'<div class="dpt-line" style="{LIVE_LINE_STYLE}">'
        f'<span style="{LIVE_TEXT_STYLE};{tone}">{esc(line.text)}</span>'
        f'<span style="{LIVE_DURATION_STYLE}">{esc(line.duration)}</span></div>'
    )


def _section(title: str, lines: tuple[LiveLine, ...] | list[LiveLine]) -> str:
    return f'<div style="{LIVE_SECTION_STYLE}">{esc(title)}</div>' + "".join(_line(line) for line in lines)


def html_live(frame: LiveFrame) -> str:
    header = f'<div class="dpt-title">{html_parts(frame.title)}</div><div>{html_parts(frame.figures)}</div>'
    more = LiveLine(frame.more, "", "muted")
    return (
        f'<div class="dpt dpt-live" style="{LIVE_STYLE}">{STYLE}'
        f'<div class="dpt-panel" style="{PANEL_STYLE}">{header}</div>'
        f"{_section('Running now', frame.running)}{_section('Latest finished', frame.finished)}"
        f"{_line(more)}</div>"
    )
