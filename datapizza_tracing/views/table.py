"""A generic table view: what the timing, history and comparison screens are made of.

A cell is text plus a tone; columns say which side they align to. Renderers
turn one ``TableView`` into a rich ``Table`` or an HTML ``<table>`` and know
nothing of what the table is about.
"""

from __future__ import annotations

from dataclasses import dataclass

from .tone import Tone


@dataclass(frozen=True)
class Cell:
    text: str
    tone: Tone = "plain"


@dataclass(frozen=True)
class Column:
    title: str
    numeric: bool = False  # right-aligned
    short: str | None = None  # a shorter title for narrow outputs
    min_width: int = 0  # characters kept whatever the values, so a layout does not move with them

    @property
    def short_title(self) -> str:
        return self.short or self.title


@dataclass(frozen=True)
class TableView:
    title: str | None
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    more: str | None = None  # the line standing for rows left out
    footer: tuple[Cell, ...] | None = None  # a totals row, set apart from the rows
    empty: str | None = None  # shown instead of a table without rows
    framed: bool = True  # drawn with borders; False for a bare aligned overview
    spacing: int = 2  # when not framed: spaces on each side of a cell (columns are twice that apart)


def cells(*values: str | Cell) -> tuple[Cell, ...]:
    return tuple(value if isinstance(value, Cell) else Cell(value) for value in values)
