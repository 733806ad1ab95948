"""The look of the static snapshot and the live view, and the HTML escaping they both use.

Most readers first see a snapshot *untrusted*: a notebook opened from a clone,
GitHub's preview, nbviewer. Those drop ``<style>`` and any inline style that
uses ``var()``. So everything that makes the view readable is written inline
with literal values that work on light and dark backgrounds: the row layout,
the aligned columns, the bars and their colours, the time axis, error red.
The stylesheet only adds what a trusted view can afford on top: text colours
from JupyterLab's theme, the disclosure arrow turning, a row highlight under
the pointer. Bar colours are the same literals in both, so a bar never
changes colour between the two.

Every rule is scoped under ``.dpt`` so nothing leaks into the rest of the page.
Inline styles are fixed literals, or computed numbers in one fixed shape each
(``margin-left:D.DD%;width:D.DD%`` for a bar, ``flex:0 0 D.DD%`` for an axis
segment, ``padding-left:D.DDem`` for a depth), so notebook tests can sanitize
them with a few regular expressions.
"""

from __future__ import annotations

import html

_LIGHT = (
    "--dpt-fg:var(--jp-content-font-color1,var(--vscode-editor-foreground,#1f2328));"
    "--dpt-hover:var(--jp-layout-color2,rgba(128,128,128,.12));"
)
_DARK = (
    "--dpt-fg:var(--jp-content-font-color1,var(--vscode-editor-foreground,#e6edf3));"
    "--dpt-hover:var(--jp-layout-color2,rgba(128,128,128,.18));"
)

STYLE = (
    "<style>"
    f".dpt{{{_LIGHT}color:var(--dpt-fg);line-height:1.45;overflow-wrap:anywhere;"
    "font-family:var(--jp-content-font-family,system-ui,-apple-system,'Segoe UI',sans-serif);"
    "font-size:var(--jp-content-font-size1,13px)}"
    f"@media (prefers-color-scheme:dark){{.dpt{{{_DARK}}}}}"
    ".dpt .dpt-title{font-weight:600}"
    ".dpt a{color:inherit;text-decoration:underline}"
    ".dpt table.dpt-table{border-collapse:collapse;margin:4px 0;table-layout:auto;font-size:inherit;"
    "color:var(--dpt-fg)}"
    ".dpt table.dpt-table th,.dpt table.dpt-table td{vertical-align:top;color:inherit;background:transparent}"
    ".dpt pre.dpt-val{margin:0;padding:0;white-space:pre-wrap;overflow-wrap:anywhere;max-height:24em;"
    "overflow:auto;font:inherit;background:transparent;color:inherit;border:0}"
    ".dpt summary{cursor:pointer}"
    ".dpt summary::-webkit-details-marker{display:none}"
    ".dpt summary.dpt-row:hover{background:var(--dpt-hover)}"
    ".dpt .dpt-tw{transition:transform .1s}"
    ".dpt details[open]>summary .dpt-tw{transform:rotate(90deg)}"
    "</style>"
)


def esc(text: object) -> str:
    """Any untrusted value as HTML text: ``<``, ``>``, ``&`` and both quotes escaped."""
    return html.escape(str(text), quote=True)


# -- inline literals -------------------------------------------------------------------
LINE = "rgba(128,128,128,.45)"  # grey that shows on white and on near-black
FAINT_LINE = "rgba(128,128,128,.22)"
MONO = "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace"
ERROR_STYLE = "color:#e5534b;font-weight:600"  # a mid red, readable on light and dark backgrounds
ERR_CLASS = f'class="dpt-error" style="{ERROR_STYLE}"'
# Each tone's colour as an inline literal that reads on light and dark backgrounds alike.
TONE_STYLES = {
    "muted": "opacity:.72",
    "kind": "opacity:.72",
    "warn": "color:#c18a1b;font-style:italic",
    "error": ERROR_STYLE,
    "bad": "color:#e5534b",
    "good": "color:#2ea043",
    "changed": "color:#c18a1b",
    "llm": "color:#8b5cf6",
}
MORE_STYLE = "opacity:.72;font-style:italic"

