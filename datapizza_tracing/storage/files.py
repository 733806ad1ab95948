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
import errno
import json
import os
import re
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..analysis.masking import mask_snapshot
from ..analysis.regular_files import not_regular, read_regular_file
from ..model.build import snapshots_from_records
from ..model.gc_pause import gc_paused
from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from .block_metadata import several_traces_note, take_block_metadata
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
    use (``analysis.masking``) unless ``mask_secrets`` is false. A symlink is followed (the file it
    leads to is replaced, the link stays), a file that is replaced keeps its permissions, a new file
    gets those of ``open(path, "w")``. A path that is not a regular file (a folder, a FIFO, a device,
    a socket) is refused with an ``OSError`` naming it, before anything is opened.
    """
    target = Path(path)
    with gc_paused():  # the masked copy and the JSON-ready dicts: an object or two per attribute, no cycles
        if mask_secrets:
            snapshot = mask_snapshot(snapshot)
        data = _json_bytes(snapshot_to_otlp(snapshot))
    _replace_file(target, data)
    return target


def _json_bytes(document: Any) -> bytes:
    """One line of UTF-8 JSON; ASCII escapes only when a string holds a lone surrogate.

    A model reply cut inside an emoji's escape pair (``"\\ud83d"``) leaves a lone surrogate, which
    UTF-8 cannot encode; ``\\ud83d`` escapes in JSON can, and load back to the same string.
    """
    options: dict[str, Any] = {"separators": (",", ":"), "allow_nan": False}
    try:
        return (json.dumps(document, ensure_ascii=False, **options) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(document, ensure_ascii=True, **options) + "\n").encode("ascii")


def _replace_file(target: Path, data: bytes) -> None:
    """Write ``data`` beside the file ``target`` leads to, then rename it over that file."""
    real = Path(os.path.realpath(target))
    existing = _existing_regular_file(target, real)
    try:
        fd, temporary = _create_temporary(real)
    except OSError as error:  # named after the path asked for, not the temporary file
        raise _save_error(target, error.errno or errno.EIO, error.strerror or str(error)) from None
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        if existing is not None:
            _keep_owner_and_mode(temporary, existing)
        os.replace(temporary, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _keep_owner_and_mode(temporary: str, existing: os.stat_result) -> None:
    """The file replaced keeps its mode, and its owner and group where this process may set them."""
    created = os.stat(temporary)
    owner = (existing.st_uid, existing.st_gid)
    if owner != (created.st_uid, created.st_gid) and hasattr(os, "chown"):
        with contextlib.suppress(OSError):  # chown first: it may clear set-id bits that chmod then restores
            os.chown(temporary, *owner)
    os.chmod(temporary, stat.S_IMODE(existing.st_mode))


def _existing_regular_file(target: Path, real: Path) -> os.stat_result | None:
    """The status of the regular file at ``real``, ``None`` if there is none yet; anything else refused.

    Checked before opening anything: opening a FIFO for writing blocks until a reader comes, and a
    rename over a device node or a pipe would replace it with a plain file.
    """
    where = f" (it leads to {os.fspath(real)})" if os.fspath(real) != os.path.abspath(target) else ""

    def refuse(error_number: int, why: str) -> OSError:
        return _save_error(target, error_number, why + where)

    try:
        info = os.stat(real)
    except FileNotFoundError:
        if not real.parent.is_dir():
            raise refuse(errno.ENOENT, f"the folder {os.fspath(real.parent)} does not exist") from None
        return None
    except OSError as error:
        raise refuse(error.errno or errno.EINVAL, error.strerror or str(error)) from None
    if stat.S_ISDIR(info.st_mode):
        raise refuse(errno.EISDIR, "it is a folder, not a file")
    kind = not_regular(info.st_mode)
    if kind is not None:
        raise refuse(errno.EINVAL, f"it is {kind}, and saving would replace it with a plain file")
    return info


def _save_error(target: Path, error_number: int, why: str) -> OSError:
    """An ``OSError`` of the errno's own subclass (``IsADirectoryError``, ...) naming the path asked for."""
    return OSError(error_number, f"cannot save a trace there: {why}", os.fspath(target))


def _create_temporary(real: Path) -> tuple[int, str]:
    """A new file next to ``real``, created with mode 0o666 so the umask applies as for ``open(path, "w")``.

    ``tempfile.mkstemp`` would make it 0o600 whatever the umask. Its name does not grow with ``real``'s:
    any name a folder takes (up to 255 bytes) can be saved to.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        temporary = os.fspath(real.with_name(f".datapizza-trace-{secrets.token_hex(8)}.tmp"))
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", os.fspath(real.parent))


def _parse(text: str, where: str) -> Any:
    """``json.loads``, its failures ``OtlpShapeError`` (but ``JSONDecodeError``, left to the caller)."""
    try:
        # Over-long integer literals become markers the OTLP reader names with their place.
        return json.loads(text, parse_int=json_int)
    except RecursionError:
        raise OtlpShapeError(where, "the JSON is nested too deeply to read") from None


_SPACE = re.compile(r"[ \t\n\r]*")  # what JSON allows between documents


def _documents(text: str) -> Iterable[tuple[str, Any]]:
    """(place, parsed JSON) for a single JSON document, or for several one after another: JSON
    lines, or pretty-printed documents written back to back (``jq . requests.jsonl``)."""
    try:
        yield "", _parse(text, "")
        return
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise OtlpShapeError("", _json_problem(text, error)) from None
    decoder = json.JSONDecoder(parse_int=json_int)
    at, line, counted_to = 0, 1, 0
    while True:
        at = _SPACE.match(text, at).end()
        if at == len(text):
            return
        line += text.count("\n", counted_to, at)
        counted_to = at
        where = f"line {line}"
        try:
            document, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as error:
            raise OtlpShapeError(where, _json_problem(text, error, text[at:])) from None
        except RecursionError:
            raise OtlpShapeError(where, "the JSON is nested too deeply to read") from None
        yield where, document


def _json_problem(text: str, error: json.JSONDecodeError, document: str | None = None) -> str:
    """What is wrong; ``document`` is the failing one of several in ``text`` (the whole text if none)."""
    where = f"{error.msg}: line {error.lineno}, column {error.colno}"
    if error.pos >= len(text.rstrip()) or _unclosed(text if document is None else document):
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
        data = read_regular_file(path)  # a FIFO or a device would block or stream without end
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
        note = several_traces_note(os.fspath(path), len(snapshots), chosen.trace_id_hex)
        chosen = dataclasses.replace(chosen, notes=(*chosen.notes, note))
    return chosen
