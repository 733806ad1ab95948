"""MLflow tracing (``mlflow-tracing``), with ``mlflow.openai.autolog()`` and ``@mlflow.trace``.

MLflow exports to a loopback OTLP sink here (it has no tracking server). Its
usage is one JSON attribute, ``mlflow.chat.tokenUsage``, without thinking tokens.

* ``MLFLOW_USE_DEFAULT_TRACER_PROVIDER=false``: MLflow puts its processors on the
  global provider and uses OpenTelemetry's context, so the block shows its spans.
* The default mode: MLflow's own provider *and* its own context. Its spans start
  traces of their own, so the block cannot hold them (its limit: the block shows
  only its root, and the MLflow spans stay in MLflow).
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.framework_runs import (
    CHAT_MODEL,
    CHAT_USAGE,
    assert_block_is_exactly_what_was_exported,
    assert_loopback_only,
    calls,
    run_framework,
)

# Each test starts an interpreter that imports a whole framework.
pytestmark = [pytest.mark.frameworks, pytest.mark.slow]


def test_on_the_global_provider_every_span_once_and_exact_tokens() -> None:
    run = run_framework("mlflow_global_provider")

    assert_loopback_only(run)
    assert_block_is_exactly_what_was_exported(run)
    assert run.names() == Counter({"mlflow_global": 1, "plan the day": 1, "Completions": 1})
    assert run.parent_name(run.only("Completions")) == "plan the day"
    assert run.parent_name(run.only("plan the day")) == "mlflow_global"
    # MLflow's usage has no thinking tokens: its figures, exactly.
    assert run.usage == {CHAT_MODEL: calls(CHAT_USAGE, 1, thinking=False)}
    # MLflow's own export still works: the sink got the block's spans.
    block_ids = {s["span_id"] for s in run.spans}
    assert block_ids <= {s["span_id"] for s in run.sink_spans}


def test_default_mode_spans_start_their_own_traces_so_the_block_shows_only_its_root() -> None:
    run = run_framework("mlflow_default_mode")

    assert_loopback_only(run)
    assert_block_is_exactly_what_was_exported(run)
    assert [s["name"] for s in run.spans] == ["mlflow_default"]
    assert run.usage == {}
    # The spans exist, in MLflow's provider, under a trace id of their own.
    mlflow_spans = run["mlflow_spans"]
    assert sorted(s["name"] for s in mlflow_spans) == ["Completions", "plan the day"]
    assert {s["trace_id"] for s in mlflow_spans} != {run["trace_id"]}
    assert len({s["trace_id"] for s in mlflow_spans}) == 1
    assert len(run.requests) == 1
