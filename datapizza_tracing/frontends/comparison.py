"""``datapizza_tracing.compare``: a comparison that shows itself in a notebook or a terminal."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..analysis.compare import TraceComparison
from ..render.rich.report import rich_comparison
from ..session import compare as session_compare
from ..session.history import Ref, TraceHistory
from ..views.comparison import comparison_view
from .show import show_comparison


# repr=False: the generated repr would print both snapshots and every figure; TraceComparison's is one line.
@dataclasses.dataclass(frozen=True, repr=False)
class ShownComparison(TraceComparison):
    """A ``TraceComparison`` that renders as a table in a notebook cell and with rich."""

    def show(self) -> None:
        """Show the comparison: an HTML table in a notebook, rich output in a terminal."""
        show_comparison(self)

    def __rich__(self) -> Any:
        return rich_comparison(comparison_view(self))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from .notebook.bundles import comparison_bundle

        return comparison_bundle(self)


def shown(comparison: TraceComparison) -> ShownComparison:
    return ShownComparison(**{f.name: getattr(comparison, f.name) for f in dataclasses.fields(comparison)})


def compare(
    a: Ref | None = None, b: Ref | None = None, *, history: TraceHistory | None = None
) -> ShownComparison:
    """Compare two runs: history numbers (``3``), positions (``-1``), names, handles or snapshots.

    ``compare()`` compares the last two finished blocks; ``compare("name")``
    the last two runs of the block called ``name``; ``compare(a, b)`` those two.
    """
    return shown(session_compare.compare(a, b, history=history))
