"""JupyterLab on the loopback interface and Debian's Chromium driven by Playwright, for browser tests.

The server runs with a throwaway root, config, runtime and IPython directory,
and without a token; the browser is launched with the flags this machine's
closed network needs (see GUIDE.md).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
THEME_SETTINGS = Path("lab/user-settings/@jupyterlab/apputils-extension/themes.jupyterlab-settings")
# Starts a notebook's kernel without asking: on a loaded machine JupyterLab sometimes shows its
# "Select Kernel" dialog even for a notebook that names its kernel, and the dialog blocks every click.
NOTEBOOK_SETTINGS = Path("lab/user-settings/@jupyterlab/notebook-extension/tracker.jupyterlab-settings")


def notebook(cells: list[tuple[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    """An nbformat 4 notebook of code cells with the given sources and outputs."""
    return {
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{index}",
                "metadata": {},
                "source": source,
                "outputs": outputs,
                "execution_count": None,
            }
            for index, (source, outputs) in enumerate(cells)
        ],
        "metadata": {
            # Without a kernelspec JupyterLab asks for a kernel and the run blocks.
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def display_output(bundle: dict[str, str]) -> dict[str, Any]:
    return {"output_type": "display_data", "data": bundle, "metadata": {}}


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


class JupyterLab:
    """A running JupyterLab: its base URL, its root folder, and its theme (set before a page loads)."""

    def __init__(self, base: str, root: Path, config: Path) -> None:
        self.base = base
        self.root = root
        self.config = config

    def set_theme(self, theme: str) -> None:
        """``"JupyterLab Light"`` or ``"JupyterLab Dark"``: read by the pages loaded from now on."""
        path = self.config / THEME_SETTINGS
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"theme": theme}))


@contextmanager
def jupyterlab(tmp_path: Path, env: dict[str, str] | None = None) -> Iterator[JupyterLab]:
    root = tmp_path / "root"
    root.mkdir()
    config = tmp_path / "config"
    (config / NOTEBOOK_SETTINGS).parent.mkdir(parents=True)
    (config / NOTEBOOK_SETTINGS).write_text(json.dumps({"autoStartDefaultKernel": True}))
    port = _free_port()
    full_env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(config / "lab" / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
        **(env or {}),
    }
    full_env.pop("PYTEST_CURRENT_TEST", None)
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
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(f"{base}/api/status", server, timeout=90)
        yield JupyterLab(base, root, config)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)
        log.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium (a Playwright ``Browser``)."""
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), (
        "Debian's chromium is needed (apt-get install chromium)"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
