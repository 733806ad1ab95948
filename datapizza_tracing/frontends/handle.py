"""What a ``trace()`` block gives its caller, during the block and after it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan

from ..analysis.dataframe import spans_dataframe
from ..analysis.summary import TraceSummary, summarize
from ..collect.block import TraceBlock
from ..collect.sdk_spans import to_readable_span
from ..model.snapshot import TraceSnapshot
from ..remote.link import RemoteLink
from ..render.rich.report import rich_report
from ..storage.files import load_snapshot, load_snapshots, save_snapshot
from ..views.report import trace_report
from .show import show_snapshot


class TraceHandle:
    """A traced block: live while it runs, its final result once it has ended.

    The handle keeps its own copy of the spans, so it stays usable after the
    collector has let go of them. A handle can also stand for a finished
    snapshot alone (``TraceHandle.from_snapshot``, what ``load()`` returns),
    with the same reading, rendering and comparing methods.
    """

    def __init__(self, block: TraceBlock, link: RemoteLink | None = None) -> None:
        self._block: TraceBlock | None = block
        self._final: TraceSnapshot | None = None
        self._link = link

    @classmethod
    def from_snapshot(cls, snapshot: TraceSnapshot) -> TraceHandle:
        """A handle over a snapshot taken earlier (from the history, or loaded from a file)."""
        handle = cls.__new__(cls)
        handle._block = None
        handle._final = snapshot
        handle._link = None
        return handle

    @property
    def name(self) -> str:
        return self._block.name if self._block is not None else self._final.name  # type: ignore[union-attr]

    @property
    def trace_id(self) -> str:
        """The OpenTelemetry trace id as 32 hex characters (as tracing backends show it)."""
        trace_id = self._block.trace_id if self._block is not None else self._final.trace_id  # type: ignore[union-attr]
        return format(trace_id, "032x")

    @property
    def otlp_endpoint(self) -> str | None:
        """The receiver of ``trace(receive=...)``, as ``OTEL_EXPORTER_OTLP_ENDPOINT`` takes it."""
        return self._link.endpoint if self._link is not None else None

    @property
    def otlp_traces_endpoint(self) -> str | None:
        """The same receiver's full URL, as ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` takes it."""
        return self._link.traces_endpoint if self._link is not None else None

    def stop_receiving(self) -> None:
        """Close the block's receiver now instead of at the end of the grace period."""
        if self._link is not None and self.finished:
            self._link.close()

    @property
    def finished(self) -> bool:
        if self._block is not None:
            return self._block.finished
        return self._final.finished  # type: ignore[union-attr]

    def snapshot(self) -> TraceSnapshot:
        if self._block is not None:
            return self._block.snapshot()
        return self._final  # type: ignore[return-value]

    def summary(self) -> TraceSummary:
        """Figures of the block: so far while it runs, final after it has ended."""
        return summarize(self.snapshot())

    def get_spans(self) -> list[ReadableSpan]:
        """The finished spans of this block, as OpenTelemetry ``ReadableSpan``s."""
        return [to_readable_span(span) for span in self.snapshot().spans if span.end_ns is not None]

    def save(self, path: str | os.PathLike[str], *, mask_secrets: bool = True) -> Path:
        """Write the trace as OTLP JSON (what collectors accept); ``datapizza_tracing.load`` reads it back.

        Secrets are masked in the file as in the notebook output (credential-named attributes, keys and
        passwords inside text); ``mask_secrets=False`` keeps every value as recorded.
        """
        return save_snapshot(self.snapshot(), path, mask_secrets=mask_secrets)

    def to_dataframe(self) -> Any:
        """A pandas DataFrame, one row per span (needs pandas)."""
        return spans_dataframe(self.snapshot())

    def report(self) -> Any:
        """The terminal report (summary panel, span tree, time table) as a rich renderable."""
        return rich_report(trace_report(self.snapshot()))

    def show(self) -> None:
        """Show the report: a static HTML snapshot in a notebook, rich output in a terminal."""
        show_snapshot(self.snapshot())

    def __rich__(self) -> Any:
        return self.report()

    def __repr__(self) -> str:
        state = "finished" if self.finished else "running"
        return f"<TraceHandle {self.name!r} trace_id={self.trace_id} {state}>"


def load(path: str | os.PathLike[str], trace_id: str | None = None) -> TraceHandle:
    """A saved trace file (OTLP JSON, also a collector's file-exporter output) as a finished handle.

    With several traces in the file, the latest one is loaded unless ``trace_id``
    names another (its snapshot's notes say so); ``load_all`` returns every one.
    Unreadable files raise ``TraceFileError`` naming the file and the problem.
    """
    return TraceHandle.from_snapshot(load_snapshot(path, trace_id))


def load_all(path: str | os.PathLike[str]) -> list[TraceHandle]:
    """Every trace of a saved file, one handle each, in file order."""
    return [TraceHandle.from_snapshot(snapshot) for snapshot in load_snapshots(path)]
