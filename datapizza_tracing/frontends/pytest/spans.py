"""Finding the spans of a trace by name or by kind, for assertions in tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...analysis.vocabulary import span_kind

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan

    from ..handle import TraceHandle


def find_spans(
    handle: TraceHandle, name: str | None = None, *, kind: str | None = None
) -> list[ReadableSpan]:
    """The finished spans of ``handle`` with exactly this ``name`` and/or ``kind``, in start order.

    ``kind`` is the role the span tree shows in brackets (``generation``, ``agent``,
    ``tool``, ``chat``, ``llm``, ...), read from any of the three attribute
    vocabularies the way the summary reads it; it is compared without case.
    Without ``name`` and ``kind`` every finished span is returned.
    """
    wanted_kind = kind.lower() if kind is not None else None
    found = [
        span
        for span in handle.get_spans()
        if (name is None or span.name == name)
        and (wanted_kind is None or span_kind(span.attributes or {}) == wanted_kind)
    ]
    found.sort(key=lambda span: span.start_time or 0)
    return found
