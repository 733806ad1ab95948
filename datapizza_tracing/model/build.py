"""Snapshots from a flat list of span records (a file, a backend, a receiver): one per trace id."""

from __future__ import annotations

from collections.abc import Sequence

from .record import SpanRecord
from .snapshot import TraceSnapshot
from .span_graph import acyclic_parents, first_span_per_id, repeated_ids_note


def snapshots_from_records(records: Sequence[SpanRecord], name: str | None = None) -> list[TraceSnapshot]:
    """One snapshot per trace id, in order of first appearance.

    The root of a trace is its span without a parent (the earliest, if several;
    a span whose parent is not in the file when the trace is partial, or the
    earliest span of a parent cycle). Other top-level spans hang under it as in
    a live block. Spans repeating an id are left out with a note (see ``span_graph``).
    """
    by_trace: dict[int, list[SpanRecord]] = {}
    for record in records:
        by_trace.setdefault(record.trace_id, []).append(record)
    snapshots: list[TraceSnapshot] = []
    for trace_id, all_spans in by_trace.items():
        spans, repeated = first_span_per_id(all_spans)
        parents = acyclic_parents(spans)
        tops = [span for span in spans if span.parent_id == 0] or [
            span for span in spans if parents[span.span_id] not in parents or parents[span.span_id] == 0
        ]
        root = min(tops, key=lambda span: span.start_ns)
        if len(tops) == 1:
            start, end = root.start_ns, root.end_ns
        else:
            start = min(span.start_ns for span in tops)
            ends = [span.end_ns for span in tops]
            end = None if None in ends else max(ends)  # type: ignore[type-var]
        ordered = [span for span in spans if span.end_ns is not None] + [s for s in spans if s.end_ns is None]
        latest = max(max(span.end_ns or span.start_ns for span in spans), start)
        snapshots.append(
            TraceSnapshot(
                name=name if name is not None else root.name,
                trace_id=trace_id,
                root_span_id=root.span_id,
                spans=tuple(ordered),
                start_ns=start,
                end_ns=end,
                taken_ns=end if end is not None else latest,
                notes=(repeated_ids_note(repeated),) if repeated else (),
            )
        )
    return snapshots
