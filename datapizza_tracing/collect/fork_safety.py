"""Module locks a forked child gets afresh.

A process pool forks from whatever thread submits work, while other threads may
hold one of the library's locks (attaching to a provider, starting a flush). In
the child those threads are gone and their locks would stay held for ever: the
child's first block would hang. Each module lock is replaced in the child.
"""

from __future__ import annotations

import os
from collections.abc import Callable, MutableMapping
from typing import Any


def renew_after_fork(namespace: MutableMapping[str, Any], name: str, make: Callable[[], Any]) -> None:
    """In every forked child, set ``namespace[name]`` (a module's globals) to a new ``make()``."""
    if hasattr(os, "register_at_fork"):

        def renew() -> None:
            namespace[name] = make()

        os.register_at_fork(after_in_child=renew)
