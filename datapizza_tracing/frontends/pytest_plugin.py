"""The pytest plugin: traces in tests (registered through the ``pytest11`` entry point).

* ``traced``: a fixture that runs the test inside ``ContextTracing().trace(<test id>)`` and
  yields its ``TraceHandle``; on failure the trace's report is attached to the test report.
* ``@pytest.mark.trace_budget(prompt_tokens=..., cost_usd=..., ...)``: fails the test when its
  trace goes over a limit. The marker alone traces the test.
* ``--trace-save DIR`` (``--trace-save-all``): the traces of failed (all) traced tests as OTLP JSON.
* A summary of tokens and cost per model at the end of the run, xdist workers combined.

It loads in every pytest run where the package is installed, so it stays inert
until a test uses the fixture or the marker: this module imports only pytest and
the plugin's names, the working parts are imported by the first traced test, and
the hooks return at once for untraced tests.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .pytest.names import FIXTURE, MARKER, MARKER_HELP, REPORT_ATTRIBUTE

if TYPE_CHECKING:
    from .handle import TraceHandle
    from .pytest.item_trace import ItemTrace
    from .pytest.run_summary import RunTotals


_ITEM_TRACE = pytest.StashKey["ItemTrace"]()
_LIMITS = pytest.StashKey[dict]()  # budget name -> limit
_OVERRUNS = pytest.StashKey[tuple]()  # (the limits gone over, whether they failed the test)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("datapizza-tracing", "datapizza-tracing: traces of LLM calls in tests")
    group.addoption(
        "--trace-save",
        metavar="DIR",
        dest="datapizza_trace_save",
        default=None,
        help="write the trace of each failed traced test to DIR as OTLP JSON named after the test id "
        "(read it back with datapizza_tracing.load)",
    )
    group.addoption(
        "--trace-save-all",
        action="store_true",
        dest="datapizza_trace_save_all",
        default=False,
        help="with --trace-save: write the trace of every traced test that ran, not only failed ones",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    save_dir = config.getoption("datapizza_trace_save")
    if save_dir is not None:
        if not save_dir.strip():  # not "the current directory": a variable that expanded to nothing
            raise pytest.UsageError("--trace-save needs a directory, got an empty name")
        # Absolute now: pytest-xdist hands the controller's options to workers that may run elsewhere.
        save_dir = os.path.abspath(os.path.expanduser(save_dir))
        if os.path.exists(save_dir) and not os.path.isdir(save_dir):
            raise pytest.UsageError(f"--trace-save {save_dir}: not a directory")
        config.option.datapizza_trace_save = save_dir
    elif config.getoption("datapizza_trace_save_all"):
        raise pytest.UsageError("--trace-save-all needs --trace-save DIR")
    config.pluginmanager.register(_RunSummary(config), "datapizza-tracing-run-summary")


@pytest.fixture
def traced(request: pytest.FixtureRequest) -> Iterator[TraceHandle]:
    """The test runs inside ``ContextTracing().trace(<test id>, display="off")``; this is its ``TraceHandle``.

    The block opens after the test's other fixtures are set up and closes when the
    test function returns, so ``traced.summary()`` inside the test is the trace so
    far and after it the final one. Find spans with
    ``datapizza_tracing.frontends.pytest.find_spans(traced, name=..., kind=...)``.
    """
    from .pytest.item_trace import ItemTrace

    item_trace = ItemTrace(request.node.nodeid)
    request.node.stash[_ITEM_TRACE] = item_trace
    try:
        yield item_trace.handle
    finally:
        item_trace.finish()  # still open when the test function never ran
        del request.node.stash[_ITEM_TRACE]


def pytest_runtest_setup(item: pytest.Item) -> None:
    names = getattr(item, "fixturenames", None)
    if names is None:  # not a Python test function (a doctest, a notebook cell, ...)
        return
    marks = list(item.iter_markers(MARKER))
    if not marks and FIXTURE not in names:
        return
    if marks:
        from .pytest.budget import BudgetError, budget_from_marks

        try:
            item.stash[_LIMITS] = budget_from_marks(marks)
        except BudgetError as error:
            problem = str(error)
        else:
            problem = None
        if problem is not None:  # failed outside the except block: no chained traceback in the report
            pytest.fail(problem, pytrace=False)
    # Set up last, so the block holds the test function and not the other fixtures'
    # setup; pytest fills fixtures in this order. A new list: parametrized tests share one.
    item.fixturenames = [name for name in names if name != FIXTURE] + [FIXTURE]  # type: ignore[attr-defined]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    item_trace = item.stash.get(_ITEM_TRACE, None)
    if item_trace is None:
        return (yield)
    try:
        result = yield
    except BaseException as error:
        try:
            item_trace.finish(error)
            _check_budget(item, item_trace, test_failed=True)
        except Exception as problem:  # the test's own exception must propagate unchanged
            item.warn(
                pytest.PytestWarning(f"datapizza-tracing could not close the test's trace: {problem!r}")
            )
        raise
    item_trace.finish()
    _check_budget(item, item_trace, test_failed=False)
    return result


def _check_budget(item: pytest.Item, item_trace: ItemTrace, *, test_failed: bool) -> None:
    limits = item.stash.get(_LIMITS, None)
    if limits is None:
        return
    from .pytest.budget import check_budget, overrun_message

    overruns = check_budget(item_trace.handle.snapshot(), limits)
    item.stash[_OVERRUNS] = (overruns, bool(overruns) and not test_failed)
    if overruns and not test_failed:
        pytest.fail(overrun_message(overruns), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Iterator[Any]:
    item_trace = pyfuncitem.stash.get(_ITEM_TRACE, None)
    if item_trace is None or not inspect.iscoroutinefunction(pyfuncitem.obj):
        # pytest-asyncio has already made the test a plain function here; it runs
        # the coroutine in a copy of this thread's context, which holds the block.
        return (yield)
    original = pyfuncitem.obj
    pyfuncitem.obj = item_trace.run_coroutine_inside(original)
    try:
        return (yield)
    finally:
        pyfuncitem.obj = original


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    item_trace = item.stash.get(_ITEM_TRACE, None)
    if call.when != "call" or item_trace is None or not item_trace.finished:
        return report
    from .pytest.outcome import record_outcome
    from .pytest.report import section_width

    overruns, budget_failed = item.stash.get(_OVERRUNS, ([], False))
    config = item.config
    record_outcome(
        item,
        report,
        item_trace,
        overruns,
        budget_failed=budget_failed,
        save_dir=config.getoption("datapizza_trace_save"),
        save_all=config.getoption("datapizza_trace_save_all"),
        width=section_width(_terminal_width(config)),
        worker=_worker_id(config),
    )
    return report


def _terminal_width(config: pytest.Config) -> int | None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    return getattr(getattr(reporter, "_tw", None), "fullwidth", None)


def _worker_id(config: pytest.Config) -> str | None:
    workerinput = getattr(config, "workerinput", None)  # set by pytest-xdist in its workers
    return workerinput.get("workerid") if workerinput else None


class _RunSummary:
    """Adds up the figures of every traced test's report and prints them at the end of the run.

    Under pytest-xdist the workers' reports reach the controller's
    ``pytest_runtest_logreport``, so the controller prints the combined figures.
    """

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self._totals: RunTotals | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        payload = getattr(report, REPORT_ATTRIBUTE, None)
        if payload is None:
            return
        if self._totals is None:
            from .pytest.run_summary import RunTotals

            self._totals = RunTotals()
        self._totals.add(payload)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if _worker_id(self._config) is not None:
            return  # the controller reports for all workers
        if self._totals is None:
            if self._config.getoption("datapizza_trace_save"):
                terminalreporter.write_line(
                    "datapizza-tracing: --trace-save was given but no test used the traced fixture "
                    "or the trace_budget marker, so no trace was saved"
                )
            return
        from .pytest.report import section_width  # loaded once a test was traced

        terminalreporter.write_sep("=", self._totals.title())
        for line in self._totals.lines(section_width(_terminal_width(self._config))):
            terminalreporter.write_line(line)
