"""The static view: nothing while the block runs, the snapshot bundle once it ends.

For ``DATAPIZZA_TRACING_DISPLAY=static`` (nbval, nbconvert, papermill) and for
shells without a kernel to host a widget.
"""

from __future__ import annotations

from IPython.display import display

from ...model.snapshot import TraceSnapshot
from .bundles import report_bundle


class StaticNotebookView:
    def finish(self, snapshot: TraceSnapshot) -> None:
        display(report_bundle(snapshot), raw=True)
