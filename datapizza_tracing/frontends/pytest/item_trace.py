"""One test's trace block: opened when ``traced`` is set up, closed when the test function returns.

The block is closed at the end of the call, not at fixture teardown, so the
failure section, the budget check and the saved file all see the finished
trace; fixture teardowns run outside it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from opentelemetry import context as otel_context

from ..context import ContextTracing
from ..handle import TraceHandle


class ItemTrace:
    """The trace block of one test item."""

    def __init__(self, name: str) -> None:
        # display="off" whatever DATAPIZZA_TRACING_DISPLAY says: a test run shows the
        # trace in the failure report instead of printing a panel for every test.
        self._block = ContextTracing().trace(name, display="off")
        self.handle: TraceHandle = self._block.__enter__()
        self._inside = otel_context.get_current()
        self.finished = False

    def finish(self, error: BaseException | None = None) -> None:
        """End the block (once); ``error`` is what the test raised, recorded on the root span."""
        if self.finished:
            return
        self.finished = True
        if isinstance(error, (pytest.skip.Exception, pytest.xfail.Exception)):
            error = None  # a skip is an outcome, not an error of the traced code
        if error is None:
            self._block.__exit__(None, None, None)
        else:
            self._block.__exit__(type(error), error, error.__traceback__)

    def run_coroutine_inside(
        self, function: Callable[..., Coroutine[Any, Any, Any]]
    ) -> Callable[..., Coroutine[Any, Any, Any]]:
        """``function`` made to run its coroutine inside the block, whatever context the loop runs it in.

        anyio's plugin runs every test coroutine in one long-lived runner task whose
        context was copied when the runner started, possibly in another test, so the
        thread's current context (where the fixture opened the block) never reaches it.
        """
        inside = self._inside

        @functools.wraps(function)
        async def inside_block(*args: Any, **kwargs: Any) -> Any:
            token = otel_context.attach(inside)
            try:
                return await function(*args, **kwargs)
            finally:
                otel_context.detach(token)

        return inside_block
