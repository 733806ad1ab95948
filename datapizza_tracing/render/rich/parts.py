"""Toned text parts as one rich ``Text``: the piece every rich renderer builds lines from."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from ...views.tone import Part
from .styles import TONE_STYLES


def text_of(parts: Sequence[Part], link: str | None = None) -> Text:
    """The parts in their tones; ``link`` makes the last part a terminal hyperlink."""
    text = Text()
    for part in parts:
        text.append(part.text, TONE_STYLES[part.tone])
    if link is not None and parts:
        text.stylize(f"link {link}", len(text) - len(parts[-1].text))
    return text
