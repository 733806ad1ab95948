"""An exception as a reader wants it: type and message first, the user's own frames, library frames folded."""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.errors import ExceptionInfo, Frame
from ..analysis.masking import scrub_text
from .text import elided, multi_line, one_line

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


def frame_line(frame: Frame) -> FrameLine:
    name = frame.file.replace("\\", "/").rsplit("/", 1)[-1]
    return FrameLine(
        one_line(f"{name}:{frame.line} in {frame.function}"),
        elided(one_line(frame.code), CODE_LIMIT),
        one_line(frame.file),
    )


def exception_view(info: ExceptionInfo) -> ExceptionView:
    library = info.library_frames
    return ExceptionView(
        type=one_line(info.type),
        message=elided(multi_line(scrub_text(info.message)), MESSAGE_LIMIT),
        frames=tuple(frame_line(frame) for frame in info.user_frames),
        library_frames=tuple(frame_line(frame) for frame in library[:LIBRARY_FRAMES_SHOWN]),
        library_more=max(len(library) - LIBRARY_FRAMES_SHOWN, 0),
    )
