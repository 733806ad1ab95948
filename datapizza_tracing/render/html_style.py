"""The look shared by the static snapshot and the live view, and the escaping they both use.

Colours come from JupyterLab's theme variables, so the output follows the light
and dark themes; each has a fallback for places without them (nbconvert's
classic template, nbviewer, VS Code), picked by ``prefers-color-scheme``.
Semantic colours (error, running) use JupyterLab's own error/warn variables,
which each theme keeps readable on its background.

Every rule is scoped under ``.dpt`` so nothing leaks into the rest of the page.
Places that strip ``<style>`` (GitHub's notebook preview) still get a readable,
collapsible tree: structure never depends on the stylesheet.
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
    ".dpt .dpt-panel{border:1px solid var(--dpt-border);border-radius:4px;padding:6px 10px;"
    "margin:0 0 6px;display:inline-block;max-width:100%;box-sizing:border-box}"
    ".dpt .dpt-title{font-weight:600;margin-bottom:2px}"
    ".dpt .dpt-muted,.dpt .dpt-kind,.dpt .dpt-dur{color:var(--dpt-muted)}"
    ".dpt .dpt-err{color:var(--dpt-err);font-weight:600}"
    ".dpt .dpt-run,.dpt .dpt-more{color:var(--dpt-run);font-style:italic}"
    ".dpt .dpt-tok{color:var(--dpt-llm)}"
    ".dpt .dpt-crit{color:var(--dpt-run)}"
    ".dpt a{color:var(--dpt-bar)}"
    ".dpt table.dpt-table{border-collapse:collapse;margin:4px 0;table-layout:auto;font-size:inherit;color:var(--dpt-fg)}"
    ".dpt table.dpt-table th,.dpt table.dpt-table td{border:1px solid var(--dpt-border);padding:1px 8px;"
    "text-align:right;vertical-align:top;color:inherit;background:transparent}"
    ".dpt table.dpt-table th:first-child,.dpt table.dpt-table td:first-child{text-align:left}"
    ".dpt table.dpt-kv td{text-align:left}"
    ".dpt table.dpt-kv td:first-child{white-space:nowrap;color:var(--dpt-muted)}"
    ".dpt pre.dpt-val{margin:0;padding:0;white-space:pre-wrap;overflow-wrap:anywhere;max-height:24em;"
    "overflow:auto;font:inherit;background:transparent;color:inherit;border:0}"
    ".dpt .dpt-masked{color:var(--dpt-muted);font-style:italic}"
    ".dpt .dpt-tree{font-family:var(--jp-code-font-family,ui-monospace,SFMono-Regular,Menlo,Consolas,monospace);"
    "font-size:var(--jp-code-font-size,12px);max-width:80em}"
    ".dpt .dpt-tree details{margin:0}"
    ".dpt .dpt-row{display:flex;align-items:center;gap:.5em;min-height:1.45em;list-style:none}"
    ".dpt summary.dpt-row{cursor:pointer}"
    ".dpt summary.dpt-row::-webkit-details-marker{display:none}"
    ".dpt .dpt-row::before{content:'';flex:0 0 1em}"
    ".dpt summary.dpt-row::before{content:'\\25B8'}"
    ".dpt details[open]>summary.dpt-row::before{content:'\\25BE'}"
    ".dpt .dpt-label{flex:1 1 auto;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}"
    ".dpt .dpt-kids{margin-left:.45em;padding-left:.55em;border-left:1px dotted var(--dpt-border)}"
    ".dpt .dpt-detail{margin:2px 0 4px 1.5em}"
    ".dpt .dpt-detail>summary{color:var(--dpt-muted);cursor:pointer}"
    ".dpt .dpt-wf{flex:0 0 16em;position:relative;height:.7em;background:var(--dpt-track);border-radius:2px}"
    ".dpt .dpt-bar{position:absolute;top:0;bottom:0;min-width:1px;border-radius:2px;background:var(--dpt-bar)}"
    ".dpt .dpt-bar.llm{background:var(--dpt-llm)}"
    ".dpt .dpt-bar.error{background:var(--dpt-err)}"
    ".dpt .dpt-bar.running{background:var(--dpt-run)}"
    "</style>"
)


def esc(text: object) -> str:
    """Any untrusted value as HTML text: ``<``, ``>``, ``&`` and both quotes escaped."""
    return html.escape(str(text), quote=True)


def waterfall_style(offset_ns: int, duration_ns: int, total_ns: int) -> str:
    """``left``/``width`` of a timeline bar, in percent of the block, always two decimals.

    Only these computed numbers ever go into a style attribute, in this one
    shape, so a notebook test can sanitize them with one regular expression.
    """
    total = max(total_ns, 1)
    left = min(max(offset_ns / total, 0.0), 1.0) * 100
    width = min(max(duration_ns / total, 0.0), 1.0 - left / 100) * 100
    return f"left:{left:.2f}%;width:{width:.2f}%"
