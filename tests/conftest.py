"""Shared test setup: quiet output by default, a clean env for each test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _quiet_display(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests that check output ask for it; the rest should not print panels.
    monkeypatch.setenv("DATAPIZZA_TRACING_DISPLAY", "off")
    monkeypatch.delenv("DATAPIZZA_TRACE_CLIENT_IO", raising=False)
