"""The static snapshot of a block: summary panel and span tree as self-contained HTML.

This is what stays in a saved notebook, so it needs no JavaScript and no widget
state: the tree folds with ``<details>``, the timeline is CSS. It renders the
same figures as the terminal report (``render_plain`` *is* that report), and
every piece of text that came from a span goes through ``esc``.

Output is bounded whatever the trace: the tree stops at ``tree_limit`` spans
with an explicit "… N more spans" line, attribute tables exist only for shown
spans and share one character budget, and the totals above are always exact.

Varying figures have one textual form each so notebook tests can sanitize
them: durations as ``format_duration`` writes them, the trace id as 32 hex
digits, timeline bars as ``margin-left:D.DD%;width:D.DD%``.

Layout that must survive a sanitizer dropping ``<style>`` is also written
inline (see ``html_style``), as fixed literals.
"""

from __future__ import annotations

from .. import config
from ..model.snapshot import TraceSnapshot
from ..analysis.summary import TraceSummary, summarize
from ..analysis.tree import build_tree, walk
from ..analysis.vocabulary import llm_call, span_kind
from ..model.record import SpanRecord
from .formatting import format_count, format_duration, more_spans_line
from .html_attributes import AttributeBudget, attributes_label, attributes_table, has_details
from .html_extras import CRITICAL_MARK, critical_span_ids, extra_sections, token_table_html
from .html_style import (
    DETAIL_STYLE,
    ERR_CLASS,
    KIDS_STYLE,
    LEAF_STYLE,
    PANEL_STYLE,
    STYLE,
    TRACK_STYLE,
    TREE_STYLE,
    esc,
    waterfall_style,
)
from .masking import Masker, scrub_text
from .panel import trace_url
from .report import render_text, trace_report

ATTRIBUTE_BUDGET_CHARS = 600_000  # all attribute tables of one render together
OPEN_DEPTH = 2  # spans this shallow start unfolded; deeper ones only on the way to an error
STATUS_MESSAGE_LIMIT = 300
ERRORS_LISTED = 5


def render_html(snapshot: TraceSnapshot, *, tree_limit: int | None = None) -> str:
    """The block as one ``<div>``: panel, span tree (at most ``tree_limit`` spans), extra tables."""
    limit = tree_limit if tree_limit is not None else config.tree_limit()
    summary = summarize(snapshot)
    masker = Masker()
    tree, shown = _tree_html(snapshot, limit, masker)
    hidden = summary.total_spans - shown
    parts = [
        f'<div class="dpt dpt-static" data-trace-id="{summary.trace_id}">',
        STYLE,
        _panel_html(summary, masker),
        tree,
    ]
    if hidden > 0 and shown:
        parts.append(
            f'<div class="dpt-more">{more_spans_line(hidden)}'
            f'<span class="dpt-muted"> (the tree shows the first {shown:,};'
            f" set {config.TREE_LIMIT_ENV} to show more)</span></div>"
        )
    parts.extend(extra_sections(snapshot))
    parts.append("</div>")
    return "".join(parts)


def render_plain(snapshot: TraceSnapshot, *, tree_limit: int | None = None) -> str:
    """The terminal report as text: what a reader without HTML sees (and what nbval compares)."""
    return render_text(trace_report(snapshot, tree_limit)).rstrip("\n")


def static_bundle(snapshot: TraceSnapshot, *, tree_limit: int | None = None) -> dict[str, str]:
    """The MIME bundle a notebook keeps: ``text/html`` and a real ``text/plain``."""
    return {
        "text/html": render_html(snapshot, tree_limit=tree_limit),
        "text/plain": render_plain(snapshot, tree_limit=tree_limit),
    }


# -- panel -------------------------------------------------------------------
def _panel_html(summary: TraceSummary, masker: Masker) -> str:
    title = f"Trace Summary of {esc(summary.name)}"
    if not summary.finished:
        title += ' <span class="dpt-run">(running)</span>'
    lines = [f'<div class="dpt-title">{title}</div>']
    spans = f"Total Spans: <b>{format_count(summary.total_spans)}</b>"
    if summary.dropped_spans:
        spans += f' <span class="dpt-run">({format_count(summary.dropped_spans)} dropped over the span cap)</span>'
    if summary.running_spans and summary.finished:
        spans += f' <span class="dpt-run">({format_count(summary.running_spans)} still running at the end)</span>'
    lines.append(f"<div>{spans}</div>")
    lines.append(f"<div>Duration: <b>{format_duration(summary.duration_s)}</b></div>")
    if summary.errors:
        lines.append(f'<div {ERR_CLASS}>Errors: {len(summary.errors):,}</div>')
        for span in summary.errors[:ERRORS_LISTED]:
            lines.append(f'<div {ERR_CLASS}>✗ {esc(span.name)}: {_status_message(span)}</div>')
        if len(summary.errors) > ERRORS_LISTED:
            lines.append(f'<div class="dpt-more">… {len(summary.errors) - ERRORS_LISTED:,} more errors</div>')
    url = trace_url(summary.trace_id)
    if url:
        lines.append(f"<div>Trace: {_link(url)}</div>")
    lines.extend(f'<div class="dpt-run">{esc(note)}</div>' for note in summary.notes)
    if summary.usage:
        lines.append(token_table_html(summary))
    lines.append(f'<div class="dpt-muted">trace id {summary.trace_id}</div>')
    return f'<div class="dpt-panel" style="{PANEL_STYLE}">{"".join(lines)}</div>'


