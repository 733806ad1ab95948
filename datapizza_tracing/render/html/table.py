"""A ``TableView`` as an HTML ``<table>`` in the snapshot's style."""

from __future__ import annotations

from ...views.table import Cell, Column, TableView
from .parts import toned
from .style import (
    MORE_STYLE,
    SECTION_STYLE,
    TABLE_STYLE,
    TD,
    TD_LEFT,
    TD_WRAP,
    TH,
    TH_LEFT,
    WRAP_AFTER,
    esc,
)


def _head(columns: tuple[Column, ...]) -> str:
    return "".join(f"{TH if column.numeric else TH_LEFT}{esc(column.title)}</th>" for column in columns)


def _cell(column: Column, cell: Cell) -> str:
    opening = TD if column.numeric else TD_WRAP if len(cell.text) > WRAP_AFTER else TD_LEFT
    return f"{opening}{toned(cell.text, cell.tone)}</td>"


def _row(columns: tuple[Column, ...], row: tuple[Cell, ...]) -> str:
    return f"<tr>{''.join(_cell(column, cell) for column, cell in zip(columns, row, strict=True))}</tr>"


def html_table(view: TableView, css_class: str = "dpt-table") -> str:
    if not view.rows and view.empty is not None:
        return f'<div class="dpt-muted" style="{MORE_STYLE}">{esc(view.empty)}</div>'
    rows = [_row(view.columns, row) for row in view.rows]
    if view.more is not None:
        more = (
            f'<td colspan="{len(view.columns)}" class="dpt-more" style="{MORE_STYLE}">{esc(view.more)}</td>'
        )
        rows.append(f"<tr>{more}</tr>")
    footer = f"<tfoot>{_row(view.columns, view.footer)}</tfoot>" if view.footer is not None else ""
    table = (
        f'<table class="{css_class}" style="{TABLE_STYLE}"><thead><tr>{_head(view.columns)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody>{footer}</table>"
    )
    if view.title is None:
        return table
    title = f'<summary class="dpt-title">{esc(view.title)}</summary>'
    return f'<details class="dpt-section" open style="{SECTION_STYLE}">{title}{table}</details>'
