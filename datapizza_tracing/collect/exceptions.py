"""Describing an exception without trusting it: its ``__str__`` may raise.

OpenTelemetry's ``record_exception`` and an f-string both call ``str(exc)``; an
exception whose ``__str__`` raises would then replace the caller's exception.
"""

from __future__ import annotations

import traceback
from typing import Any

UNPRINTABLE = "<exception str() failed>"  # what Python's own traceback prints in that case


def exception_text(exc: BaseException) -> str:
    """``str(exc)``, or a placeholder when that raises."""
    try:
        return str(exc)
    except Exception:
        return UNPRINTABLE


def exception_attributes(exc: BaseException) -> dict[str, Any]:
    """The attributes of an OpenTelemetry ``exception`` event, each read defensively."""
    kind = type(exc)
    module = getattr(kind, "__module__", None)
    qualified = f"{module}.{kind.__qualname__}" if module and module != "builtins" else kind.__qualname__
    try:
        stacktrace = "".join(traceback.format_exception(exc))  # prints <exception str() failed> itself
    except Exception:
        stacktrace = ""
    return {
        "exception.type": qualified,
        "exception.message": exception_text(exc),
        "exception.stacktrace": stacktrace,
        "exception.escaped": "True",
    }
