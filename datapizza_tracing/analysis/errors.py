"""Errors as a reader thinks of them: one exception, raised once, propagated through its callers.

OpenTelemetry marks every span an exception leaves as failed, so one
``ValueError`` raised in ``classify`` and propagating through ``loader`` and the
cell's root span is three failed spans. Here it is one error: its origin (the
deepest failed span that did not fail because a child did), the spans it
propagated through, and the exception as recorded: type, message and the
stack frames parsed from ``exception.stacktrace``, each marked as the user's
own code or a library's.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model.record import ERROR, SpanRecord
from ..model.snapshot import TraceSnapshot
from ..model.span_graph import first_spans_by_id

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]*)", line (?P<line>\d+), in (?P<function>.*)$')
# Paths of code the user did not write: installed packages, the standard library, frozen modules.
_LIBRARY_PATH = re.compile(
    r"[\\/](site|dist)-packages[\\/]|[\\/]lib[\\/]python\d[\d.]*[\\/]|^<frozen |[\\/]datapizza_tracing[\\/]"
)


@dataclass(frozen=True)
class Frame:
    file: str
    line: int
    function: str
    code: str  # the source line, when the traceback had it
    library: bool  # an installed package's or the standard library's frame, not the user's


@dataclass(frozen=True)
class ExceptionInfo:
    type: str
    message: str
    frames: tuple[Frame, ...]  # outermost first, as Python prints them

    @property
    def user_frames(self) -> tuple[Frame, ...]:
        return tuple(frame for frame in self.frames if not frame.library)

    @property
    def library_frames(self) -> tuple[Frame, ...]:
        return tuple(frame for frame in self.frames if frame.library)


@dataclass(frozen=True)
class SpanError:
    """One error: where it was raised, the spans it then failed on its way out, what it was."""

    origin: SpanRecord
    through: tuple[SpanRecord, ...]  # nearest caller first
    exception: ExceptionInfo | None

    @property
    def summary(self) -> str:
        """``"ValueError: bad input"``, from the recorded exception or the span's status."""
        if self.exception is not None:
            return (
                f"{self.exception.type}: {self.exception.message}"
                if self.exception.message
                else self.exception.type
            )
        return self.origin.status_message or "error"


def parse_frames(stacktrace: str) -> tuple[Frame, ...]:
    """The frames of a Python traceback as ``traceback.format_exception`` writes it."""
    frames: list[Frame] = []
    lines = stacktrace.splitlines()
    for index, line in enumerate(lines):
        match = _FRAME.match(line)
        if match is None:
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        code = following.strip() if following.startswith("    ") and not _FRAME.match(following) else ""
        path = match.group("file")
        frames.append(
            Frame(
                path,
                int(match.group("line")),
                match.group("function"),
                code,
                bool(_LIBRARY_PATH.search(path)),
            )
        )
    return tuple(frames)


def _text(attributes: Mapping[str, Any], key: str) -> str:
    value = attributes.get(key)
    return value if isinstance(value, str) else "" if value is None else str(value)


def exception_of(span: SpanRecord) -> ExceptionInfo | None:
    """The last exception recorded on ``span`` (its ``exception`` event), if any."""
    for event in reversed(span.events):
        if event.name == "exception":
            attributes = event.attributes
            return ExceptionInfo(
                _text(attributes, "exception.type") or "Exception",
                _text(attributes, "exception.message"),
                parse_frames(_text(attributes, "exception.stacktrace")),
            )
    return None


def _signature(span: SpanRecord) -> tuple[str, str]:
    info = exception_of(span)
    if info is not None:
        return info.type, info.message
    return "", span.status_message or ""


def _same_error(parent: SpanRecord, child: SpanRecord) -> bool:
    """Whether ``parent`` failed because ``child`` did (the exception passed through it)."""
    parent_sig, child_sig = _signature(parent), _signature(child)
    if parent_sig == child_sig:
        return True
    message = child_sig[1]
    return bool(message) and message in (parent.status_message or "")


_STATUS = operator.attrgetter("status")


def span_errors(snapshot: TraceSnapshot) -> list[SpanError]:
    """One ``SpanError`` per exception raised in the block, origins in start order."""
    return snapshot.derived("span_errors", lambda: _span_errors(snapshot))


def _span_errors(snapshot: TraceSnapshot) -> list[SpanError]:
    # A repeated id keeps its earliest-started span, as in the tree: a later copy is left out.
    by_id = first_spans_by_id(snapshot)
    spans = by_id.values()
    failed = {
        span.span_id: span
        for span in itertools.compress(spans, [status == ERROR for status in map(_STATUS, spans)])
    }
    if not failed:
        return []
    propagated: set[int] = set()  # failed spans that failed because a child did
    for span in failed.values():
        parent = failed.get(span.parent_id)
        if parent is not None and parent.span_id != span.span_id and _same_error(parent, span):
            propagated.add(parent.span_id)
    errors = []
    for span in sorted(failed.values(), key=lambda s: s.start_ns):
        if span.span_id in propagated:
            continue
        through = []
        seen = {span.span_id}
        child = span
        parent = by_id.get(child.parent_id)
        while parent is not None and parent.span_id in propagated and parent.span_id not in seen:
            if not _same_error(parent, child):
                break
            through.append(parent)
            seen.add(parent.span_id)
            child, parent = parent, by_id.get(parent.parent_id)
        errors.append(SpanError(span, tuple(through), exception_of(span)))
    return errors
