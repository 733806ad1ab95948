"""One clear warning when code uses the library in a way it cannot fully honour.

The traced code always goes on: these are warnings, never exceptions, and they
point at the user's line, not at the library's or OpenTelemetry's frames.
"""

from __future__ import annotations

import sys
import warnings
from types import FrameType


class TracingUsageWarning(UserWarning):
    """datapizza-tracing was used in a way it cannot fully honour (the traced code still runs)."""


_INTERNAL_PACKAGES = frozenset({"datapizza_tracing", "contextlib", "opentelemetry", "threading"})


def _package_of(frame: FrameType) -> str:
    return frame.f_globals.get("__name__", "").split(".")[0]


def user_stacklevel() -> int:
    """For ``warnings.warn`` called by this function's caller: the ``stacklevel`` of the first frame
    outside the library, contextlib, threading and OpenTelemetry (the user's line)."""
    frame = sys._getframe(2)  # the caller of the function that calls warnings.warn: stacklevel 2
    level = 2
    while frame.f_back is not None and _package_of(frame) in _INTERNAL_PACKAGES:
        frame = frame.f_back
        level += 1
    return level


def warn_usage(message: str) -> None:
    warnings.warn(message, TracingUsageWarning, stacklevel=user_stacklevel())
