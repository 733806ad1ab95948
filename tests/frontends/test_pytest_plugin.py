"""The pytest plugin the way users meet it: pytest in a subprocess, the plugin loaded from its entry point.

Each run is a fresh interpreter (OpenTelemetry's global provider is set once per
process) running this checkout's code; see ``tests/support/pytest_plugin_runs.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import datapizza_tracing
from datapizza_tracing.analysis.cost import cost_breakdown
from datapizza_tracing.analysis.summary import TokenUsage

from ..support.pytest_plugin_runs import REPO_ROOT, PluginRunner, read_reports, write_entry_point_metadata

pytest_plugins = ["pytester"]

SECTION = "datapizza-tracing: trace of this test"
# FakeLLMClient counts about four characters a token: a prompt of 40 characters is 10
# prompt tokens, and its "ok" reply is 1 completion token.
ASK = """
from datapizza_tracing.demo import FakeLLMClient

def ask(model, chars, latency_s=0.0):
    return FakeLLMClient(model, latency_s=latency_s, reply=lambda prompt: "ok").invoke("x" * chars)
"""


@pytest.fixture(scope="module")
def entry_point_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_entry_point_metadata(tmp_path_factory.mktemp("site"))


@pytest.fixture
def runner(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, entry_point_site: Path
) -> PluginRunner:
    return PluginRunner(pytester, monkeypatch, entry_point_site)


def _dollars(usage: dict[str, TokenUsage]) -> str:
    return f"${cost_breakdown(usage).total:.6f}"


def test_the_plugin_loads_from_its_entry_point_and_a_plain_run_shows_and_does_nothing(
    runner: PluginRunner,
) -> None:
    plugin_file = REPO_ROOT / "datapizza_tracing" / "frontends" / "pytest_plugin.py"
    runner.pytester.makepyfile(
        test_plain=f"""
        import sys
        from opentelemetry import trace

        def test_this_checkouts_plugin_is_registered_under_its_entry_point_name(request):
            plugin = request.config.pluginmanager.get_plugin("datapizza_tracing")
            assert plugin is not None
            assert plugin.__file__ == {str(plugin_file)!r}

        def test_passes():
            pass

        def test_fails():
            assert 1 == 2

        def test_nothing_was_set_up_or_loaded():
            # No tracer provider installed, no collector, none of the plugin's working parts imported.
            assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"
            parts = {{name.rsplit(".", 1)[-1] for name in sys.modules
                     if name.startswith("datapizza_tracing.frontends.pytest.")}}
            assert parts <= {{"names", "spans"}}, parts
        """
    )
    result = runner.run("-rA")
    result.assert_outcomes(passed=3, failed=1)
    # Everything the plugin prints starts so: summary title, section title, notes.
    assert "datapizza-tracing:" not in result.stdout.str()


@pytest.mark.slow
def test_p_no_entry_point_name_turns_the_plugin_off(runner: PluginRunner) -> None:
    runner.pytester.makepyfile(test_off="def test_uses_the_fixture(traced):\n    pass\n")
    result = runner.run("-p", "no:datapizza_tracing")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'traced' not found*"])


def test_a_failed_test_gets_its_trace_report_a_passing_one_does_not_and_the_run_sums_up(
    runner: PluginRunner,
) -> None:
    runner.pytester.makepyfile(
        test_agent=ASK
        + """
def test_passes(traced):
    ask("gpt-4o-mini", 40)
    ask("o4-mini", 120)

def test_fails(traced):
    ask("gpt-4o-mini", 80)
    assert False, "the agent answered badly"

def test_untraced():
    ask("gpt-4o-mini", 4000)
