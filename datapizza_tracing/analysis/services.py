"""Which service made a span: the ``service.name`` of its resource, marked where it is not the block's own.

Spans from worker processes of the same program carry the block's own service
name and are not marked; spans a service sent (over OTLP, or read back from a
backend) carry theirs, so every view can say where a span ran.
"""

from __future__ import annotations

from opentelemetry.sdk.resources import Resource

from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot
from ..model.span_graph import unique_spans_by_id

SERVICE_NAME = "service.name"


def service_name(span: SpanRecord) -> str | None:
    return resource_service(span.resource)


def resource_service(resource: Resource | None) -> str | None:
    """The ``service.name`` of a resource, if it has a usable one."""
    if resource is None:
        return None
    name = resource.attributes.get(SERVICE_NAME)
    return name if isinstance(name, str) and name else None


def own_service(snapshot: TraceSnapshot) -> str | None:
    """The block's own service: its root span's."""
    by_id = unique_spans_by_id(snapshot)  # shared, when ids are unique: no search through the spans
    root = by_id.get(snapshot.root_span_id) if by_id is not None else snapshot.root
    return service_name(root) if root is not None else None


def other_service(span: SpanRecord, own: str | None) -> str | None:
    """The span's service when it is not the block's own, else ``None``."""
    name = service_name(span)
    return name if name is not None and name != own else None