# Long unbroken text (a hash, an id, a prompt used as a name) breaks anywhere rather than widening the page
# past the notebook: on every box that holds names, inline, since untrusted views drop the stylesheet.
WRAP_ANYWHERE = "overflow-wrap:anywhere"
ROOT_STYLE = f"max-width:100%;{WRAP_ANYWHERE}"  # the outer .dpt box of every output
PANEL_STYLE = (
    f"display:inline-block;border:1px solid {LINE};border-radius:4px;padding:6px 10px;margin:0 0 6px;"
    f"max-width:100%;box-sizing:border-box;{WRAP_ANYWHERE}"
)
SECTION_STYLE = "margin:6px 0"
TABLE_STYLE = "border-collapse:collapse;margin:4px 0;max-width:100%"
# Numbers, titles and short text never break: a table too wide for the notebook narrows its long text
# cells instead, which break anywhere (a cell that may break at any letter would be squeezed to one).
CELL_STYLE = f"padding:1px 8px;border:1px solid {FAINT_LINE};text-align:right;white-space:nowrap"
LEFT_CELL_STYLE = f"padding:1px 8px;border:1px solid {FAINT_LINE};text-align:left;white-space:nowrap"
WRAP_CELL_STYLE = f"padding:1px 8px;border:1px solid {FAINT_LINE};text-align:left;{WRAP_ANYWHERE}"
WRAP_AFTER = 24  # characters of a text cell that may break; shorter ones keep one line
TD = f'<td style="{CELL_STYLE}">'
TD_LEFT = f'<td style="{LEFT_CELL_STYLE}">'
TD_WRAP = f'<td style="{WRAP_CELL_STYLE}">'
TH = f'<th style="{CELL_STYLE}">'
TH_LEFT = f'<th style="{LEFT_CELL_STYLE}">'
PRE_STYLE = "margin:0;white-space:pre-wrap;overflow-wrap:anywhere"
INLINE_PRE_STYLE = f"{PRE_STYLE};display:inline"

# The waterfall: every row is one flex line of the full width, so the numeric
# columns share their right edges whatever the depth, and the bar area is half
# of the line. Depth is the label's left padding, up to INDENT_DEPTH_MAX levels: the label's minimum width
# holds the deepest indentation, so however deep a row, its label needs no more room than any other's and
# the columns keep one right edge. Deeper rows name their depth ("12›"), as the terminal's guides do.
WATERFALL_STYLE = f"{MONO};font-size:11px;line-height:1.6;max-width:100%;overflow:hidden;{WRAP_ANYWHERE}"
ROW_STYLE = "display:flex;align-items:center;white-space:nowrap;min-height:1.55em"
HEADER_ROW_STYLE = f"{ROW_STYLE};border-bottom:1px solid {LINE};font-weight:600"
INDENT_EM = 1.1
INDENT_DEPTH_MAX = 6  # levels of indentation; deeper rows keep this one and show their depth
LABEL_NAME_EM = 4  # what a label keeps for the name however deep the row
LABEL_MIN_EM = INDENT_DEPTH_MAX * INDENT_EM + LABEL_NAME_EM
LABEL_STYLE_SHAPE = (
    f"flex:1 1 0;min-width:{LABEL_MIN_EM:.2f}em;box-sizing:border-box;overflow:hidden;"
    "text-overflow:ellipsis;padding-left:{indent:.2f}em"
)
DEPTH_MARK_STYLE = "opacity:.72;font-weight:400"
# Widths in em, not ch: JupyterLab's sanitizer drops a style in a unit it does not know, and it knows
# no "ch". At the waterfall's monospace size, 1ch is 0.6em.
# Duration "2m05.0s", Self "⌀ 120.3ms", Tokens "60,000→8,000", Cost "$0.000009": 7, 9, 12 and 9 characters.
# The title "Tokens in→out" is 13 characters. Widths in em, plus .4em padding each side.
COLUMN_WIDTHS = (4.8, 5.4, 8, 5.4)
CELL_SHAPE = "flex:0 0 {width}em;text-align:right;overflow:hidden;padding:0 .4em"
# Half of the line; on a line too narrow for the columns, the bars give up room (never the numbers).
BAR_AREA_STYLE = "flex:0 1 50%;min-width:0;box-sizing:border-box;padding:0 4px"
TWISTY_STYLE = "display:inline-block;width:1.2em;text-align:center"
# A faint grid at every axis tick, drawn by the track's own background.
TRACK_SHAPE = (
    "display:block;height:.85em;"
    "background:rgba(128,128,128,.1) "
    f"linear-gradient(to right,{FAINT_LINE} 1px,transparent 1px) 0 0/{{step:.2f}}% 100%"
)
AXIS_STYLE = "display:flex;width:100%"
AXIS_SEGMENT_SHAPE = (
    f"flex:0 0 {{width:.2f}}%;border-left:1px solid {LINE};padding-left:3px;box-sizing:border-box;"
    "overflow:hidden;font-weight:400;font-size:11px"
)
DETAIL_SHAPE = "padding:2px 0 6px {indent:.2f}em"
LEGEND_STYLE = "margin:4px 0 2px;font-size:11px"
SWATCH_SHAPE = (
    "display:inline-block;width:1.6em;height:.7em;margin:0 4px 0 10px;vertical-align:middle;"
    "background:{colour}"
)

