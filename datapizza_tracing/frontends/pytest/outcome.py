"""What a traced test leaves on its report: the trace section on failure, the saved file, its figures."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from .budget import Overrun
from .item_trace import ItemTrace
from .names import REPORT_ATTRIBUTE
from .report import SECTION_TITLE, failure_section
from .run_summary import usage_figures
from .save import save_trace


def record_outcome(
    item: pytest.Item,
    report: pytest.TestReport,
    item_trace: ItemTrace,
    overruns: Sequence[Overrun],
    *,
    budget_failed: bool,
    save_dir: str | None,
    save_all: bool,
    width: int,
    worker: str | None,
) -> None:
    """Save the trace if asked, attach the report section on failure, and the figures for the run summary.

    Nothing here may turn into a pytest internal error: a problem becomes a warning.
    """
    handle = item_trace.handle
    saved: str | None = None
    if save_dir is not None and (report.failed or (save_all and _ran(report))):
        try:
            saved = str(save_trace(handle, Path(save_dir), report.nodeid))
        except Exception as error:
            item.warn(
                pytest.PytestWarning(f"datapizza-tracing could not save the trace in {save_dir}: {error}")
            )
    if report.failed:
        notes: list[str] = []
        if overruns and not budget_failed:  # the test failed first; say the budget was blown too
            notes.append("trace_budget also exceeded:")
            notes.extend(f"  {line}" for overrun in overruns for line in overrun.lines())
        if saved is not None:
            notes.append(f"trace saved to {saved}")
        try:
            report.sections.append((SECTION_TITLE, failure_section(handle, width, notes)))
        except Exception as error:
            report.sections.append(
                (SECTION_TITLE, f"datapizza-tracing could not render the trace: {error!r}")
            )
    try:
        usage = usage_figures(handle)
    except Exception as error:
        item.warn(pytest.PytestWarning(f"datapizza-tracing could not read the trace's usage: {error!r}"))
        usage = {}
    # Plain JSON values: pytest-xdist ships report attributes from workers to the controller.
    setattr(
        report, REPORT_ATTRIBUTE, {"usage": usage, "failed": report.failed, "saved": saved, "worker": worker}
    )


def _ran(report: pytest.TestReport) -> bool:
    # An xfailed test ran (and failed, as expected); pytest reports it as skipped.
    return not report.skipped or hasattr(report, "wasxfail")
