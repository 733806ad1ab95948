"""Toned text parts as HTML: the piece every HTML renderer builds lines from."""

from __future__ import annotations

from collections.abc import Sequence

from ...views.tone import Part, Tone
from .style import ERR_CLASS, ERROR_STYLE, esc

# How each tone is marked up; the classes are styled in ``style.STYLE``.
_OPEN: dict[Tone, str] = {
    "plain": "",
    "strong": "<b>",
    "muted": '<span class="dpt-muted">',
    "warn": '<span class="dpt-run">',
    "error": f"<span {ERR_CLASS}>",
    "good": '<span class="dpt-good">',
    "bad": f'<span class="dpt-bad" style="{ERROR_STYLE}">',
    "changed": '<span class="dpt-changed">',
    "llm": '<span class="dpt-tok">',
    "kind": '<span class="dpt-kind">',
}


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
