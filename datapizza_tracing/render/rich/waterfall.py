"""The waterfall for a terminal: tree labels, aligned numbers, and text bars when there is room.

The layout follows the console's width, decided when rich renders (a piped or
CI log is 80 columns, a notebook 115): numbers are never cut, names are
elided instead; below 80 columns the Self column makes room for the names,
and bars are drawn from 100 columns up. Deep trees
keep their labels readable: past a depth the guides collapse into the depth
number. A closed group stands for its members, as in the notebook.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from ...views.text import DURATION_WIDTH
from ...views.waterfall import Waterfall, WaterfallNode, WaterfallRow
from .styles import MORE_STYLE, TONE_STYLES

SELF_MIN_WIDTH = 80  # narrower, the Self column gives its room to the names
BARS_MIN_WIDTH = 100
BAR_SHARE = 0.3  # of the width, when bars are drawn
LABEL_MIN = 12  # characters a label keeps for the name, however deep the row
_EIGHTHS = " ▏▎▍▌▋▊▉█"
BAR_STYLES = {
    "llm": "magenta",
    "tool": "cyan",
    "agent": "blue",
    "other": "bright_black",
    "error": "red",
    "running": "yellow",
}


@dataclass(frozen=True)
class _Line:
    guide: str
    row: WaterfallRow


def _lines(root: WaterfallNode) -> Iterator[_Line]:
    """Rows depth first with their tree guides; children of a closed group stay folded."""
    stack: list[tuple[WaterfallNode, str, str]] = [(root, "", "")]
    while stack:
        node, guide, child_guide = stack.pop()
        yield _Line(guide, node.row)
        if node.row.count > 1 and not node.open:
            continue
        children = node.children
        for index in range(len(children) - 1, -1, -1):
            last = index == len(children) - 1
            stack.append(
                (
                    children[index],
                    child_guide + ("└─ " if last else "├─ "),
                    child_guide + ("   " if last else "│  "),
                )
            )


def _fit_guide(guide: str, depth: int, room: int) -> str:
    if len(guide) <= room:
        return guide
    marker = f"{depth}› "
    return marker if len(marker) <= room else ""


def text_bar(offset: float, width: float, cells: int) -> str:
    """A bar of ``cells`` characters: spaces up to ``offset``, then eighth blocks for ``width``."""
    start = offset * cells
    end = min(offset + max(width, 0.0), 1.0) * cells
    out = []
    for cell in range(cells):
        filled = min(max(end - cell, 0.0), 1.0) - min(max(start - cell, 0.0), 1.0)
        if filled <= 0:
            out.append(" ")
        else:
            out.append(_EIGHTHS[max(1, round(filled * 8))])
    return "".join(out)


def _label(line: _Line, room: int) -> Text:
    row = line.row
    label = Text(_fit_guide(line.guide, row.depth, max(room - LABEL_MIN, 3)), style="dim")
    if row.error is not None:  # first, so that eliding a long name never hides it
        label.append("✗ ", style=TONE_STYLES["error"])
    label.append(row.label, style=TONE_STYLES["error"] if row.error is not None else TONE_STYLES["strong"])
    if row.badge:
        label.append(
            f" {row.badge}", style=TONE_STYLES["llm"] if row.bar.tone == "llm" and row.count == 1 else "dim"
        )
    if row.service:
        label.append(f" @{row.service}", style=TONE_STYLES["muted"])
    if row.errors_inside:
        label.append(f" ✗{row.errors_inside:,}", style=TONE_STYLES["error"])
    if row.error is not None:
        label.append(f" {row.error}", style="red")
    return label


class RichWaterfall:
    """A ``Waterfall`` laid out for the console width it is rendered at."""

    def __init__(self, view: Waterfall) -> None:
        self.view = view

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        view = self.view
        if view.root is None:
            return
        width = options.max_width
        lines = list(_lines(view.root))
        values = [_values(line.row) for line in lines]
        # Durations get their widest width whatever the values, so names are cut the same way every run.
        least = (DURATION_WIDTH, DURATION_WIDTH + 2, 0, 0)
        numbers = [
            (index, title, max([len(title), least[index], *(len(row[index]) for row in values)]))
            for index, title in enumerate(view.columns)
        ]
        if width < SELF_MIN_WIDTH:
            numbers = [column for column in numbers if column[0] != 1]
        bar_cells = int(width * BAR_SHARE) if width >= BARS_MIN_WIDTH else 0
        # One space between columns; the label takes what the numbers and bars leave.
        room = width - sum(w for _, _, w in numbers) - len(numbers) - (bar_cells + 1 if bar_cells else 0)
        room = max(room, LABEL_MIN)
        table = Table(box=None, padding=(0, 1, 0, 0), pad_edge=False, show_header=True, header_style="bold")
        table.add_column("Span", no_wrap=True, overflow="ellipsis", width=room)
        for _, title, column_width in numbers:
            table.add_column(title, justify="right", no_wrap=True, width=column_width)
        if bar_cells:
            table.add_column(_axis_header(view, bar_cells), no_wrap=True, width=bar_cells)
        for line, row_values in zip(lines, values, strict=True):
            row = line.row
            cells: list[Text] = [_label(line, room)]
            for index, _, _ in numbers:
                style = TONE_STYLES["warn"] if index == 0 and row.running else ""
                cells.append(Text(row_values[index], style=style))
            if bar_cells:
                bar = text_bar(row.bar.offset, row.bar.width, bar_cells)
                style = BAR_STYLES[row.bar.tone] + (" dim" if row.bar.faint else "")
                cells.append(Text(bar, style=style))
            table.add_row(*cells)
        yield table
        if view.more is not None:
            yield Text(f"{view.more} ({view.hint})", style=MORE_STYLE)
        if bar_cells:
            legend = Text()
            for tone, label in view.legend:
                legend.append("██ ", style=BAR_STYLES[tone])
                legend.append(f"{label}  ")
            if view.faint_off_path:
                legend.append("dim bars: off the critical path", style="dim")
            yield legend


def _values(row: WaterfallRow) -> tuple[str, str, str, str]:
    """The row's four column texts; totals of what a row holds read "Σ …" in a terminal."""
    mark = "Σ " if row.sums else ""
    tokens = mark + row.tokens if row.tokens else ""
    cost = mark + row.cost if row.cost else ""
    return row.duration, row.self_time, tokens, cost


def _axis_header(view: Waterfall, cells: int) -> str:
    """Tick labels placed along the bar column, as far as they fit without overlapping."""
    header = [" "] * cells
    cursor = 0
    for tick in view.ticks:
        at = int(tick.position * cells)
        if at < cursor or at + len(tick.label) > cells:
            continue
        header[at : at + len(tick.label)] = tick.label
        cursor = at + len(tick.label) + 1
    return "".join(header)
