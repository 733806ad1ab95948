"""What only datapizza-tracing knows about a block, carried through OTLP on its root span.

OTLP has no field for "spans dropped over the cap" or for the block's notes,
so they ride on the root span as ``datapizza_tracing.*`` attributes when a
snapshot is saved, and are taken off again when it is loaded.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ..model.snapshot import TraceSnapshot

DROPPED_KEY = "datapizza_tracing.dropped_spans"
NOTES_KEY = "datapizza_tracing.notes"


def several_traces_note(path: str, traces: int, chosen: str) -> str:
    """The note on a trace loaded from a file of several: true of that load, so never saved with it."""
    return (
        f"{path} holds {traces} traces; loaded the latest ({chosen}). "
        "Pass trace_id= to load another, or use load_all()."
    )


# The path may have been masked since: only the parts this module wrote are matched.
_SEVERAL_TRACES_NOTE = re.compile(
    r".* holds \d+ traces; loaded the latest \([0-9a-f]{32}\)\. "
    r"Pass trace_id= to load another, or use load_all\(\)\.",
    re.DOTALL,
)


def block_metadata(snapshot: TraceSnapshot) -> dict[str, Any]:
    """The extra attributes the root span carries in a saved file."""
    extra: dict[str, Any] = {}
    if snapshot.dropped_spans:
        extra[DROPPED_KEY] = snapshot.dropped_spans
    notes = tuple(note for note in snapshot.notes if not _SEVERAL_TRACES_NOTE.fullmatch(note))
    if notes:
        extra[NOTES_KEY] = notes
    return extra


def take_block_metadata(snapshot: TraceSnapshot) -> TraceSnapshot:
    """``snapshot`` with the metadata moved off its root span into its own fields."""
    root = snapshot.root
    if root is None or (DROPPED_KEY not in root.attributes and NOTES_KEY not in root.attributes):
        return snapshot
    dropped = root.attributes.get(DROPPED_KEY, 0)
    notes = root.attributes.get(NOTES_KEY, ())
    clean = root._replace(
        attributes={k: v for k, v in root.attributes.items() if k not in (DROPPED_KEY, NOTES_KEY)}
    )
    saved_notes = tuple(str(note) for note in notes) if isinstance(notes, tuple) else ()
    return dataclasses.replace(
        snapshot,
        spans=tuple(clean if span.span_id == root.span_id else span for span in snapshot.spans),
        dropped_spans=dropped if type(dropped) is int and dropped > 0 else 0,
        # The block's saved notes first, then what loading found (repeated span ids, ...).
        notes=(*saved_notes, *snapshot.notes),
    )