"""
    )
    recorded = runner.write_report_recorder()
    result = runner.run("-rA")  # -rA would also print sections of passing tests
    result.assert_outcomes(passed=2, failed=1)
    reports = read_reports(recorded)

    assert reports["test_passes", "call"]["sections"] == []
    assert reports["test_untraced", "call"]["sections"] == []
    sections = [text for title, text in reports["test_fails", "call"]["sections"] if title == SECTION]
    assert len(sections) == 1
    section = sections[0]
    assert "Trace Summary of test_agent.py::test_fails" in section
    assert re.search(r"gpt-4o-mini[\s│]+1[\s│]+20[\s│]+1[\s│]+0[\s│]+0[\s│]+\$0\.00000", section), section
    assert re.search(r"gpt-4o-mini invoke\s+\S+\s+20→1", section), section  # its row in the waterfall
    assert "AssertionError: the agent answered badly ⏎ assert False — raised in" in section  # the one error
    assert sum(SECTION in line for line in result.stdout.lines) == 1

    # The session summary: tokens and cost per model over the traced tests only.
    mini, o4 = TokenUsage(30, 2, 0, 0, 2), TokenUsage(30, 1, 0, 0, 1)
    result.stdout.re_match_lines(
        [
            r"=+ datapizza-tracing: 2 traced tests =+",
            r"model\s+calls\s+prompt\s+cached\s+completion\s+thinking\s+cost",
            rf"gpt-4o-mini\s+2\s+30\s+0\s+2\s+0\s+{re.escape(_dollars({'gpt-4o-mini': mini}))}",
            rf"o4-mini\s+1\s+30\s+0\s+1\s+0\s+{re.escape(_dollars({'o4-mini': o4}))}",
            rf"total\s+3\s+60\s+0\s+3\s+0\s+{re.escape(_dollars({'gpt-4o-mini': mini, 'o4-mini': o4}))}",
        ]
    )


def test_the_handle_holds_the_test_body_and_works_with_the_users_own_blocks(
    runner: PluginRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.pytester.makepyfile(
        test_handle=ASK
        + """
import pytest
from datapizza_tracing import ContextTracing, last_trace, tool_span
from datapizza_tracing.frontends.pytest import find_spans

HANDLES = {}

@pytest.fixture
def warmed_up_client():
    ask("gpt-4o", 400)  # set up before the block opens
    yield
    ask("gpt-4o", 400)  # torn down after it closed

@pytest.fixture
def agent(traced):
    ask("o4-mini", 40)  # a fixture that asks for the trace is set up inside it
    return traced

def test_handle(traced, warmed_up_client, agent):
    assert agent is traced
    assert traced.name == "test_handle.py::test_handle" and not traced.finished
    ask("gpt-4o-mini", 40)
    with tool_span("search"):
        ask("gpt-4o-mini", 80)
    usage = traced.summary().usage
    assert usage["gpt-4o-mini"].prompt_tokens == 30 and usage["gpt-4o-mini"].calls == 2
    assert usage["o4-mini"].calls == 1 and "gpt-4o" not in usage
    generations = find_spans(traced, kind="generation")
    expected = ["o4-mini invoke", "gpt-4o-mini invoke", "gpt-4o-mini invoke"]
    assert [span.name for span in generations] == expected
    assert [span.name for span in find_spans(traced, "search")] == ["search"]
    assert [span.name for span in find_spans(traced, "gpt-4o-mini invoke", kind="GENERATION")] == [
        "gpt-4o-mini invoke", "gpt-4o-mini invoke"]
    assert find_spans(traced, "search", kind="generation") == []
    HANDLES["test_handle"] = traced

def test_after_the_test_the_handle_is_final():
    handle = HANDLES["test_handle"]
    assert handle.finished and last_trace() is handle
    assert "gpt-4o" not in handle.summary().usage  # the teardown call came after the block
    root = [span for span in handle.get_spans() if span.name == handle.name]
    assert len(root) == 1 and root[0].status.is_ok

def test_skips_in_the_body(traced):
    HANDLES["skipped"] = traced
    ask("gpt-4o-mini", 40)
    pytest.skip("not today")

def test_a_skip_is_not_an_error_of_the_trace():
    handle = HANDLES["skipped"]
    assert handle.finished and handle.summary().errors == ()
    assert handle.summary().usage["gpt-4o-mini"].calls == 1

def test_nested_user_block(traced):
    with ContextTracing().trace("inner") as inner:
        ask("gpt-4o-mini", 40)
    ask("gpt-4o-mini", 40)
    assert inner.trace_id == traced.trace_id
    assert inner.summary().usage["gpt-4o-mini"].calls == 1
    assert traced.summary().usage["gpt-4o-mini"].calls == 2
    assert last_trace() is inner
"""
    )
    monkeypatch.setenv("DATAPIZZA_TRACING_DISPLAY", "terminal")
    result = runner.run("-s")
    result.assert_outcomes(passed=4, skipped=1)
    output = result.stdout.str()
    assert "Trace Summary of inner" in output  # the user's block follows DATAPIZZA_TRACING_DISPLAY
    assert "Trace Summary of test_handle.py" not in output  # the plugin's blocks never print


def test_budgets_pass_fail_with_the_measured_value_and_contributors_and_reject_unknown_names(
    runner: PluginRunner,
) -> None:
    runner.pytester.makepyfile(
        test_budget=ASK
        + """
