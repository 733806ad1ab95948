"""Reading the spans of a trace back from a tracing backend, for services that export there.

A ``TraceReader`` returns the spans a backend holds for one trace id; the end
of a block asks it (within a bounded wait) for the spans its services sent to
the backend rather than to the block. ``PhoenixReader`` reads Arize Phoenix's
REST API; Jaeger or Tempo readers implement the same one method.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Protocol, runtime_checkable

from opentelemetry import context as otel_context
from opentelemetry.sdk.resources import Resource

from ..model.record import SpanRecord
from ..storage.otlp_decode import OtlpShapeError, records_from_request

PAGE_SIZE = 1000  # Phoenix's largest page
REQUEST_TIMEOUT_S = 5.0
READ_FROM_KEY = "datapizza_tracing.read_from"


class BackendReadError(RuntimeError):
    """The backend could not be read (unreachable, an error answer, or an answer of another shape)."""


@runtime_checkable
class TraceReader(Protocol):
    """Something that returns the spans a backend holds for one trace."""

    name: str

    def read(self, trace_id: int, limit: int) -> list[SpanRecord]:
        """At most ``limit`` spans of ``trace_id``; raises ``BackendReadError`` when it cannot."""
        ...


def _suppressed() -> otel_context.Context:
    # Reading the backend is not part of the traced work: an urllib instrumentation must not trace it.
    return otel_context.set_value(otel_context._SUPPRESS_INSTRUMENTATION_KEY, True)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


class PhoenixReader:
    """Arize Phoenix's ``GET /v1/projects/{project}/spans/otlpv1?trace_id=...``.

    Phoenix keeps no resource attributes, so the spans read back carry no
    ``service.name`` of their own: they are marked with the Phoenix project
    instead (``service.name`` = the project name, ``datapizza_tracing.read_from`` = ``phoenix``).
    """

    name = "Phoenix"

    def __init__(self, base_url: str, project: str = "default", api_key: str | None = None) -> None:
        if not base_url.lower().startswith(("http://", "https://")):
            raise ValueError(f"Phoenix's URL must be http:// or https://, not {base_url!r}")
        if any(char in project for char in "/?#"):
            raise ValueError(f"a Phoenix project name cannot hold / ? or #: {project!r}")
        self.base_url = base_url.rstrip("/")
        self.project = project
        self._api_key = api_key
        self._resource = Resource({"service.name": project, READ_FROM_KEY: "phoenix"})

    def __repr__(self) -> str:
        return f"PhoenixReader({self.base_url!r}, project={self.project!r})"

    def _get(self, query: dict[str, Any]) -> Any:
        path = f"/v1/projects/{urllib.parse.quote(self.project, safe='')}/spans/otlpv1"
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        if self._api_key:
            request.add_header("Authorization", f"Bearer {self._api_key}")
        token = otel_context.attach(_suppressed())
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 404:  # the project appears with its first span
                return {"data": [], "next_cursor": None}
            raise BackendReadError(
                f"Phoenix at {self.base_url} answered {error.code} {error.reason}"
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise BackendReadError(f"Phoenix at {self.base_url} could not be read: {error}") from None
        finally:
            otel_context.detach(token)

    def read(self, trace_id: int, limit: int) -> list[SpanRecord]:
        spans: list[Any] = []
        cursor: str | None = None
        cursors_seen: set[str] = set()
        while len(spans) < limit:
            query: dict[str, Any] = {"trace_id": format(trace_id, "032x"), "limit": min(PAGE_SIZE, limit)}
            if cursor:
                query["cursor"] = cursor
            page = self._get(query)
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                raise BackendReadError(f"Phoenix at {self.base_url} answered with an unexpected shape")
            spans.extend(page["data"])
            cursor = page.get("next_cursor")
            # A page with no spans, or a cursor given before, would page on without end.
            if not cursor or not page["data"] or not isinstance(cursor, str) or cursor in cursors_seen:
                break
            cursors_seen.add(cursor)
        # Phoenix writes every unset field as null, which OTLP JSON leaves out.
        request = {"resourceSpans": [{"scopeSpans": [{"spans": _without_nulls(spans[:limit])}]}]}
        try:
            records = records_from_request(request, where="Phoenix")
        except OtlpShapeError as error:
            raise BackendReadError(f"Phoenix's spans could not be read: {error}") from None
        return [record._replace(resource=self._resource) for record in records]