# Details of a span: a conversation, an exception's frames.
MUTED_STYLE = "opacity:.72"
ROLE_STYLE = "display:inline-block;min-width:4em;font-weight:600;opacity:.8"
MESSAGE_STYLE = "margin:2px 0;padding-left:6px;border-left:2px solid rgba(128,128,128,.45)"
SUBTITLE_STYLE = "margin-top:4px"
CODE_LINE_STYLE = "padding-left:1.2em;opacity:.8"
FRAMES_STYLE = "padding-left:1.2em"

# The live view: every line one fixed height, so the view never jumps.
LIVE_STYLE = f"{MONO};font-size:12px;line-height:1.5;max-width:100%;{WRAP_ANYWHERE}"
LIVE_LINE_STYLE = "display:flex;white-space:nowrap;height:1.5em;overflow:hidden;gap:.6em"
LIVE_SECTION_STYLE = "height:1.5em;font-weight:600;margin-top:2px;font-family:inherit"
LIVE_TEXT_STYLE = "flex:1 1 0;min-width:0;overflow:hidden;text-overflow:ellipsis"
LIVE_DURATION_STYLE = "flex:0 0 6em;text-align:right"

# Bar colours by role: mid tones that read on light and dark backgrounds, the same trusted or not.
BAR_COLOURS = {
    "llm": "#8b5cf6",
    "tool": "#0ea5a4",
    "agent": "#3b82f6",
    "other": "#8a94a6",
    "error": "#e5484d",
    "running": "#d49b1f",
}
_BAR_SHAPE = "display:block;height:100%;min-width:2px;border-radius:2px;background:{colour}"
FAINT_BAR_STYLE = "opacity:.35"  # a bar off the critical path


def shown_depth(depth: int) -> int:
    """The depth a row is indented by: its own, up to ``INDENT_DEPTH_MAX``."""
    return min(depth, INDENT_DEPTH_MAX)


def depth_mark(depth: int) -> str:
    """What a row deeper than its indentation shows before its name: its depth, as the terminal does."""
    return f"{depth}› " if depth > INDENT_DEPTH_MAX else ""


def label_style(depth: int) -> str:
    return LABEL_STYLE_SHAPE.format(indent=shown_depth(depth) * INDENT_EM)


def cell_style(index: int) -> str:
    return CELL_SHAPE.format(width=COLUMN_WIDTHS[index])


def detail_style(depth: int) -> str:
    return DETAIL_SHAPE.format(indent=(shown_depth(depth) + 1) * INDENT_EM + 1.2)


def track_style(step: float) -> str:
    """The bar's track, with a faint line every ``step`` (a fraction of the block)."""
    return TRACK_SHAPE.format(step=max(step, 0.01) * 100)


def bar_style(offset: float, width: float, tone: str, faint: bool = False, group: bool = False) -> str:
    """A timeline bar: offset and width in percent of the block, two decimals, then its look.

    The bar is placed by its margin inside the track, not by ``position``, so
    it needs nothing from the stylesheet. ``offset`` and ``width`` are fractions.
    """
    colour = BAR_COLOURS[tone]
    if group:  # one bar for many spans: striped, from the first start to the last end
        colour = f"linear-gradient(90deg,{colour} 60%,transparent 60%) 0 0/5px 100%"
    style = f"margin-left:{offset * 100:.2f}%;width:{width * 100:.2f}%;" + _BAR_SHAPE.format(colour=colour)
    return style + (f";{FAINT_BAR_STYLE}" if faint else "")


def swatch_style(tone: str) -> str:
    return SWATCH_SHAPE.format(colour=BAR_COLOURS[tone])