import pytest

def three_calls():
    ask("gpt-4o-mini", 400)
    ask("gpt-4o", 200)
    ask("o4-mini", 40)

@pytest.mark.trace_budget(prompt_tokens=160, completion_tokens=3, total_tokens=163, cost_usd=0.01,
                          llm_calls=3, duration_s=60)
def test_within_budget():
    three_calls()

@pytest.mark.trace_budget(prompt_tokens=159, llm_calls=3)
def test_over_budget():
    three_calls()

@pytest.mark.trace_budget(cost_usd=0.000001)
def test_over_cost(traced):
    ask("gpt-4o", 4000)

@pytest.mark.trace_budget(prompt_tokens=100)
def test_fails_and_is_over_budget():
    three_calls()
    assert False, "wrong answer"

@pytest.mark.trace_budget(cost_usd=1)
def test_unpriced_model():
    ask("my-finetune", 40)

@pytest.mark.trace_budget(prompt_token=100)
def test_unknown_budget_name():
    raise AssertionError("never runs")
"""
    )
    runner.pytester.makepyfile(
        test_closest=ASK
        + """
import pytest

pytestmark = pytest.mark.trace_budget(llm_calls=0, prompt_tokens=0)

@pytest.mark.trace_budget(llm_calls=1)
def test_own_mark_wins_limit_by_limit():
    ask("gpt-4o-mini", 40)
"""
    )
    runner.pytester.makepyfile(
        test_whole_module=ASK
        + """
import pytest

pytestmark = pytest.mark.usefixtures("traced")

def test_traced_without_asking():
    ask("gpt-4o-mini", 40)
"""
    )
    recorded = runner.write_report_recorder()
    result = runner.run("--trace-save", "traces", "--trace-save-all")
    result.assert_outcomes(passed=2, failed=5, errors=1)
    reports = read_reports(recorded)
    loaded = [datapizza_tracing.load(path) for path in (runner.path / "traces").iterdir()]
    saved = {handle.name.rsplit("::", 1)[-1]: handle for handle in loaded}

    over = reports["test_over_budget", "call"]["longrepr"]
    measured = saved["test_over_budget"].summary().total_usage.prompt_tokens
    assert measured == 160
    assert over.splitlines() == [
        "trace_budget exceeded",
        "  prompt_tokens: 160 > limit 159",
        "    biggest contributors:",
        "      100 (62%)  gpt-4o-mini invoke  [gpt-4o-mini]",
        "      50 (31%)  gpt-4o invoke  [gpt-4o]",
        "      10 (6%)  o4-mini invoke  [o4-mini]",
    ]
    assert SECTION in dict(reports["test_over_budget", "call"]["sections"])  # a budget failure is a failure

    cost = _dollars(saved["test_over_cost"].summary().usage)
    over_cost = reports["test_over_cost", "call"]
    assert f"cost_usd: {cost} > limit $0.000001" in over_cost["longrepr"]
    assert f"{cost} (100%)  gpt-4o invoke  [gpt-4o]" in over_cost["longrepr"]
    assert cost in dict(over_cost["sections"])[SECTION]  # the summary panel shows the same figure

    both = reports["test_fails_and_is_over_budget", "call"]
    assert (
        "AssertionError: wrong answer" in both["longrepr"] and "trace_budget exceeded" not in both["longrepr"]
    )
    assert "trace_budget also exceeded:\n  prompt_tokens: 160 > limit 100" in dict(both["sections"])[SECTION]

    unpriced = reports["test_unpriced_model", "call"]["longrepr"]
    assert "cost_usd: cannot be checked against the limit $1.000000" in unpriced
    assert "no price for 'my-finetune'" in unpriced

    unknown = reports["test_unknown_budget_name", "setup"]
    assert unknown["outcome"] == "failed"
    assert unknown["longrepr"] == (
        "trace_budget: unknown budget 'prompt_token' (did you mean 'prompt_tokens'?); the budgets are "
        "prompt_tokens, completion_tokens, total_tokens, cost_usd, llm_calls, duration_s"
    )
    assert ("test_unknown_budget_name", "call") not in reports
    closest = reports["test_own_mark_wins_limit_by_limit", "call"]["longrepr"]
    assert "prompt_tokens: 10 > limit 0" in closest and "llm_calls" not in closest
    # The marker alone traces a test (six ran with a budget, one of them with the fixture), and so
    # does usefixtures("traced") on a module.
    result.stdout.re_match_lines([r"=+ datapizza-tracing: 7 traced tests =+"])
    assert "test_traced_without_asking" in saved


@pytest.mark.slow
def test_trace_save_writes_failed_tests_as_loadable_otlp_json_named_after_the_test_id(
    runner: PluginRunner,
) -> None:
    runner.pytester.makepyfile(
        test_save=ASK
        + """
