"""Saving traces to files and loading them back."""

from .otlp_json import TraceFileError, load_snapshot, load_snapshots, save_snapshot, snapshot_to_otlp

__all__ = ["TraceFileError", "load_snapshot", "load_snapshots", "save_snapshot", "snapshot_to_otlp"]
