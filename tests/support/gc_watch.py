"""Whether the cyclic garbage collector was on each time a function ran."""

from __future__ import annotations

import gc
from typing import Any

import pytest


def gc_states_seen_by(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[bool]:
    """Wrap ``owner.name`` for the test; the returned list gets ``gc.isenabled()`` at each call."""
    seen: list[bool] = []
    real = getattr(owner, name)

    def watched(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, watched)
    return seen