import pytest

@pytest.mark.parametrize("city", ["Rome", "a/b c::d"])
def test_city(traced, city):
    ask("gpt-4o-mini", 40)
    assert city == "Rome"

def test_passes(traced):
    ask("gpt-4o-mini", 40)

def test_skips_in_the_body(traced):
    ask("gpt-4o-mini", 40)
    pytest.skip("not today")

def test_untraced_failure():
    assert False
"""
    )
    result = runner.run("--trace-save", "out")  # relative to the invocation directory
    result.assert_outcomes(passed=2, failed=2, skipped=1)
    files = sorted((runner.path / "out").iterdir())
    assert len(files) == 1
    assert re.fullmatch(r"[A-Za-z0-9._-]+\.json", files[0].name), files[0].name
    assert files[0].name.startswith("test_save.py_test_city_a_b_c_d")
    handle = datapizza_tracing.load(files[0])
    assert handle.name == "test_save.py::test_city[a/b c::d]"
    assert handle.summary().usage["gpt-4o-mini"].prompt_tokens == 10
    result.stdout.fnmatch_lines(
        [f"trace saved to {files[0]}", f"1 trace file saved in {runner.path / 'out'}"]
    )

    every = runner.run("--trace-save", str(runner.path / "all"), "--trace-save-all")
    every.assert_outcomes(passed=2, failed=2, skipped=1)
    names = sorted(datapizza_tracing.load(path).name for path in (runner.path / "all").iterdir())
    assert names == [
        "test_save.py::test_city[Rome]",
        "test_save.py::test_city[a/b c::d]",
        "test_save.py::test_passes",
    ]

    misuse = runner.run("--trace-save-all")
    assert misuse.ret == pytest.ExitCode.USAGE_ERROR
    misuse.stderr.fnmatch_lines(["*--trace-save-all needs --trace-save DIR*"])


@pytest.mark.slow
def test_trace_save_says_so_when_no_test_was_traced_and_refuses_a_file(runner: PluginRunner) -> None:
    runner.pytester.makepyfile(test_plain="def test_fails():\n    assert False\n")
    result = runner.run("--trace-save", "out")
    result.assert_outcomes(failed=1)
    note = (
        "datapizza-tracing: --trace-save was given but no test used the traced fixture or the trace_budget "
        "marker, so no trace was saved"
    )
    result.stdout.fnmatch_lines([note])
    assert not (runner.path / "out").exists()

    (runner.path / "a_file").write_text("")
    refused = runner.run("--trace-save", "a_file")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines([f"*--trace-save {runner.path / 'a_file'}: not a directory*"])


@pytest.mark.slow
def test_an_empty_trace_save_dir_is_a_usage_error_not_the_current_directory(runner: PluginRunner) -> None:
    runner.pytester.makepyfile(test_empty="def test_fails(traced):\n    assert False\n")
    for options in (("--trace-save", ""), ("--trace-save", " ", "--trace-save-all")):
        result = runner.run(*options)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines(["*--trace-save needs a directory, got an empty name*"])
    assert not list(runner.path.glob("*.json"))


@pytest.mark.slow
def test_xdist_workers_trace_their_own_tests_and_the_controller_sums_them_up(runner: PluginRunner) -> None:
    runner.pytester.makepyfile(
        test_parallel=ASK
        + """
import os
import pytest

@pytest.mark.parametrize("n", range(8))
def test_call(traced, n):
    ask("gpt-4o-mini", 40, latency_s=0.05)
    assert traced.summary().usage["gpt-4o-mini"].calls == 1
    with open(f"worker-{n}.txt", "w") as file:
        file.write(os.environ["PYTEST_XDIST_WORKER"] + " " + traced.trace_id)
    assert n != 3, "one failure"
