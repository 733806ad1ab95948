"""Running ``tests/frameworks/scenarios.py`` and checking what every framework test checks.

The frameworks can live in another interpreter than the one running pytest
(``DATAPIZZA_TEST_FRAMEWORKS_PYTHON``, e.g. a virtualenv made with
``--system-site-packages``): the scenario process is what imports them.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from datapizza_tracing.demo.fake_openai_server import CHAT_USAGE, RESPONSES_USAGE, FakeOpenAI, Usage
from tests.support.otlp_sink import OtlpSink
from tests.support.scenario_process import REPO_ROOT, ScenarioRun, run_script

SCENARIOS = REPO_ROOT / "tests" / "frameworks" / "scenarios.py"
PYTHON_ENV = "DATAPIZZA_TEST_FRAMEWORKS_PYTHON"
CHAT_MODEL = "gpt-4o-mini"
RESPONSES_MODEL = "gpt-5-mini"

# Frameworks phone home unless told not to; the loopback guard would refuse it
# and the tests would fail on the recorded attempt.
QUIET_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "LOGFIRE_SEND_TO_LOGFIRE": "false",
}


class FrameworkRun:
    """A finished scenario plus the requests the fake API and the OTLP sink received."""

    def __init__(self, run: ScenarioRun, requests: list[Any], sink_spans: list[dict[str, str]]) -> None:
        self.run = run
        self.requests = requests
        self.sink_spans = sink_spans

    def __getitem__(self, key: str) -> Any:
        return self.run[key]

    @property
    def usage(self) -> dict[str, dict[str, int]]:
        return self.run.usage

    @property
    def spans(self) -> list[dict[str, Any]]:
        return self.run["spans"]

    def names(self) -> Counter[str]:
        return Counter(span["name"] for span in self.spans)

    def only(self, name: str) -> dict[str, Any]:
        (span,) = [span for span in self.spans if span["name"] == name]
        return span

    def parent_name(self, span: dict[str, Any]) -> str | None:
        by_id = {s["span_id"]: s["name"] for s in self.spans}
        return by_id.get(span["parent_id"]) if span["parent_id"] else None


def run_framework(
    name: str, *, env: dict[str, str] | None = None, latency_s: float = 0.0, timeout_s: float = 180
) -> FrameworkRun:
    """Run one scenario against a fresh fake OpenAI API (and an OTLP sink) on loopback."""
    python = os.environ.get(PYTHON_ENV, "").strip() or None
    with FakeOpenAI(latency_s=latency_s) as api, OtlpSink() as sink:
        run = run_script(
            Path(SCENARIOS),
            name,
            api.base_url,
            "--sink",
            sink.base_url,
            env={**QUIET_ENV, **(env or {})},
            python=python,
            timeout_s=timeout_s,
        )
        return FrameworkRun(run, api.requests, sink.received())


def span_key(span: dict[str, Any]) -> tuple[str, str | None, str]:
    return (span["span_id"], span["parent_id"], span["name"])


def assert_block_is_exactly_what_was_exported(run: FrameworkRun) -> None:
    """The block holds every span of its trace the providers made, each once, and nothing else."""
    block = [span_key(span) for span in run.spans]
    exported = [span_key(span) for span in run["exported"]]
    assert len(block) == len(set(block)), f"a span recorded twice: {block}"
    assert sorted(block) == sorted(exported)
    assert run["total_spans"] == len(block)


def assert_loopback_only(run: FrameworkRun) -> None:
    assert run["attempts"] == [], run["attempts"]


def calls(usage: Usage, count: int, *, thinking: bool = True) -> dict[str, int]:
    """The summary's figures for ``count`` calls that each returned ``usage``."""
    return {
        "prompt_tokens": usage.prompt_tokens * count,
        "completion_tokens": usage.completion_tokens * count,
        "cached_tokens": usage.cached_tokens * count,
        "thinking_tokens": usage.reasoning_tokens * count if thinking else 0,
        "calls": count,
        "cache_write_tokens": 0,
    }


__all__ = [
    "CHAT_MODEL",
    "CHAT_USAGE",
    "RESPONSES_MODEL",
    "RESPONSES_USAGE",
    "FrameworkRun",
    "assert_block_is_exactly_what_was_exported",
    "assert_loopback_only",
    "calls",
    "run_framework",
    "span_key",
]
