"""A notebook run from JupyterLab's UI in a real Chromium: live view, static snapshot, escaping."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.jupyterlab import ARTIFACTS, KERNEL_IDLE_JS, chromium, jupyterlab, notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

XSS_NAME = "<img src=x onerror=window.__xss=1>"
STEPS = 16  # one span every 0.25 s: about 4 s of live view

NOTEBOOK_CELLS = [
    (
        "%load_ext datapizza_tracing\n"
        "import time\n"
        "from opentelemetry import trace\n"
        "tracer = trace.get_tracer('browser_test')"
    ),
    (
        "%%trace browser_run\n"
        f"with tracer.start_as_current_span({XSS_NAME!r}):\n"
        "    pass\n"
        f"for step in range({STEPS}):\n"
        "    with tracer.start_as_current_span(f'step {step}'):\n"
        "        time.sleep(0.25)"
    ),
]


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[str]:
    """JupyterLab serving one notebook; the kernel picks the live widget, as for a user."""
    with jupyterlab(tmp_path, env={"DATAPIZZA_TRACING_DISPLAY": "auto"}) as server:
        cells = [(source, []) for source in NOTEBOOK_CELLS]
        (server.root / "trace_test.ipynb").write_text(json.dumps(notebook(cells)))
        yield server.base


def _spans_so_far(text: str) -> int | None:
    match = re.search(r"([\d,]+) spans? \(\d+ running\)", text)
    return int(match.group(1).replace(",", "")) if match else None


def test_notebook_run_from_the_ui_shows_live_then_static_trace(lab: str) -> None:
    from playwright.sync_api import Error as PlaywrightError

    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.set_default_timeout(60_000)
            page.goto(f"{lab}/lab/tree/trace_test.ipynb")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            # The toolbar indicator says "idle" before a kernel exists; the status bar names the kernel.
            page.wait_for_function(KERNEL_IDLE_JS, timeout=90_000)

            # Run every cell from the Run menu, as a user would.
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

            live = page.locator(".dpt-live")
            live.first.wait_for(timeout=20_000)
            counts: list[int] = []
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and page.locator(".dpt-static").count() == 0:
                try:
                    count = _spans_so_far(live.first.inner_text(timeout=1_000))
                except PlaywrightError:  # the widget was replaced by the snapshot between the two calls
                    count = None
                if count is not None and (not counts or count != counts[-1]):
                    counts.append(count)
                time.sleep(0.3)
            print(f"live span counts seen while the cell ran: {counts}")
            assert len(counts) >= 3, f"the live span count did not grow while the cell ran: {counts}"
            assert counts == sorted(counts) and counts[-1] > counts[0], counts

            static = page.locator(".dpt-static")
            static.first.wait_for(timeout=60_000)
            text = static.first.inner_text()
            assert "Trace Summary of browser_run" in text
            assert f"Total Spans: {STEPS + 2}" in " ".join(text.split())
            assert page.locator(".dpt-live").count() == 0  # replaced in place, not added below
            page.screenshot(path=str(ARTIFACTS / "jupyterlab_trace.png"), full_page=True)

            # The hostile span name is shown as text, and nothing of it ran.
            assert XSS_NAME in text
            assert page.evaluate("typeof window.__xss") == "undefined"
            assert page.locator("img[src='x']").count() == 0
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "jupyterlab_failure.png"), full_page=True)
            raise
