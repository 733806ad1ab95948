"""Toned text parts as HTML: the piece every HTML renderer builds lines from."""

from __future__ import annotations

from collections.abc import Sequence

from ...views.tone import Part, Tone
from .style import TONE_STYLES, esc

# How each tone is marked up: a class, and an inline style that carries the
# colour where a sanitizer drops the stylesheet (see ``style``).
_OPEN: dict[Tone, str] = {
    tone: f'<span class="dpt-{tone}" style="{style}">' for tone, style in TONE_STYLES.items()
}
_OPEN["plain"] = ""
_OPEN["strong"] = "<b>"


def toned(text: str, tone: Tone) -> str:
    """``text`` escaped and marked up for ``tone``."""
    opening = _OPEN[tone]
    if not opening:
        return esc(text)
    closing = "</b>" if opening == "<b>" else "</span>"
    return f"{opening}{esc(text)}{closing}"


def html_parts(parts: Sequence[Part], link: str | None = None) -> str:
    """The parts in their tones; ``link`` makes the last part a link (views only pass web URLs)."""
    out = [toned(part.text, part.tone) for part in parts]
    if link is not None and out:
        out[-1] = f'<a href="{esc(link)}" target="_blank" rel="noopener noreferrer">{out[-1]}</a>'
    return "".join(out)
