"""A span's details, shown when its row is opened: the conversation, the exception, the attributes."""

from __future__ import annotations

from ...analysis.masking import MASK
from ...views.exception import ExceptionView
from ...views.span_details import ConversationView, MessageView, SpanDetails
from ...views.text import plural
from .style import (
    CODE_LINE_STYLE,
    ERROR_STYLE,
    INLINE_PRE_STYLE,
    MESSAGE_STYLE,
    MORE_STYLE,
    MUTED_STYLE,
    PRE_STYLE,
    ROLE_STYLE,
    SECTION_STYLE,
    SUBTITLE_STYLE,
    TABLE_STYLE,
    TD_LEFT,
    TD_WRAP,
    WRAP_AFTER,
    esc,
)

LEFT_OUT = "details left out: the output size cap was reached"


def _more(chars: int) -> str:
    return (
        f'<span class="dpt-more" style="{MORE_STYLE}">… ({chars:,} more characters)</span>' if chars else ""
    )


def _message(message: MessageView) -> str:
    calls = "".join(
        f"<div>→ tool call <b>{esc(name)}</b>"
        f'<pre class="dpt-val" style="{PRE_STYLE}">{esc(arguments)}</pre></div>'
        for name, arguments in message.tool_calls
    )
    text = f'<pre class="dpt-val" style="{PRE_STYLE}">{esc(message.text)}</pre>' if message.text else ""
    return (
        f'<div class="dpt-msg" style="{MESSAGE_STYLE}"><span style="{ROLE_STYLE}">{esc(message.role)}</span>'
        f"{text}{_more(message.more_chars)}{calls}</div>"
    )


def conversation_html(view: ConversationView) -> str:
    earlier = (
        f'<div class="dpt-more" style="{MORE_STYLE}">… {view.input_more:,} earlier messages</div>'
        if view.input_more
        else ""
    )
    sent = "".join(_message(message) for message in view.input)
    answered = "".join(_message(message) for message in view.output)
    out = f'<div class="dpt-title">Conversation</div>{earlier}{sent}'
    if answered:
        out += f'<div class="dpt-title" style="{SUBTITLE_STYLE}">Answer</div>{answered}'
    return f'<div style="{SECTION_STYLE}">{out}</div>'


def _frame(location: str, code: str, path: str) -> str:
    source = f'<div style="{CODE_LINE_STYLE}">{esc(code)}</div>' if code else ""
    return f'<div title="{esc(path)}">{esc(location)}{source}</div>'


def frames_html(view: ExceptionView) -> str:
    """The user's frames, then the library's folded under one line."""
    frames = "".join(_frame(f.location, f.code, f.path) for f in view.frames)
    library = ""
    if view.library_frames:
        listed = "".join(_frame(f.location, f.code, f.path) for f in view.library_frames)
        more = (
            f'<div class="dpt-more" style="{MORE_STYLE}">… {view.library_more:,} more</div>'
            if view.library_more
            else ""
        )
        count = len(view.library_frames) + view.library_more
        summary = f'<summary style="{MORE_STYLE}">{plural(count, "library frame")}</summary>'
        library = f"<details>{summary}{listed}{more}</details>"
    return frames + library


def exception_html(view: ExceptionView) -> str:
    head = f'<div><span style="{ERROR_STYLE}">{esc(view.type)}</span>: '
    head += f'<pre class="dpt-val" style="{INLINE_PRE_STYLE}">{esc(view.message)}</pre></div>'
    return f'<div style="{SECTION_STYLE}">{head}{frames_html(view)}</div>'


def attributes_table(details: SpanDetails) -> str:
    rows = []
    for row in details.rows:
        if row.masked:
            value = f'<span class="dpt-masked" style="{MORE_STYLE}">{esc(MASK)}</span>'
        else:
            value = f'<pre class="dpt-val" style="{PRE_STYLE}">{esc(row.value)}</pre>{_more(row.more_chars)}'
        key = TD_WRAP if len(row.key) > WRAP_AFTER else TD_LEFT  # a short key keeps one line
        rows.append(f"<tr>{key}{esc(row.key)}</td>{TD_WRAP}{value}</td></tr>")
    if details.more is not None:
        rows.append(
            f'<tr><td colspan="2" class="dpt-more" style="{MORE_STYLE}">{esc(details.more)}</td></tr>'
        )
    if not rows:
        return ""
    return f'<table class="dpt-table dpt-kv" style="{TABLE_STYLE}"><tbody>{"".join(rows)}</tbody></table>'


def details_html(details: SpanDetails, fold_attributes: bool = True) -> str:
    """Conversation and exception first (what a reader opens a span for), then the attributes.

    The attributes fold under their own line unless the whole block is already folded
    (``fold_attributes=False``, for a parent row's own details).
    """
    if details.left_out:
        return f'<div class="dpt-more" style="{MORE_STYLE}">{LEFT_OUT}</div>'
    parts = []
    if details.conversation is not None:
        parts.append(conversation_html(details.conversation))
    if details.exception is not None:
        parts.append(exception_html(details.exception))
    table = attributes_table(details)
    if table and fold_attributes:
        table = f'<details><summary style="{MUTED_STYLE}">{esc(details.label)}</summary>{table}</details>'
    parts.append(table)
    return "".join(parts)