"""
    )
    result = runner.run("-n", "2", "--trace-save", "traces")
    result.assert_outcomes(passed=7, failed=1)
    runs = [(runner.path / f"worker-{n}.txt").read_text().split() for n in range(8)]
    assert {worker for worker, _ in runs} == {"gw0", "gw1"}
    assert len({trace_id for _, trace_id in runs}) == 8
    eight = TokenUsage(80, 8, 0, 0, 8)
    result.stdout.re_match_lines(
        [
            r"=+ datapizza-tracing: 8 traced tests =+",
            rf"gpt-4o-mini\s+8\s+80\s+0\s+8\s+0\s+{re.escape(_dollars({'gpt-4o-mini': eight}))}",
            r"combined from 2 xdist workers \(gw0, gw1\)",
        ]
    )
    assert sum(SECTION in line for line in result.stdout.lines) == 1  # the failing test's, from its worker
    (saved,) = (runner.path / "traces").iterdir()
    handle = datapizza_tracing.load(saved)
    assert handle.name == "test_parallel.py::test_call[3]" and handle.trace_id == runs[3][1]


@pytest.mark.slow
def test_async_tests_under_pytest_asyncio_and_anyio_are_traced_whole(runner: PluginRunner) -> None:
    spans = """
import asyncio
import pytest
from opentelemetry import trace
from datapizza_tracing import generation_span, record_usage

async def call(model, prompt_tokens):
    with generation_span(f"{model} call", model=model) as span:
        await asyncio.sleep(0.01)
        record_usage(span, model=model, prompt_tokens=prompt_tokens, completion_tokens=1)

def assert_outside_any_block():
    with trace.get_tracer("test").start_as_current_span("free") as span:
        assert span.parent is None, "an earlier test's block leaked into this one"
"""
    runner.pytester.makepyfile(
        test_asyncio=spans
        + """
@pytest.mark.asyncio
async def test_tasks_of_the_test_are_in_its_trace(traced):
    await asyncio.gather(call("gpt-4o-mini", 10), call("gpt-4o-mini", 5))
    await asyncio.create_task(call("o4-mini", 7))
    assert traced.summary().usage["gpt-4o-mini"].prompt_tokens == 15
    assert traced.summary().usage["o4-mini"].calls == 1

@pytest.mark.asyncio(loop_scope="module")
async def test_on_a_shared_loop(traced):
    await call("gpt-4o-mini", 3)
    assert traced.summary().usage["gpt-4o-mini"].prompt_tokens == 3

@pytest.mark.asyncio(loop_scope="module")
async def test_untraced_after_traced_on_the_same_loop():
    assert_outside_any_block()

@pytest.mark.asyncio
@pytest.mark.trace_budget(llm_calls=1)
async def test_budget_on_an_async_test():
    await call("gpt-4o-mini", 1)
    await call("gpt-4o-mini", 1)
""",
        # anyio runs every test of the module in one runner task while a module-scoped
        # async fixture is alive: its context was copied before the traced test began.
        test_anyio=spans
        + """
pytestmark = pytest.mark.anyio

@pytest.fixture(scope="module")
def anyio_backend():
    return "asyncio"

@pytest.fixture(scope="module")
async def shared_client():
    yield "client"

async def test_first(shared_client, traced):
    await call("gpt-4o-mini", 7)
    assert traced.summary().usage["gpt-4o-mini"].prompt_tokens == 7

async def test_untraced_in_the_same_runner(shared_client):
    assert_outside_any_block()

async def test_second(shared_client, traced):
    await call("gpt-4o-mini", 4)
    assert traced.summary().usage["gpt-4o-mini"].prompt_tokens == 4
""",
    )
    recorded = runner.write_report_recorder()
    result = runner.run()
    result.assert_outcomes(passed=6, failed=1)
    budget = read_reports(recorded)["test_budget_on_an_async_test", "call"]["longrepr"]
    assert "llm_calls: 2 > limit 1" in budget and "2 calls  [gpt-4o-mini]" in budget
    result.stdout.re_match_lines([r"=+ datapizza-tracing: 5 traced tests =+"])


def test_the_readme_example_runs_as_the_readme_shows(runner: PluginRunner) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Traces in tests") :]
    code = section[
        section.index("```python\n") + 10 : section.index("```\n", section.index("```python\n") + 10)
    ]
    shown = section[section.index("```text\n") + 8 : section.index("```\n", section.index("```text\n") + 8)]
    runner.pytester.makepyfile(test_planner=code)
    result = runner.run()
    result.assert_outcomes(passed=1, failed=1)
    lines = [line.rstrip() for line in result.stdout.lines]
    for line in shown.splitlines():
        if line != "...":
            assert line.rstrip() in lines, line
