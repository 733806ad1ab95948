"""Tones as rich styles."""

from __future__ import annotations

from ...views.tone import Tone

TONE_STYLES: dict[Tone, str] = {
    "plain": "",
    "strong": "bold",
    "muted": "dim",
    "warn": "yellow",
    "error": "bold red",
    "good": "bold green",
    "bad": "bold red",
    "changed": "bold yellow",
    "llm": "magenta",
    "kind": "cyan",
}
MORE_STYLE = "italic yellow"  # "… N more" lines
CRITICAL_STYLE = "bold yellow"
