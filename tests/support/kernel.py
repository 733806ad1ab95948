"""A real IPython kernel driven through jupyter_client, for tests that need one.

Every iopub message of an execution is kept with the monotonic time it
arrived, so tests can tell what was shown *while* a cell ran from what was
shown after it ended.
"""

from __future__ import annotations

import os
import queue
import time
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.manager import KernelManager


@dataclass
class Execution:
    """What one ``execute_request`` produced."""

    msg_id: str
    status: str = ""  # "ok", "error" or "aborted" from the execute_reply
    reply: dict[str, Any] = field(default_factory=dict)
    messages: list[tuple[float, dict[str, Any]]] = field(default_factory=list)  # (arrival, iopub msg)
    finished_at: float = 0.0  # arrival of the kernel's "idle" status for this request

    def of_type(self, *msg_types: str) -> list[dict[str, Any]]:
        return [msg for _, msg in self.messages if msg["msg_type"] in msg_types]

    @property
    def stdout(self) -> str:
        return "".join(
            m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == "stdout"
        )

    @property
    def stderr(self) -> str:
        return "".join(
            m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == "stderr"
        )

    @property
    def error(self) -> dict[str, Any] | None:
        errors = self.of_type("error")
        return errors[0]["content"] if errors else None

    def widget_updates(self) -> list[tuple[float, dict[str, Any]]]:
        """(arrival, state) of every comm message that changes a widget's state."""
        updates = []
        for arrived, msg in self.messages:
            if msg["msg_type"] == "comm_msg":
                data = msg["content"].get("data", {})
                if data.get("method") == "update":
                    updates.append((arrived, data.get("state", {})))
        return updates


def _parent_id(msg: dict[str, Any]) -> str | None:
    return msg.get("parent_header", {}).get("msg_id")


class KernelSession:
    """Starts an ipykernel in a subprocess; use as a context manager."""

    def __init__(
        self,
        env: dict[str, str] | None = None,
        kernel_args: list[str] | None = None,
        kernel_name: str = "python3",
    ) -> None:
        self._env = {**os.environ, **(env or {})}
        # The kernel must not think it runs inside this pytest test.
        self._env.pop("PYTEST_CURRENT_TEST", None)
        self._kernel_args = kernel_args or []
        # IPC sockets: no TCP port at all, and no plaintext-over-TCP warning.
        self.manager = KernelManager(kernel_name=kernel_name, transport="ipc")
        self.client: Any = None
        # iopub messages read by ``wait_for_stream`` before ``collect`` asked for them.
        self._backlog: list[tuple[float, dict[str, Any]]] = []
        self._pending: set[str] = set()  # submitted, not yet collected

    def __enter__(self) -> KernelSession:
        self.manager.start_kernel(env=self._env, extra_arguments=self._kernel_args)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.client.stop_channels()
        finally:
            self.manager.shutdown_kernel(now=True)

    def submit(self, code: str) -> str:
        """Send ``code`` without waiting; returns the request's msg_id."""
        msg_id = self.client.execute(code, store_history=True, allow_stdin=False)
        self._pending.add(msg_id)
        return msg_id

    def collect(self, msg_id: str, timeout: float = 60) -> Execution:
        """Gather the iopub messages of ``msg_id`` until the kernel is idle again, then the reply."""
        execution = Execution(msg_id)
        deadline = time.monotonic() + timeout
        backlog = [item for item in self._backlog if _parent_id(item[1]) == msg_id]
        self._backlog = [item for item in self._backlog if _parent_id(item[1]) != msg_id]
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"kernel did not finish {msg_id} within {timeout}s")
            if backlog:
                arrived, msg = backlog.pop(0)
            else:
                try:
                    msg = self.client.get_iopub_msg(timeout=min(remaining, 1.0))
                except queue.Empty:
                    continue
                arrived = time.monotonic()
            if _parent_id(msg) != msg_id:
                if _parent_id(msg) in self._pending:  # a queued request's: keep it for its collect()
                    self._backlog.append((arrived, msg))
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                execution.finished_at = arrived
                break
            execution.messages.append((arrived, msg))
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no execute_reply for {msg_id} within {timeout}s")
            try:
                reply = self.client.get_shell_msg(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                execution.reply = reply["content"]
                execution.status = reply["content"]["status"]
                self._pending.discard(msg_id)
                return execution

    def wait_for_stream(self, msg_id: str, text: str, timeout: float = 30) -> None:
        """Block until ``msg_id`` has printed ``text`` (its messages stay available to ``collect``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.client.get_iopub_msg(timeout=min(max(deadline - time.monotonic(), 0.01), 1.0))
            except queue.Empty:
                continue
            if _parent_id(msg) in self._pending:
                self._backlog.append((time.monotonic(), msg))
            if (
                msg.get("parent_header", {}).get("msg_id") == msg_id
                and msg["msg_type"] == "stream"
                and text in msg["content"]["text"]
            ):
                return
        raise TimeoutError(f"{msg_id} did not print {text!r} within {timeout}s")

    def execute(self, code: str, timeout: float = 60) -> Execution:
        return self.collect(self.submit(code), timeout)

    def interrupt(self) -> None:
        self.manager.interrupt_kernel()
