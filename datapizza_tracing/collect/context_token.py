"""Leaving an OpenTelemetry context that may have been entered on another thread or asyncio task."""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context


def detach_quietly(token: Any) -> bool:
    """Detach ``token``; False, with nothing logged, when it belongs to another thread's or task's context.

    OpenTelemetry's ``detach`` logs an error with a traceback in that case, which reads as a crash
    to the user; the caller decides what to say instead.
    """
    var = getattr(token, "var", None)  # a contextvars.Token: OpenTelemetry's default runtime context
    if var is None:
        otel_context.detach(token)
        return True
    try:
        var.reset(token)  # what OpenTelemetry's detach does, without its log line on failure
    except ValueError:
        return False
    return True
