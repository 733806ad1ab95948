"""A real Arize Phoenix server (``phoenix serve``) on loopback, for OTLP export tests.

Phoenix is large and pins its own dependencies, so it lives in a virtualenv of
its own and runs as a separate process: HTTP (UI, REST API, OTLP/HTTP) and
OTLP/gRPC on free ports of 127.0.0.1, data in a fresh working directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The virtualenv scripts/install-test-deps.sh creates (same variable, same default).
VENV_ENV = "DATAPIZZA_TEST_PHOENIX_VENV"
DEFAULT_VENV = "/opt/phoenix-venv"
STARTUP_TIMEOUT_S = 120.0


class PhoenixError(RuntimeError):
    pass


def phoenix_executable() -> Path:
    """The ``phoenix`` command of the test virtualenv."""
    return Path(os.environ.get(VENV_ENV, "").strip() or DEFAULT_VENV) / "bin" / "phoenix"


@contextlib.contextmanager
def running_phoenix(working_dir: Path) -> Iterator[PhoenixServer]:
    """A started Phoenix for a test module, stopped after it.

    Missing Phoenix fails rather than skips: a skipped backend stage would pass CI
    unnoticed. ``-m "not phoenix"`` (or ``"not slow"``) leaves the stage out on purpose.
    """
    executable = phoenix_executable()
    if not os.access(executable, os.X_OK):
        pytest.fail(f"Arize Phoenix not found at {executable}: run scripts/install-test-deps.sh first")
    server = PhoenixServer(executable, working_dir).start()
    try:
        yield server
    finally:
        server.stop()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PhoenixServer:
    """``phoenix serve`` in a child process; ``start()`` returns once it answers."""

    def __init__(self, executable: Path, working_dir: Path) -> None:
        self.executable = executable
        self.working_dir = working_dir
        self.http_port = free_port()
        self.grpc_port = free_port()
        while self.grpc_port == self.http_port:
            self.grpc_port = free_port()
        self.startup_s: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = working_dir / "phoenix.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def otlp_http_endpoint(self) -> str:
        return f"{self.base_url}/v1/traces"

    @property
    def otlp_grpc_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.grpc_port}"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self._log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def start(self) -> PhoenixServer:
        env = {
            **os.environ,
            "PHOENIX_WORKING_DIR": str(self.working_dir),
            "PHOENIX_HOST": "127.0.0.1",
            "PHOENIX_PORT": str(self.http_port),
            "PHOENIX_GRPC_PORT": str(self.grpc_port),
            "PHOENIX_TELEMETRY_ENABLED": "false",  # loopback only
        }
        started = time.monotonic()
        with open(self._log_path, "wb") as log:
            self._process = subprocess.Popen(
                [str(self.executable), "serve"],
                cwd=self.working_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = started + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise PhoenixError(f"phoenix exited with {self._process.returncode}:\n{self.log_tail()}")
            if self._healthy() and _port_open(self.grpc_port):
                self.startup_s = time.monotonic() - started
                return self
            time.sleep(0.25)
        self.stop()
        raise PhoenixError(f"phoenix did not answer within {STARTUP_TIMEOUT_S:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        stop_process(process)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    # -- reading spans back ----------------------------------------------------
    def get_json(self, path: str, **query: Any) -> Any:
        url = f"{self.base_url}{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)

    def spans_of_trace(self, trace_id: str, project: str = "default") -> list[dict[str, Any]]:
        """Every span Phoenix stored for ``trace_id`` (REST: /v1/projects/{project}/spans)."""
        try:
            body = self.get_json(f"/v1/projects/{project}/spans", trace_id=trace_id, limit=1000)
        except urllib.error.HTTPError as error:
            if error.code == 404:  # the project appears with its first span
                return []
            raise
        return body["data"]

    def wait_for_spans(self, trace_id: str, count: int, timeout_s: float = 30.0) -> list[dict[str, Any]]:
        """The trace's spans once Phoenix holds ``count`` of them (it ingests asynchronously)."""
        deadline = time.monotonic() + timeout_s
        spans: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            spans = self.spans_of_trace(trace_id)
            if len(spans) >= count:
                return spans
            time.sleep(0.2)
        return spans


def stop_process(process: subprocess.Popen | None) -> None:
    """Terminate a server process that may still run, killing it if it ignores that (bounded waits)."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
