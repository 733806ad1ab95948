"""Traces on disk and on the wire as OTLP JSON."""
