"""Trace files: saving a snapshot as OTLP JSON and loading files back into snapshots.

A saved file is one ``ExportTraceServiceRequest`` on a single line (see
``otlp_encode``), so it is also a valid file of the collector's ``file``
exporter, which writes one request per line. Loading reads either form (one
JSON document, or JSON lines). Several traces in one file become one
``TraceSnapshot`` each (``load_snapshots``); ``load_snapshot`` picks one of
them. Whatever is wrong with a file is reported as a ``TraceFileError`` naming
the file and the place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..analysis.masking import mask_snapshot
from ..model.build import snapshots_from_records
from ..model.gc_pause import gc_paused
from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from .block_metadata import take_block_metadata
from .otlp_decode import OtlpShapeError, json_int, records_from_request
from .otlp_encode import snapshot_to_otlp


class TraceFileError(ValueError):
    """A trace file that cannot be read: missing, not JSON, truncated, or not OTLP trace data."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"cannot load trace file {self.path!r}: {problem}")


def save_snapshot(snapshot: TraceSnapshot, path: str | os.PathLike[str], mask_secrets: bool = True) -> Path:
    """Write ``snapshot`` to ``path`` as OTLP JSON (replacing the file atomically); returns the path.

    Files get shared like notebooks do, so secrets are masked in them by the rule the views
    use (``analysis.masking``) unless ``mask_secrets`` is false.
    """
    target = Path(path)
    with gc_paused():  # the masked copy and the JSON-ready dicts: an object or two per attribute, no cycles
        if mask_secrets:
            snapshot = mask_snapshot(snapshot)
        document = snapshot_to_otlp(snapshot)
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    directory = target.parent if str(target.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text + "\n")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


def _parse(text: str, where: str) -> Any:
    """``json.loads``, its failures ``OtlpShapeError`` (but ``JSONDecodeError``, left to the caller)."""
    try:
        # Over-long integer literals become markers the OTLP reader names with their place.
        return json.loads(text, parse_int=json_int)
    except RecursionError:
        raise OtlpShapeError(where, "the JSON is nested too deeply to read") from None


def _documents(text: str) -> Iterable[tuple[str, Any]]:
    """(place, parsed JSON) for a single JSON document or for JSON lines."""
    try:
        yield "", _parse(text, "")
        return
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise OtlpShapeError("", _json_problem(text, error)) from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", _parse(line, f"line {number}")
        except json.JSONDecodeError as error:
            raise OtlpShapeError(f"line {number}", _json_problem(line, error)) from None


def _json_problem(text: str, error: json.JSONDecodeError) -> str:
    where = f"{error.msg}: line {error.lineno}, column {error.colno}"
    if error.pos >= len(text.rstrip()) or _unclosed(text):
        return f"the JSON ends early, the file looks truncated ({where})"
    return f"not valid JSON ({where})"


def _unclosed(text: str) -> bool:
    """Whether a string, object or array is still open at the end (a cut-off write)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return in_string or depth > 0


def read_records(path: str | os.PathLike[str]) -> list[SpanRecord]:
    """All spans in an OTLP JSON file (one request, or one request per line)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise TraceFileError(path, error.strerror or str(error)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TraceFileError(
            path, "not a text file (not UTF-8): is it protobuf or compressed OTLP?"
        ) from None
    if not text or text.isspace():  # isspace stops at the first other character; strip would copy
        raise TraceFileError(path, "the file is empty")
    try:
        records = [record for where, doc in _documents(text) for record in records_from_request(doc, where)]
    except OtlpShapeError as problem:
        raise TraceFileError(path, str(problem)) from None
    if not records:
        raise TraceFileError(path, "the file holds no spans")
    return records


def load_snapshots(path: str | os.PathLike[str]) -> list[TraceSnapshot]:
    """Every trace of an OTLP JSON file, one snapshot each, in order of first appearance."""
    with gc_paused():  # the parsed JSON and the records: millions of objects, no cycles
        return [take_block_metadata(snapshot) for snapshot in snapshots_from_records(read_records(path))]


def load_snapshot(path: str | os.PathLike[str], trace_id: str | None = None) -> TraceSnapshot:
    """One trace of an OTLP JSON file.

    A file written by ``save`` holds one trace. A collector's file exporter
    appends every trace it sees, so with several traces and no ``trace_id`` the
    one whose root started last (the most recent run) is loaded, and a note on
    the snapshot says how many others the file holds and how to pick one.
    """
    snapshots = load_snapshots(path)
    if trace_id is not None:
        wanted = trace_id.strip().lower()
        for snapshot in snapshots:
            if snapshot.trace_id_hex == wanted:
                return snapshot
        known = ", ".join(s.trace_id_hex for s in snapshots[:5])
        raise TraceFileError(path, f"no trace {trace_id!r} in the file (it holds: {known})")
    chosen = max(snapshots, key=lambda snapshot: snapshot.start_ns)
    if len(snapshots) > 1:
        note = (
            f"{os.fspath(path)} holds {len(snapshots)} traces; loaded the latest ({chosen.trace_id_hex}). "
            "Pass trace_id= to load another, or use load_all()."
        )
        chosen = dataclasses.replace(chosen, notes=(*chosen.notes, note))
    return chosen
