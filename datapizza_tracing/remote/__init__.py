"""Spans from other processes: worker processes, services (an OTLP receiver) and tracing backends."""
