"""The span tree as a rich ``Tree``: name, duration, status, capped with an explicit tail."""

from __future__ import annotations

from rich.text import Text
from rich.tree import Tree

from ..analysis.critical_path import critical_path_ids
from ..model.snapshot import TraceSnapshot
from ..analysis.tree import build_tree, walk
from ..analysis.vocabulary import llm_call, span_kind
from ..model.record import SpanRecord
from .formatting import format_duration, more_spans_line
from .masking import scrub_text

CRITICAL_MARK = "◆ "  # prefixes spans on the critical path (see analysis/critical_path.py)


def span_label(span: SpanRecord, now_ns: int, critical: bool = False) -> Text:
    label = Text(CRITICAL_MARK, style="bold yellow") if critical else Text()
    label.append(span.name, style="bold red" if span.is_error else "bold")
    kind = span_kind(span.attributes)
    if kind:
        label.append(f" [{kind}]", style="cyan")
    seconds = span.duration_ns(now_ns) / 1e9
    if span.end_ns is None:
        label.append(f"  running {format_duration(seconds)}…", style="yellow")
    else:
        label.append(f"  {format_duration(seconds)}", style="dim")
    call = llm_call(span.attributes)
    if call is not None:
        label.append(f"  {call.model} {call.prompt_tokens}→{call.completion_tokens} tok", style="magenta")
    if span.is_error:
        # Error messages can quote credentials (a rejected API key): mask them as the HTML does.
        label.append("  ✗ " + scrub_text(span.status_message or "error"), style="red")
    return label


def span_tree(snapshot: TraceSnapshot, limit: int) -> Tree | None:
    """The tree of at most ``limit`` spans, then "… N more spans" for the rest."""
    root = build_tree(snapshot)
    if root is None:
        return None
    now = snapshot.end_ns or snapshot.taken_ns
    critical = critical_path_ids(snapshot)
    branches: dict[int, Tree] = {}
    for _, node, parent in walk(root, limit):
        label = span_label(node.span, now, node.span.span_id in critical)
        if parent is None:
            branches[node.span.span_id] = Tree(label, guide_style="dim")
        else:
            branches[node.span.span_id] = branches[parent.span.span_id].add(label)
    tree = branches[root.span.span_id]
    hidden = len(snapshot.spans) + snapshot.dropped_spans - len(branches)
    if hidden > 0:
        tree.add(Text(more_spans_line(hidden), style="italic yellow"))
    return tree