def _link(url: str) -> str:
    # The template comes from the environment, but a "javascript:" URL would
    # still run on click: only web links become links.
    if url.lower().startswith(("https://", "http://")):
        return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(url)}</a>'
    return esc(url)


def _status_message(span: SpanRecord) -> str:
    message = scrub_text(span.status_message or "error")
    if len(message) > STATUS_MESSAGE_LIMIT:
        message = f"{message[:STATUS_MESSAGE_LIMIT]}… ({len(message) - STATUS_MESSAGE_LIMIT:,} more characters)"
    return esc(message)


# -- tree --------------------------------------------------------------------
def _tree_html(snapshot: TraceSnapshot, limit: int, masker: Masker) -> tuple[str, int]:
    """The nested ``<details>`` tree of the first ``limit`` spans (depth first) and how many it shows."""
    root = build_tree(snapshot)
    if root is None:
        return "", 0
    timeline = _Timeline(snapshot)
    unfold = _ancestors_of_errors(snapshot)
    critical = critical_span_ids(snapshot)
    budget = AttributeBudget(ATTRIBUTE_BUDGET_CHARS)
    out = [f'<div class="dpt-tree" style="{TREE_STYLE}">']
    open_depths: list[int] = []  # depths of spans whose children container is still open
    shown = 0
    for depth, node, _ in walk(root, limit):
        while open_depths and open_depths[-1] >= depth:
            open_depths.pop()
            out.append("</div></details>")
        shown += 1
        span = node.span
        row = _row_html(span, timeline, span.span_id in critical)
        if node.children:
            unfolded = " open" if depth < OPEN_DEPTH or span.span_id in unfold else ""
            details = (
                f'<details class="dpt-detail" style="{DETAIL_STYLE}"><summary>{attributes_label(span)}</summary>'
                f"{attributes_table(span, masker, budget)}</details>"
                if has_details(span)
                else ""
            )
            out.append(
                f'<details class="dpt-span"{unfolded}><summary class="dpt-row">{row}</summary>'
                f'{details}<div class="dpt-kids" style="{KIDS_STYLE}">'
            )
            open_depths.append(depth)
        elif has_details(span):
            table = attributes_table(span, masker, budget)
            out.append(
                f'<details class="dpt-span"><summary class="dpt-row">{row}</summary>'
                f'<div class="dpt-detail" style="{DETAIL_STYLE}">{table}</div></details>'
            )
        else:
            out.append(f'<div class="dpt-row" style="{LEAF_STYLE}">{row}</div>')
    out.extend("</div></details>" for _ in open_depths)
    out.append("</div>")
    return "".join(out), shown


class _Timeline:
    """Where a span sits on the block's timeline."""

    def __init__(self, snapshot: TraceSnapshot) -> None:
        self.start_ns = snapshot.start_ns
        self.now_ns = snapshot.end_ns or snapshot.taken_ns
        self.total_ns = max(self.now_ns - self.start_ns, 1)

    def bar(self, span: SpanRecord, css_class: str) -> str:
        offset = span.start_ns - self.start_ns
        duration = span.duration_ns(self.now_ns)
        title = f"starts at +{format_duration(max(offset, 0) / 1e9)}, runs {format_duration(duration / 1e9)}"
        style = waterfall_style(offset, duration, self.total_ns, css_class)
        return (
            f'<span class="dpt-wf" title="{title}" style="{TRACK_STYLE}">'
            f'<span class="dpt-bar {css_class}" style="{style}"></span></span>'
        )


def _row_html(span: SpanRecord, timeline: _Timeline, critical: bool) -> str:
    attributes = span.attributes
    parts = [f'<span class="dpt-crit" title="on the critical path">{CRITICAL_MARK}</span>'] if critical else []
    parts.append(f'<b {ERR_CLASS}>{esc(span.name)}</b>' if span.is_error else f"<b>{esc(span.name)}</b>")
    kind = span_kind(attributes)
    if kind:
        parts.append(f'<span class="dpt-kind">[{esc(kind)}]</span>')
    seconds = span.duration_ns(timeline.now_ns) / 1e9
    running = span.end_ns is None
    if running:
        parts.append(f'<span class="dpt-run">running {format_duration(seconds)}…</span>')
    else:
        parts.append(f'<span class="dpt-dur">{format_duration(seconds)}</span>')
    call = llm_call(attributes)
    if call is not None:
        parts.append(
            f'<span class="dpt-tok">{esc(call.model)} '
            f"{format_count(call.prompt_tokens)}→{format_count(call.completion_tokens)} tok</span>"
        )
    if span.is_error:
        parts.append(f'<span {ERR_CLASS}>✗ {_status_message(span)}</span>')
    bar_class = "error" if span.is_error else "running" if running else "llm" if call is not None else "ok"
    return f'<span class="dpt-label" title="{esc(span.name)}">{" ".join(parts)}</span>{timeline.bar(span, bar_class)}'


def _ancestors_of_errors(snapshot: TraceSnapshot) -> set[int]:
    """Spans to unfold so that every failed span is visible without clicking."""
    errors = [span for span in snapshot.spans if span.is_error]
    if not errors:
        return set()
    parent_of = {span.span_id: span.parent_id for span in snapshot.spans}
    unfold: set[int] = set()
    for span in errors:
        parent = span.parent_id
        while parent and parent not in unfold:
            unfold.add(parent)
            parent = parent_of.get(parent, 0)
    return unfold


__all__ = ["render_html", "render_plain", "static_bundle"]
