"""The look shared by the static snapshot and the live view, and the HTML escaping they both use.

Colours come from JupyterLab's theme variables, so the output follows the light
and dark themes; each has a fallback for places without them (nbconvert's
classic template, nbviewer, VS Code), picked by ``prefers-color-scheme``.
Semantic colours (error, running) use JupyterLab's own error/warn variables,
which each theme keeps readable on its background.

Every rule is scoped under ``.dpt`` so nothing leaks into the rest of the page.
Places that strip ``<style>`` (an untrusted notebook in JupyterLab, GitHub's
preview) keep inline ``style`` attributes, but drop any that uses ``var()``: so
the static snapshot also carries its layout inline (tree indentation, timeline
bars, panel border, cell padding) with literal colours that read on light and
dark backgrounds. Where the stylesheet does apply, its ``!important`` theme
colours win over those literals.
"""

from __future__ import annotations

import html

_LIGHT = (
    "--dpt-fg:var(--jp-content-font-color1,var(--vscode-editor-foreground,#1f2328));"
    "--dpt-muted:var(--jp-content-font-color2,#59636e);"
    "--dpt-border:var(--jp-border-color2,#d1d9e0);"
    "--dpt-track:var(--jp-layout-color2,#eff2f5);"
    "--dpt-bar:var(--jp-brand-color1,#0969da);"
    "--dpt-llm:var(--jp-accent-color1,#8250df);"
    "--dpt-err:var(--jp-error-color1,#d1242f);"
    "--dpt-run:var(--jp-warn-color1,#9a6700);"
)
_DARK = (
    "--dpt-fg:var(--jp-content-font-color1,var(--vscode-editor-foreground,#e6edf3));"
    "--dpt-muted:var(--jp-content-font-color2,#9198a1);"
    "--dpt-border:var(--jp-border-color2,#3d444d);"
    "--dpt-track:var(--jp-layout-color2,#262c36);"
    "--dpt-bar:var(--jp-brand-color1,#4493f8);"
    "--dpt-llm:var(--jp-accent-color1,#ab7df8);"
    "--dpt-err:var(--jp-error-color1,#f85149);"
    "--dpt-run:var(--jp-warn-color1,#d29922);"
)

STYLE = (
    "<style>"
    f".dpt{{{_LIGHT}color:var(--dpt-fg);line-height:1.45;"
    "font-family:var(--jp-content-font-family,system-ui,-apple-system,'Segoe UI',sans-serif);"
    "font-size:var(--jp-content-font-size1,13px)}"
    f"@media (prefers-color-scheme:dark){{.dpt{{{_DARK}}}}}"
    ".dpt .dpt-panel{border:1px solid var(--dpt-border)!important;border-radius:4px;padding:6px 10px;"
    "margin:0 0 6px;display:inline-block;max-width:100%;box-sizing:border-box}"
    ".dpt .dpt-title{font-weight:600;margin-bottom:2px}"
    ".dpt .dpt-muted,.dpt .dpt-kind,.dpt .dpt-dur{color:var(--dpt-muted)}"
    ".dpt .dpt-err{color:var(--dpt-err)!important;font-weight:600}"
    ".dpt .dpt-run,.dpt .dpt-more{color:var(--dpt-run);font-style:italic}"
    ".dpt .dpt-tok{color:var(--dpt-llm)}"
    ".dpt .dpt-crit{color:var(--dpt-run)}"
    ".dpt a{color:var(--dpt-bar)}"
    ".dpt table.dpt-table{border-collapse:collapse;margin:4px 0;table-layout:auto;font-size:inherit;"
    "color:var(--dpt-fg)}"
    ".dpt table.dpt-table th,.dpt table.dpt-table td{border:1px solid var(--dpt-border);padding:1px 8px;"
    "text-align:right;vertical-align:top;color:inherit;background:transparent}"
    ".dpt table.dpt-table th:first-child,.dpt table.dpt-table td:first-child{text-align:left}"
    ".dpt table.dpt-kv td{text-align:left}"
    ".dpt table.dpt-kv td:first-child{white-space:nowrap;color:var(--dpt-muted)}"
    ".dpt pre.dpt-val{margin:0;padding:0;white-space:pre-wrap;overflow-wrap:anywhere;max-height:24em;"
    "overflow:auto;font:inherit;background:transparent;color:inherit;border:0}"
    ".dpt .dpt-masked{color:var(--dpt-muted);font-style:italic}"
    ".dpt .dpt-tree{"
    "font-family:var(--jp-code-font-family,ui-monospace,SFMono-Regular,Menlo,Consolas,monospace);"
    "font-size:var(--jp-code-font-size,12px);max-width:80em}"
    ".dpt .dpt-tree details{margin:0}"
    ".dpt .dpt-row{display:flex;align-items:center;gap:.5em;min-height:1.45em;list-style:none}"
    ".dpt summary.dpt-row{cursor:pointer}"
    ".dpt summary.dpt-row::-webkit-details-marker{display:none}"
    ".dpt .dpt-row::before{content:'';flex:0 0 1em}"
    ".dpt summary.dpt-row::before{content:'\\25B8'}"
    ".dpt details[open]>summary.dpt-row::before{content:'\\25BE'}"
    ".dpt .dpt-label{flex:1 1 auto;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}"
    ".dpt .dpt-kids{margin-left:.45em;padding-left:.55em;border-left:1px dotted var(--dpt-border)!important}"
    ".dpt .dpt-tree div.dpt-row{padding-left:0!important}"
    ".dpt .dpt-detail{margin:2px 0 4px 1.5em}"
    ".dpt .dpt-detail>summary{color:var(--dpt-muted);cursor:pointer}"
    ".dpt .dpt-wf{flex:0 0 16em;height:.7em;margin:0!important;background:var(--dpt-track)!important;"
    "border-radius:2px}"
    ".dpt .dpt-bar{display:block;height:100%;min-width:1px;border-radius:2px;"
    "background:var(--dpt-bar)!important}"
    ".dpt .dpt-bar.llm{background:var(--dpt-llm)!important}"
    ".dpt .dpt-bar.error{background:var(--dpt-err)!important}"
    ".dpt .dpt-bar.running{background:var(--dpt-run)!important}"
    "</style>"
)


