"""A ``TableView`` as a rich table that fits the console it is rendered on, numbers never cut.

rich shrinks every column of a table that is too wide, numbers included
("$0.00", a header reduced to "C"). Instead the layout is chosen when rich
renders, from the console's width: boxed if it fits, then with lighter rules,
then bare, and past that each row becomes "title value" pairs; numeric
columns always get their full width and only text columns (names, places) are
elided.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from rich import box
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ...views.table import Cell, TableView
from .styles import MORE_STYLE, TONE_STYLES

TEXT_MIN = 8  # characters an elided text column keeps


@dataclass(frozen=True)
class Layout:
    box: box.Box | None
    short_titles: bool


# Roomiest first; past the last one, each row becomes a few lines of "title value" pairs.
LAYOUTS = (
    Layout(box.HEAVY_HEAD, False),
    Layout(box.HEAVY_HEAD, True),
    Layout(box.SIMPLE_HEAD, True),
    Layout(None, True),
)


def _all_rows(view: TableView) -> list[tuple[Cell, ...]]:
    return [*view.rows, view.footer] if view.footer is not None else list(view.rows)


def _natural_widths(view: TableView, short_titles: bool) -> list[int]:
    rows = _all_rows(view)
    widths = []
    for index, column in enumerate(view.columns):
        title = column.short_title if short_titles else column.title
        widths.append(max([len(title), column.min_width, *(len(row[index].text) for row in rows)]))
    return widths


def _cell(cell: Cell) -> Text:
    return Text(cell.text, style=TONE_STYLES[cell.tone])


def build_table(view: TableView, layout: Layout, widths: list[int]) -> Table:
    framed = view.framed
    table = Table(
        title=view.title if framed else None,
        title_justify="left",
        title_style="bold",
        box=layout.box if framed else None,
        padding=(0, 1) if framed else (0, view.spacing),
        show_edge=layout.box is box.HEAVY_HEAD,
    )
    for column, width in zip(view.columns, widths, strict=True):
        title = column.short_title if layout.short_titles else column.title
        justify = "right" if column.numeric else "left"
        table.add_column(title, justify=justify, no_wrap=True, overflow="ellipsis", width=width)
    for index, row in enumerate(view.rows):
        last = index == len(view.rows) - 1
        table.add_row(*(_cell(cell) for cell in row), end_section=last and view.footer is not None)
    if view.footer is not None:
        table.add_row(*(_cell(cell) for cell in view.footer))
    if view.more is not None:
        table.add_row(Text(view.more, style=MORE_STYLE))
    return table


def _overhead(console: Console, view: TableView, layout: Layout) -> int:
    """Characters the layout adds around the cells (rules, padding), measured on rich itself."""
    probe = build_table(view, layout, [1] * len(view.columns))
    probe.title = None
    return console.measure(probe).maximum - len(view.columns)


def fitted_widths(view: TableView, natural: list[int], room: int) -> list[int] | None:
    """Numbers at full width and text columns sharing what is left, or None.

    An elided text column keeps at least TEXT_MIN characters, and enough to tell its values
    apart: two model names cut to the same "claude-…" would put two models' figures under one
    name. When that does not fit, a lighter layout or the cards show the names whole.
    """
    rows = _all_rows(view)
    numbers = sum(width for column, width in zip(view.columns, natural, strict=True) if column.numeric)
    texts = [index for index, column in enumerate(view.columns) if not column.numeric]
    floors = {
        index: min(natural[index], max(TEXT_MIN, distinct_width([row[index].text for row in rows])))
        for index in texts
    }
    left = room - numbers
    wanted = sum(natural[index] for index in texts)
    if left < sum(floors.values()):
        return None
    widths = list(natural)
    if wanted > left:  # share the room in proportion to what each text column would like
        for index in texts:
            widths[index] = max(floors[index], left * natural[index] // wanted)
        while sum(widths[index] for index in texts) > left:
            widest = max((index for index in texts if widths[index] > floors[index]), key=widths.__getitem__)
            widths[widest] -= 1
    return widths


def distinct_width(values: list[str]) -> int:
    """The narrowest column in which ``values`` cut with an ellipsis stay told apart.

    Two values differ on screen when the shorter one fits whole, or when the cut keeps the
    first character after their common beginning (the ellipsis takes one more). In sorted
    order each value's longest common beginning with another is with a neighbour.
    """
    width = 0
    for first, second in itertools.pairwise(sorted(set(values))):
        common = next(
            (at for at, (a, b) in enumerate(zip(first, second, strict=False)) if a != b),
            min(len(first), len(second)),
        )
        width = max(width, min(common + 2, len(first), len(second)))
    return width


CARD_INDENT = "    "  # where a card's pairs go on when they do not fit after its first cell


class Cards:
    """Each row as its first cell, then "title value" pairs: every number kept, on any width.

    A pair is never split across lines: the pairs that do not fit on the line go
    on the next, indented under the row's first cell.
    """

    def __init__(self, view: TableView) -> None:
        self.view = view

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        view = self.view
        if view.title:
            yield Text(view.title, style="bold")
        for row in _all_rows(view):
            yield from _card_lines(view, row, options.max_width)
        if view.more is not None:
            yield Text(view.more, style=MORE_STYLE)


def _card_lines(view: TableView, row: tuple[Cell, ...], width: int) -> list[Text]:
    lines = [_cell(row[0])]
    for column, cell in zip(view.columns[1:], row[1:], strict=True):
        if not cell.text:
            continue
        pair = Text(f"{column.short_title} ", style="dim")
        pair.append_text(_cell(cell))
        line = lines[-1]
        if line.cell_len + 2 + pair.cell_len > width and line.plain.strip():
            line = Text(CARD_INDENT)
            lines.append(line)
        elif line.plain.strip():
            line.append("  ")
        line.append_text(pair)
    return lines


class FittedTable:
    """Renders a ``TableView`` in the roomiest layout the console's width allows."""

    def __init__(self, view: TableView) -> None:
        self.view = view

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        # As wide as the roomiest layout needs, so a panel around the table fits it, not the console.
        roomiest = build_table(self.view, LAYOUTS[0], _natural_widths(self.view, short_titles=False))
        widest = Measurement.get(console, options, roomiest).maximum
        return Measurement(min(TEXT_MIN, widest), widest)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rooms = [options.max_width - _overhead(console, self.view, layout) for layout in LAYOUTS]
        # The roomiest layout where every name fits whole; else the roomiest where names are elided.
        for layout, room in zip(LAYOUTS, rooms, strict=True):
            natural = _natural_widths(self.view, layout.short_titles)
            if sum(natural) <= room:
                yield build_table(self.view, layout, natural)
                return
        for layout, room in zip(LAYOUTS, rooms, strict=True):
            widths = fitted_widths(self.view, _natural_widths(self.view, layout.short_titles), room)
            if widths is not None:
                yield build_table(self.view, layout, widths)
                return
        yield Cards(self.view)


def rich_table(view: TableView) -> RenderableType:
    if not view.rows and view.empty is not None:
        return Text(view.empty, style="italic")
    return FittedTable(view)
