"""Running ``inventory_service`` in a process of its own on a free loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.phoenix import free_port, stop_process
from tests.support.scenario_process import REPO_ROOT

STARTUP_TIMEOUT_S = 60.0
BATCH_DELAY_MS = 100  # the service exports every 100 ms: its spans reach the block while it waits


class ServiceProcess:
    """``with ServiceProcess(traces_endpoint) as service:`` — ``service.url`` answers once it is up."""

    def __init__(self, traces_endpoint: str, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.traces_endpoint = traces_endpoint
        self._log_path = log_dir / f"service-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    def log(self) -> str:
        try:
            return self._log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def __enter__(self) -> ServiceProcess:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "DATAPIZZA_"))}
        env |= {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": self.traces_endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": str(BATCH_DELAY_MS),
        }
        with open(self._log_path, "wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.inventory_service", str(self.port)],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the service exited with {self._process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"the service did not answer within {STARTUP_TIMEOUT_S:.0f}s:\n{self.log()}")

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        stop_process(process)
