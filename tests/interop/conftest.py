"""Fixtures of the interop tests: the fake OpenAI API and a runner for scenarios.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_openai import FakeOpenAI
from tests.support.scenario_runner import ScenarioRun, run_scenario_script

SCENARIOS = Path(__file__).with_name("scenarios.py")
SCENARIO_TIMEOUT_S = 120

__all__ = ["ScenarioRun", "fake_api", "run_scenario"]


@pytest.fixture
def fake_api() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as api:
        yield api


def run_scenario(name: str, base_url: str, *args: str, env: dict[str, str] | None = None) -> ScenarioRun:
    """Run one scenario in a fresh interpreter (instrumentors and providers are process-wide)."""
    return run_scenario_script(SCENARIOS, name, base_url, *args, env=env, timeout_s=SCENARIO_TIMEOUT_S)
