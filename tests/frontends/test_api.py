"""The public entry points: the shared ContextTracing, trace() arguments, the handle."""

from __future__ import annotations

import re

import pytest

from datapizza_tracing import ConfigError, ContextTracing, TraceHandle, TraceSummary
from tests.support.handle_spans import make_span
from tests.support.scenario_process import run_provider_scenario


def test_context_tracing_is_one_shared_instance() -> None:
    assert ContextTracing() is ContextTracing()


def test_handle_exposes_name_trace_id_spans_and_summary() -> None:
    with ContextTracing().trace("api") as handle:
        assert isinstance(handle, TraceHandle)
        assert not handle.finished
        make_span("step")
        live = handle.summary()
    assert handle.name == "api"
    assert re.fullmatch(r"[0-9a-f]{32}", handle.trace_id)
    assert {format(span.context.trace_id, "032x") for span in handle.get_spans()} == {handle.trace_id}
    summary = handle.summary()
    assert isinstance(summary, TraceSummary)
    assert (summary.name, summary.trace_id, summary.total_spans) == ("api", handle.trace_id, 2)
    assert summary.duration_s > 0 and summary.errors == () and summary.dropped_spans == 0
    assert not live.finished and summary.finished


def test_default_name_is_used_when_none_is_given() -> None:
    with ContextTracing().trace() as handle:
        pass
    assert isinstance(handle.name, str) and handle.name
    assert handle.summary().total_spans == 1


@pytest.mark.parametrize("name", [123, b"bytes", ["list"]])
def test_a_name_that_is_not_a_string_is_refused(name: object) -> None:
    with pytest.raises(TypeError, match="str"):
        ContextTracing().trace(name)  # type: ignore[arg-type]


@pytest.mark.parametrize("max_spans", [0, -5, 1.5, "100", True])
def test_a_bad_max_spans_is_refused(max_spans: object) -> None:
    with pytest.raises(ValueError, match="max_spans must be a positive int"):
        ContextTracing().trace("x", max_spans=max_spans)  # type: ignore[arg-type]


def test_a_bad_display_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="display='fancy'") as raised:
        ContextTracing().trace("x", display="fancy")
    for mode in ("auto", "terminal", "widget", "static", "off"):
        assert mode in str(raised.value)


def test_a_bad_display_environment_value_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_DISPLAY", "fancy")
    with pytest.raises(ConfigError, match="DATAPIZZA_TRACING_DISPLAY"):
        ContextTracing().trace("x")


@pytest.mark.parametrize("value", ["soon", "0"])
def test_a_bad_flush_timeout_stops_the_block_before_its_body_not_after(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    # Raised at the end, it would replace the exception of the traced code.
    monkeypatch.setenv("DATAPIZZA_TRACING_FLUSH_TIMEOUT_MS", value)
    ran = False
    with pytest.raises(ConfigError, match="DATAPIZZA_TRACING_FLUSH_TIMEOUT_MS"):
        with ContextTracing().trace("never"):
            ran = True
    assert not ran


@pytest.mark.parametrize("value", ["many", "-3"])
def test_a_bad_tree_limit_is_refused_before_the_body_runs(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    # Read only when the report is drawn, it would otherwise cost the user the report.
    monkeypatch.setenv("DATAPIZZA_TRACING_TREE_LIMIT", value)
    with pytest.raises(ConfigError, match="DATAPIZZA_TRACING_TREE_LIMIT"):
        ContextTracing().trace("never")


def test_a_trace_context_cannot_be_entered_twice() -> None:
    context = ContextTracing().trace("once")
    with context:
        pass
    with pytest.raises(RuntimeError, match="only once"):
        with context:
            pass


def test_with_opentelemetry_disabled_the_code_runs_and_the_summary_says_why() -> None:
    run = run_provider_scenario("sdk_disabled", env={"OTEL_SDK_DISABLED": "true"})
    assert run["value"] == 42
    assert run["finished"] is True
    assert run["total_spans"] == 0
    assert any("OTEL_SDK_DISABLED" in note for note in run["notes"])
    assert run["warnings"] == []


def test_every_public_name_resolves_and_importing_the_package_loads_no_sdk_nor_rich() -> None:
    import subprocess
    import sys

    import datapizza_tracing

    for name in datapizza_tracing.__all__:
        assert getattr(datapizza_tracing, name) is not None, name
    # pytest imports the package in every run for the plugin: the import itself must stay light.
    code = (
        "import sys, datapizza_tracing\n"
        "print(sorted(m for m in ('rich', 'opentelemetry.sdk') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