def esc(text: object) -> str:
    """Any untrusted value as HTML text: ``<``, ``>``, ``&`` and both quotes escaped."""
    return html.escape(str(text), quote=True)


# -- inline styles: fixed literals, plus the two percentages of a bar -----------
_LINE = "rgba(128,128,128,.45)"  # grey that shows on white and on near-black
PANEL_STYLE = (
    f"display:inline-block;border:1px solid {_LINE};border-radius:4px;padding:6px 10px;margin:0 0 6px"
)
TREE_STYLE = "max-width:80em"
KIDS_STYLE = f"margin-left:.45em;padding-left:.55em;border-left:1px dotted {_LINE}"
# A leaf row has no disclosure triangle: this keeps its name under its siblings'.
LEAF_STYLE = "padding-left:1.1em"
# Without the stylesheet a row is not a flex line: the track floats to the right.
TRACK_STYLE = "float:right;width:16em;height:.7em;margin-top:.35em;background:rgba(128,128,128,.2)"
DETAIL_STYLE = "margin:2px 0 4px 1.5em"
# JupyterLab's own table style right-aligns every cell: labels (first column, key/value) say left.
# Errors stay red where <style> is stripped: a mid red that reads on light and dark backgrounds.
ERROR_STYLE = "color:#e5534b"
ERR_CLASS = f'class="dpt-err" style="{ERROR_STYLE}"'
CELL_STYLE = "padding:1px 8px"
LEFT_CELL_STYLE = "padding:1px 8px;text-align:left"
TD = f'<td style="{CELL_STYLE}">'
TD_LEFT = f'<td style="{LEFT_CELL_STYLE}">'
TH = f'<th style="{CELL_STYLE}">'
TH_LEFT = f'<th style="{LEFT_CELL_STYLE}">'
# Mid-tone bar colours, readable on both themes; the stylesheet swaps in the theme's own.
BAR_COLOURS = {"ok": "#3b82f6", "llm": "#8b5cf6", "error": "#e5484d", "running": "#d49b1f"}
_BAR_REST = "display:block;height:100%;min-width:1px;background:"


def waterfall_style(offset: float, width: float, tone: str = "ok") -> str:
    """A timeline bar: its offset and width in percent of the block, two decimals, then its colour.

    Only these computed numbers and fixed literals ever go into a bar's style
    attribute, in this one shape (``margin-left:D.DD%;width:D.DD%`` first), so a
    notebook test can sanitize the numbers with one regular expression. The bar
    is placed by its margin inside the track, not by ``position``, so it needs
    nothing from the stylesheet. ``offset`` and ``width`` are fractions of the block.
    """
    return f"margin-left:{offset * 100:.2f}%;width:{width * 100:.2f}%;{_BAR_REST}{BAR_COLOURS[tone]}"
