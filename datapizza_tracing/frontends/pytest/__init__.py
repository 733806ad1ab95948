"""The pytest plugin's parts (``datapizza_tracing.frontends.pytest_plugin`` holds the hooks).

Helpers for tests: ``find_spans(traced, name=..., kind=...)``.
"""

from .spans import find_spans

__all__ = ["find_spans"]
