"""A notebook run from JupyterLab's UI in a real Chromium: live view, static snapshot, escaping.

JupyterLab runs on the loopback interface with a throwaway root, config and
runtime directory; Debian's Chromium is driven by Playwright's sync API.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
KERNEL_IDLE_JS = """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some(item => /^Python 3 .*\\| Idle$/.test(item.textContent.trim()))"""
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


def _notebook() -> dict:
    cells = [
        {
            "cell_type": "code",
            "id": f"c{i}",
            "metadata": {},
            "source": source,
            "outputs": [],
            "execution_count": None,
        }
        for i, source in enumerate(NOTEBOOK_CELLS)
    ]
    return {
        "cells": cells,
        "metadata": {
            # Without a kernelspec JupyterLab asks for a kernel and the run blocks.
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"jupyter lab exited early with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"jupyter lab did not answer {url} within {timeout}s")


@pytest.fixture
def jupyterlab(tmp_path: Path) -> Iterator[str]:
    """JupyterLab serving ``tmp_path/root`` on a free loopback port; yields its base URL."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "trace_test.ipynb").write_text(json.dumps(_notebook()))
    port = _free_port()
    env = {
        **os.environ,
        "DATAPIZZA_TRACING_DISPLAY": "auto",  # the kernel picks the live widget, as for a user
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            "--IdentityProvider.token=",
            f"--ServerApp.root_dir={root}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(f"{base}/api/status", server, timeout=90)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)
        log.close()


def _spans_so_far(text: str) -> int | None:
    match = re.search(r"([\d,]+) spans? \(\d+ running\)", text)
    return int(match.group(1).replace(",", "")) if match else None


def test_notebook_run_from_the_ui_shows_live_then_static_trace(jupyterlab: str) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), (
        "Debian's chromium is needed (apt-get install chromium)"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.set_default_timeout(60_000)
            page.goto(f"{jupyterlab}/lab/tree/trace_test.ipynb")
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
        finally:
            browser.close()
