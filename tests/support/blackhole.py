"""A loopback TCP endpoint that accepts connections and never answers: a blackholed exporter endpoint.

Unlike a closed port (refused at once), a client's connect succeeds and then
every request waits for its own timeout, as behind a firewall that drops replies.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class BlackholeServer:
    """``with BlackholeServer() as hole: hole.port`` accepts on 127.0.0.1 and holds every connection."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port: int = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="blackhole", daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # closed
                return
            self._held.append(connection)  # read nothing, answer nothing

    def __enter__(self) -> BlackholeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()
        for connection in self._held:
            with contextlib.suppress(OSError):
                connection.close()
        self._thread.join(5)
