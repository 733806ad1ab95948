"""Tones as rich styles, and the palette rich's HTML export uses in notebooks."""

from __future__ import annotations

from rich.terminal_theme import TerminalTheme

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

# Mid-tone ANSI colours that stay readable on JupyterLab's light and dark themes
# (rich's default maps red to #800000, nearly invisible on a dark background).
# Unstyled text gets no colour at all and inherits the notebook's own.
READABLE_THEME = TerminalTheme(
    (255, 255, 255),
    (0, 0, 0),
    [(0, 0, 0), (214, 64, 64), (46, 158, 68), (191, 140, 0), (58, 116, 214), (176, 79, 192), (31, 155, 176),
     (150, 150, 150)],
    [(110, 110, 110), (230, 90, 90), (70, 180, 90), (210, 160, 20), (90, 140, 230), (196, 110, 210),
     (60, 175, 195), (190, 190, 190)],
)  # fmt: skip
