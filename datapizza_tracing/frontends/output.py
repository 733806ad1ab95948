"""Where output can go in this process: a Jupyter kernel, another IPython shell, or a plain terminal."""

from __future__ import annotations

import sys
from typing import Protocol

from ..model.snapshot import TraceSnapshot


class TraceView(Protocol):
    """Shows a block: opened when the block starts, finished with its final snapshot."""

    def finish(self, snapshot: TraceSnapshot) -> None: ...


def shell_name() -> str | None:
    """The class name of the running IPython shell, or ``None`` outside IPython."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    return type(shell).__name__ if shell is not None else None


def in_jupyter_kernel() -> bool:
    """Whether code runs in a Jupyter kernel (rich and we decide it by the shell class)."""
    return shell_name() == "ZMQInteractiveShell"
