"""A ``TableView`` as an HTML ``<table>`` in the snapshot's style."""

from __future__ import annotations

from ...views.table import Column, TableView
from .parts import toned
from .style import TD, TD_LEFT, TH, TH_LEFT, esc


def _head(columns: tuple[Column, ...]) -> str:
    return "".join(f"{TH if column.numeric else TH_LEFT}{esc(column.title)}</th>" for column in columns)


def html_table(view: TableView, css_class: str = "dpt-table") -> str:
    if not view.rows and view.empty is not None:
        return f'<div class="dpt-muted">{esc(view.empty)}</div>'
    rows = [
        "<tr>"
        + "".join(
            f"{TD if column.numeric else TD_LEFT}{toned(cell.text, cell.tone)}</td>"
            for column, cell in zip(view.columns, row, strict=True)
        )
        + "</tr>"
        for row in view.rows
    ]
    if view.more is not None:
        rows.append(f'<tr><td colspan="{len(view.columns)}" class="dpt-more">{esc(view.more)}</td></tr>')
    table = (
        f'<table class="{css_class}"><thead><tr>{_head(view.columns)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    if view.title is None:
        return table
    title = f'<summary class="dpt-title">{esc(view.title)}</summary>'
    return f'<details class="dpt-section" open>{title}{table}</details>'
