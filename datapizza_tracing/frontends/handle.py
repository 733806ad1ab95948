"""What a ``trace()`` block gives its caller, during the block and after it."""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan

from ..analysis.snapshot import TraceSnapshot
from ..analysis.summary import TraceSummary, summarize
from ..collect.block import TraceBlock
from ..collect.record import to_readable_span


class TraceHandle:
    """A traced block: live while it runs, its final result once it has ended.

    The handle keeps its own copy of the spans, so it stays usable after the
    collector has let go of them.
    """

    def __init__(self, block: TraceBlock) -> None:
        self._block = block

    @property
    def name(self) -> str:
        return self._block.name

    @property
    def trace_id(self) -> str:
        """The OpenTelemetry trace id as 32 hex characters (as tracing backends show it)."""
        return format(self._block.trace_id, "032x")

    @property
    def finished(self) -> bool:
        return self._block.finished

    def snapshot(self) -> TraceSnapshot:
        return self._block.snapshot()

    def summary(self) -> TraceSummary:
        """Figures of the block: so far while it runs, final after it has ended."""
        return summarize(self._block.snapshot())

    def get_spans(self) -> list[ReadableSpan]:
        """The finished spans of this block, as OpenTelemetry ``ReadableSpan``s."""
        return [to_readable_span(span) for span in self._block.snapshot().spans if span.end_ns is not None]

    def __repr__(self) -> str:
        state = "finished" if self.finished else "running"
        return f"<TraceHandle {self.name!r} trace_id={self.trace_id} {state}>"
