"""What a piece of a view means: the view decides the meaning, each renderer its colour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# plain: no emphasis · strong: a figure that matters · muted: secondary · warn: needs a look
# (running, dropped, capped) · error: failed · good / bad: a change for the better / worse ·
# changed: a change that is neither · llm: model-call figures · kind: a span's role label
Tone = Literal["plain", "strong", "muted", "warn", "error", "good", "bad", "changed", "llm", "kind"]


@dataclass(frozen=True)
class Part:
    """A run of text with what it means."""

    text: str
    tone: Tone = "plain"
