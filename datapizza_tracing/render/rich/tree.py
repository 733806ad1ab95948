"""The span tree as a rich ``Tree``."""

from __future__ import annotations

from rich.text import Text
from rich.tree import Tree

from ...views.span_tree import CRITICAL_MARK, SpanRow, SpanTree
from .styles import CRITICAL_STYLE, MORE_STYLE, TONE_STYLES


def row_label(row: SpanRow) -> Text:
    label = Text(f"{CRITICAL_MARK} ", style=CRITICAL_STYLE) if row.critical else Text()
    label.append(row.name, style=TONE_STYLES["error"] if row.error is not None else TONE_STYLES["strong"])
    if row.kind:
        label.append(f" [{row.kind}]", style=TONE_STYLES["kind"])
    label.append(f"  {row.duration}", style=TONE_STYLES["warn"] if row.running else TONE_STYLES["muted"])
    if row.call is not None:
        label.append(f"  {row.call}", style=TONE_STYLES["llm"])
    if row.error is not None:
        label.append(f"  ✗ {row.error}", style="red")
    return label


def rich_tree(view: SpanTree) -> Tree | None:
    if not view.rows:
        return None
    root = Tree(row_label(view.rows[0]), guide_style="dim")
    path = [root]  # path[d]: the branch at depth d for the row being placed
    for row in view.rows[1:]:
        del path[row.depth :]
        path.append(path[-1].add(row_label(row)))
    if view.more is not None:
        root.add(Text(view.more, style=MORE_STYLE))
    return root
