"""Which outgoing calls of a block still wait for the spans of the service they called.

An instrumented HTTP or RPC client makes a ``CLIENT`` span and sends its
context along; an instrumented service makes its spans under it and exports
them a little later. A call whose client span has no child yet is
*unanswered*. Only calls to services that look like one's own are expected to
answer: loopback and private addresses, single-label host names (a container
or compose service) and cluster-internal names. A public API (an LLM provider)
never sends spans back, and waiting for it would only delay every block.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from opentelemetry.trace import SpanKind

from ..analysis.vocabulary import llm_call, model_name
from ..model.record import SpanRecord

_HOST_KEYS = ("server.address", "net.peer.name", "net.peer.ip")
_URL_KEYS = ("url.full", "http.url")
_INTERNAL_SUFFIXES = (".local", ".internal", ".svc", ".cluster.local", ".localhost", ".lan")


def _host(attributes: object) -> str | None:
    get = getattr(attributes, "get", None)
    if get is None:
        return None
    for key in _HOST_KEYS:
        value = get(key)
        if isinstance(value, str) and value:
            return value
    for key in _URL_KEYS:
        value = get(key)
        if isinstance(value, str) and value:
            try:
                return urlsplit(value).hostname
            except ValueError:
                return None
    return None


def is_own_service_host(host: str) -> bool:
    """A host that a team's own service would have, not a public API's."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if not name:
        return False
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return name == "localhost" or "." not in name or name.endswith(_INTERNAL_SUFFIXES)
    return address.is_loopback or address.is_private or address.is_link_local


def _is_model_call(span: SpanRecord) -> bool:
    attributes = span.attributes
    return model_name(attributes) is not None or llm_call(attributes) is not None


def _inside_model_call(span: SpanRecord, by_id: dict[int, SpanRecord]) -> bool:
    seen: set[int] = set()
    current: SpanRecord | None = span
    while current is not None and current.span_id not in seen:
        if _is_model_call(current):
            return True
        seen.add(current.span_id)
        current = by_id.get(current.parent_id)
    return False


def unanswered_calls(spans: Iterable[SpanRecord]) -> set[int]:
    """Span ids of client calls to one's own services that have no span below them yet."""
    spans = list(spans)
    parents = {span.parent_id for span in spans}
    by_id = {span.span_id: span for span in spans}
    waiting = set()
    for span in spans:
        if span.kind is not SpanKind.CLIENT or span.span_id in parents:
            continue
        host = _host(span.attributes)
        if host is not None and is_own_service_host(host) and not _inside_model_call(span, by_id):
            waiting.add(span.span_id)
    return waiting
