"""The live view: one ``ipywidgets.HTML`` updated from a ticker thread, then replaced by the static snapshot.

Threading rules this follows (see GUIDE.md, "Jupyter display"):

* ``display`` and ``update_display`` run only on the thread that opened the
  view (the cell's thread); the ticker never calls them.
* Traitlets are not thread-safe, so the widget has exactly one writer while the
  block runs: the ticker. ``finish`` takes the same lock, stops the ticker and
  only then replaces the output, so no widget update can arrive after the
  static snapshot.
* Nothing the ticker does may reach the traced code: every error is caught and
  logged once, and the thread is a daemon that ``finish`` joins with a timeout.

The output is shown with a ``display_id`` and, when the block ends, updated *in
place* to a plain ``text/html`` + ``text/plain`` bundle, and the widget is
closed: the saved notebook holds no widget at all, so GitHub, nbviewer and
nbconvert show the snapshot.
"""

from __future__ import annotations

import logging
import threading
import time

from IPython.display import display, update_display
from opentelemetry import context as otel_context

from ...collect.block import TraceBlock
from ...model.snapshot import TraceSnapshot
from ...render.html.live import html_live
from ...views.live import LiveProgress
from ...views.text import one_line
from .bundles import report_bundle

_log = logging.getLogger(__name__)

TICK_S = 0.25  # at most four widget updates a second
ELAPSED_REFRESH_S = 1.0  # when nothing else changed, refresh running times this often
JOIN_TIMEOUT_S = 2.0
MAX_CONSECUTIVE_FAILURES = 3


class LiveNotebookView:
    """Shows a running block live; ``finish`` swaps in the static snapshot."""

    def __init__(self, block: TraceBlock) -> None:
        import ipywidgets  # imported here: the terminal and static paths never need it

        self._block = block
        self._progress = LiveProgress(block)
        self._widget = ipywidgets.HTML(value=self._render())
        # The widget's own text/plain is a truncated repr of its value: say what it is instead,
        # for frontends that cannot show widgets.
        bundle = self._widget._repr_mimebundle_()
        bundle["text/plain"] = (
            f"Tracing {one_line(block.name)}… (live view; the trace summary replaces it when the block ends)"
        )
        handle = display(bundle, raw=True, display_id=True)
        self._display_id = handle.display_id if handle is not None else None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.updates_sent = 0
        self._thread = threading.Thread(target=self._tick_loop, name="datapizza-tracing-live", daemon=True)
        self._thread.start()

    def finish(self, snapshot: TraceSnapshot) -> None:
        with self._lock:
            self._stopped.set()
        self._thread.join(JOIN_TIMEOUT_S)
        try:
            bundle = report_bundle(snapshot)
            if self._display_id is not None:
                update_display(bundle, raw=True, display_id=self._display_id)
            else:
                display(bundle, raw=True)
        finally:
            self._widget.close()  # no widget model may outlive the block

    # -- ticker thread ---------------------------------------------------------
    def _render(self) -> str:
        return html_live(self._progress.frame(self._block.running_records()))

    def _tick_loop(self) -> None:
        # Thread propagation hands this thread the block's context; the ticker is not
        # part of the traced work, so anything it might trace must not join the block.
        otel_context.attach(otel_context.Context())
        last_state: tuple[int, frozenset[int]] | None = None
        last_sent = time.monotonic()
        failures = 0
        while not self._stopped.wait(TICK_S):
            try:
                # Running spans first, then the finished ones: a span ending in between is in
                # both and counted once (see LiveProgress.frame), so the counts never go back.
                running = self._progress.still_running(self._block.running_records())
                state = (self._progress.finished_count, frozenset(span.span_id for span in running))
                now = time.monotonic()
                if state == last_state and now - last_sent < ELAPSED_REFRESH_S:
                    continue  # nothing new: no message at all
                html = html_live(self._progress.frame(running))
                with self._lock:
                    if self._stopped.is_set():
                        return
                    self._widget.value = html
                self.updates_sent += 1
                last_state, last_sent, failures = state, now, 0
            except Exception:
                failures += 1
                if failures == 1:
                    _log.warning("datapizza-tracing's live view could not update", exc_info=True)
                if failures >= MAX_CONSECUTIVE_FAILURES:
                    return  # the static snapshot still appears at the end
