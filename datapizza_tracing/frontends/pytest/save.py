"""``--trace-save DIR``: a test's trace as an OTLP JSON file named after its test id."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..handle import TraceHandle

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_READABLE_CHARS = 120  # file names stay well under the usual 255-byte limit


def trace_file_name(nodeid: str) -> str:
    """``tests/test_a.py::test_b[x-1]`` → ``tests_test_a.py_test_b_x-1-<hash>.json``.

    Only letters, digits, ``.``, ``_`` and ``-`` are kept, so the name works on
    every file system and in shell globs. Replacing characters can make two ids
    look alike (``a/b`` and ``a_b``) and long ids are cut, so a short hash of the
    exact id keeps names distinct and the same from run to run.
    """
    readable = _UNSAFE.sub("_", nodeid).strip("._-")[:_READABLE_CHARS] or "test"
    digest = hashlib.sha1(nodeid.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{digest}.json"


def save_trace(handle: TraceHandle, directory: Path, nodeid: str) -> Path:
    """Write the trace into ``directory`` (created if missing); ``datapizza_tracing.load`` reads it back."""
    directory.mkdir(parents=True, exist_ok=True)
    return handle.save(directory / trace_file_name(nodeid))
