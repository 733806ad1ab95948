"""An exception as a reader wants it: type and message first, the user's own frames, library frames folded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..analysis.errors import ExceptionInfo, Frame
from ..analysis.masking import Masker, configured_masker
from .text import multi_line, one_line, with_count_of_rest

MESSAGE_LIMIT = 2_000
CODE_LIMIT = 160
LIBRARY_FRAMES_SHOWN = 30  # folded frames listed before "… N more"


@dataclass(frozen=True)
class FrameLine:
    location: str  # "agent.py:27 in best_pizzeria"
    code: str
    path: str  # the whole file path, for a pointer


@dataclass(frozen=True)
class ExceptionView:
    type: str
    message: str  # several lines kept; credentials masked
    frames: tuple[FrameLine, ...]  # the user's own frames, outermost first
    library_frames: tuple[FrameLine, ...]
    library_more: int  # library frames beyond those listed


def masked_elided(text: str, limit: int, masker: Masker, safe: Callable[[str], str] = one_line) -> str:
    """Untrusted ``text`` made ``safe``, credentials masked and cut at ``limit`` with a count of the rest.

    Masked before the cut (see ``Masker.head``), so a credential straddling it shows no part of itself."""
    shown, more = masker.head(text, limit)
    return with_count_of_rest(safe(shown), more)


def frame_line(frame: Frame, masker: Masker | None = None) -> FrameLine:
    """One frame; its source line is masked like a message (``connect(api_key="sk-…")`` is common)."""
    masker = masker if masker is not None else configured_masker()
    name = frame.file.replace("\\", "/").rsplit("/", 1)[-1]
    return FrameLine(
        one_line(f"{name}:{frame.line} in {frame.function}"),
        masked_elided(frame.code, CODE_LIMIT, masker),
        one_line(frame.file),
    )


def exception_view(info: ExceptionInfo, masker: Masker | None = None) -> ExceptionView:
    """``masker``: the render's; the configured one when none is handed."""
    masker = masker if masker is not None else configured_masker()
    library = info.library_frames
    return ExceptionView(
        type=one_line(info.type),
        message=masked_elided(info.message, MESSAGE_LIMIT, masker, multi_line),
        frames=tuple(frame_line(frame, masker) for frame in info.user_frames),
        library_frames=tuple(frame_line(frame, masker) for frame in library[:LIBRARY_FRAMES_SHOWN]),
        library_more=max(len(library) - LIBRARY_FRAMES_SHOWN, 0),
    )
