"""Hiding secrets that spans carry, before a view shows them or a file keeps them.

One rule, used by the views (terminal and notebook) and by ``storage`` when a
trace is saved. HTTP instrumentations record request headers
(``http.request.header.authorization``), client libraries record their
settings (``api_key``), captured input and output hold whatever the program
sent, and saved notebooks and trace files get shared.

A value is masked whole when its attribute *key* names a credential. The word
"token" is the hard case: LLM spans are full of token *counts*
(``gen_ai.usage.input_tokens``, ``prompt_tokens_used``, ``llm.token_count.prompt``)
that must stay visible, while ``access_token`` or ``x-auth-token`` are secrets.
Keys are therefore split into words and judged word by word, not by substring.
Mappings (an OTLP ``kvlistValue``, e.g. ``{"headers": {"Authorization": ...}}``)
are judged key by key at every level.

Text is scrubbed of the credentials that travel inside it: ``Bearer …`` and
``Basic …`` (user:password in base64) values, ``sk-…``, AWS (``AKIA…``),
Google (``AIza…``), GitHub and Slack keys, the password of a connection string
(``postgres://user:PASS@host``), and the value of a secret-named field inside
JSON or ``key=value`` text (an ``"api_key"`` inside captured client input).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link

from .. import config
from ..model.snapshot import TraceSnapshot

MASK = "•••••••• (masked)"

# Whole words that name a credential wherever they appear in a key.
_SECRET_WORDS = frozenset(
    {
        "auth",
        "authorization",
        "authentication",
        "apikey",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "secrets",
        "cookie",
        "cookies",
        "bearer",
        "credential",
        "credentials",
        "jwt",
        "privatekey",
        "accesstoken",
        "sessiontoken",
    }
)
# "key" alone is too common (cache.key, dict key); it is a secret after one of these, also run together
# with it ("authkey").
_KEY_QUALIFIERS = frozenset(
    {
        "api",
        "auth",
        "secret",
        "private",
        "access",
        "signing",
        "client",
        "encryption",
        "master",
        "subscription",
        "license",
    }
)
# A key ending in the word "key" names a credential (AZURE_OPENAI_KEY, x-functions-key) unless "key" is the
# whole last dotted part (cache.key, aws.s3.key, feature_flag.key) or follows one of these.
_KEY_NOT_SECRET_AFTER = frozenset(
    {
        "cache", "primary", "foreign", "unique", "composite", "compound", "natural", "surrogate", "candidate",
        "sort", "partition", "range", "hash", "shard", "bucket", "object", "s3", "row", "column", "index",
        "lookup", "search", "map", "dict", "item", "field", "attribute", "label", "tag", "metric", "group",
        "routing", "message", "event", "record", "entity", "idempotency", "dedup", "dedupe", "deduplication",
        "correlation", "join", "merge", "lock", "queue", "job", "task", "redis", "cursor", "page", "start",
        "end", "prefix", "flag", "feature", "config", "setting", "translation", "i18n", "public", "sequence",
    }
)  # fmt: skip
# "pass" followed by one of these names a credential; last in a key it does too (DB_PASS).
_PASS_SECRET_BEFORE = frozenset({"phrase", "word", "code", "key"})
# "token" followed by one of these is a count or a setting, not a credential.
_TOKEN_NOT_SECRET_AFTER = frozenset({"count", "counts", "usage", "limit", "type", "budget", "len", "length"})
# Key fragments matched as plain substrings (after lower-casing).
_SECRET_FRAGMENTS = ("password", "secret", "cookie", "apikey", "api_key", "api-key", "authorization")

# "apiKey" → api key; "APIToken" → API Token (an acronym ends before its last capital).
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")

_VALUE_SECRETS = re.compile(
    r"(?i:\bbearer\s+[A-Za-z0-9._~+/=-]{16,})"  # an Authorization header's value
    r"|\bsk-[A-Za-z0-9_-]{16,}"  # OpenAI- and Anthropic-style secret keys
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"  # AWS access key ids
    r"|\bAIza[0-9A-Za-z_-]{35}"  # Google API keys
    r"|\bgh[pousr]_[A-Za-z0-9]{36,}"  # GitHub tokens
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}"  # Slack tokens
)
# "Basic " + base64 of "user:password"; checked by decoding, so "Basic understanding" stays.
_BASIC_AUTH = re.compile(r"(?i:\bbasic)\s+([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])")
# scheme://user:PASSWORD@host: the password only (a user info part holds no "/").
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@\"'<>]*:)([^\s/@\"'<>]+)(@)")
# "key": "value" in JSON text (or 'key': 'value' in a Python repr); an unterminated value runs to the end.
_QUOTED_PAIR = re.compile(
    r"""(?P<q>["'])(?P<key>[^"'\\\n]{1,80})(?P=q)(?P<sep>\s*:\s*)"""
    r"""(?P<vq>["'])(?P<value>(?:\\.|(?!(?P=vq))[^\\])*)(?P<end>(?P=vq)|\Z)"""
)
# "AuthenticationError: Incorrect API key" names a failure, not a field holding a credential.
_MESSAGE_WORDS = frozenset(
    {"error", "exception", "failed", "failure", "warning", "invalid", "missing", "expired"}
)
# key=value and key: value in plain text (query strings, env dumps, log lines, keyword arguments). Only the
# key and separator: a value is read only after a secret key, so a pair inside another key's value (the
# first query parameter of a URL, "note: password=…") is still found. "https:" before "//" is a scheme.
_PLAIN_KEY = re.compile(r"(?i)(?<![\w.-])(?P<key>[a-z][a-z0-9_.-]{0,63})(?P<sep>\s*(?:=|:(?!//))\s*)")
_PLAIN_SCHEME = re.compile(r"(?i)(?:bearer|basic|token)\s+")
_PLAIN_VALUE_END = re.compile(r"[\s&;,\"'<>•]")  # a bare value runs to one of these
_PLAIN_VALUE_STOPS = frozenset(" \t\n\r\f\v&;,\"'<>")  # ... and must end at one of these, not a mask's "•"
_MASK_AFTER_SPACE = re.compile(r"\s+•")


def key_words(key: str) -> list[str]:
    """``"http.request.header.X-Api-Key"`` → ``["http", "request", "header", "x", "api", "key"]``."""
    return [word for word in _NON_WORD.split(_CAMEL_BOUNDARY.sub("_", key).lower()) if word]


def _names_secret(key: str) -> bool:
    lowered = key.lower()
    if any(fragment in lowered for fragment in _SECRET_FRAGMENTS):
        return True
    words = key_words(key)
    for index, word in enumerate(words):
        if word in _SECRET_WORDS:
            return True
        following = words[index + 1] if index + 1 < len(words) else None
        if word == "key" and index > 0 and words[index - 1] in _KEY_QUALIFIERS:
            return True
        if word.endswith("key") and word[:-3] in _KEY_QUALIFIERS:  # "authkey", "apikey", "secretkey"
            return True
        # Singular "token": access_token, x-auth-token, github.token; never
        # "tokens" (a count) nor "token_count".
        if word == "token" and following not in _TOKEN_NOT_SECRET_AFTER:
            return True
        if word == "pass" and following in _PASS_SECRET_BEFORE:  # passPhrase, pass_word, PASS_CODE
            return True
    # "pass" as the last word (DB_PASS, smtp.pass); not "pass_rate" or "pass_at_1", an evaluation's figures.
    return (bool(words) and words[-1] == "pass" and len(words) > 1) or _ends_in_a_named_key(key, words)


def _ends_in_a_named_key(key: str, words: list[str]) -> bool:
    """``AZURE_OPENAI_KEY``, ``x-functions-key``: the last word "key" after a word that names no kind of
    lookup key. Never ``key`` alone or as the last dotted part (``cache.key``, ``feature_flag.key``)."""
    if len(words) < 2 or words[-1] != "key" or words[-2] in _KEY_NOT_SECRET_AFTER:
        return False
    return len(key_words(key.rsplit(".", 1)[-1])) > 1


@functools.lru_cache(maxsize=1024)
def _names_secret_cached(key: str) -> bool:
    return _names_secret(key)


class Masker:
    """Decides which values to hide; one per render or save, so the environment is read once."""

    def __init__(self, extra_fragments: Iterable[str] | None = None) -> None:
        extra = config.extra_mask_keys() if extra_fragments is None else extra_fragments
        self._extra = tuple(fragment.lower() for fragment in extra if fragment)
        # With extra fragments, text holding only them must be scrubbed too.
        self._key_words = (*_KEY_WORDS, *self._extra)
        self._triggers = (*_TRIGGER_WORDS, *self._extra)
        self._decided: dict[str, bool] = {}

    def is_secret_key(self, key: str) -> bool:
        decided = self._decided.get(key)
        if decided is None:
            lowered = key.lower()
            decided = _names_secret(key) or any(fragment in lowered for fragment in self._extra)
            if len(self._decided) < _MAX_DECIDED:
                self._decided[key] = decided
        return decided

    def scrub(self, text: str) -> str:
        """``text`` with the credentials inside it replaced by the mask."""
        return _scrub(text, self.is_secret_key, self._key_words, self._triggers)

    def head(self, text: str, limit: int) -> tuple[str, int]:
        """The first ``limit`` characters of ``text`` as they may be shown, and how many are cut off.

        Scrubbed before the cut, over a window reaching ``_CREDENTIAL_REACH`` past it: a credential that
        straddles the cut is recognised whole (a ``Basic`` value must decode, an ``sk-`` key be long
        enough) and none of it is shown. The window keeps a multi-megabyte value cheap."""
        if len(text) <= limit:
            return self.scrub(text), 0
        window = text[: limit + 2 * _CREDENTIAL_REACH]
        scrubbed = self.scrub(window)
        # A credential cut by the window's end is not recognised but stays at the scrubbed window's end,
        # past what is shown, unless masks before it shortened the window that much: then take it all.
        if len(window) < len(text) and len(scrubbed) < limit + _CREDENTIAL_REACH:
            scrubbed = self.scrub(text)
        return scrubbed[:limit], len(text) - limit

    def mask_value(self, key: str, value: Any, depth: int = 0) -> Any:
        """``value`` as it may be kept under ``key``: whole when the key names a secret,
        mappings key by key, sequences item by item, text scrubbed."""
        if self.is_secret_key(key):
            return MASK
        if isinstance(value, str):
            return self.scrub(value)
        if depth >= _MAX_DEPTH:
            return value if isinstance(value, (int, float, bool, bytes)) or value is None else MASK
        if isinstance(value, Mapping):
            return {str(k): self.mask_value(str(k), v, depth + 1) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return tuple(self.mask_value(key, item, depth + 1) for item in value)
        return value

    def mask_attributes(self, attributes: Mapping[str, Any]) -> dict[str, Any]:
        return {key: self.mask_value(key, value) for key, value in attributes.items()}


_CREDENTIAL_REACH = 4_096  # characters: longer than any credential a value shape recognises
_MAX_DECIDED = 10_000  # keys remembered per masker: a trace with a million distinct keys stays bounded
_MAX_DEPTH = 64  # deeper than storage loads (32); what lies below is masked rather than walked


# Every secret key contains one of these words (any case): text without any holds no secret-named field.
_KEY_WORDS = ("auth", "pass", "pwd", "secret", "cookie", "bearer", "credential", "jwt", "key", "token")
_VALUE_MARKERS = ("sk-", "AKIA", "ASIA", "AIza", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "xox")


_TRIGGER_WORDS = (*_KEY_WORDS, *(marker.lower() for marker in _VALUE_MARKERS), "basic", "://")


def _holds_any(lowered: str, words: tuple[str, ...]) -> bool:
    # Substring tests on the lower-cased text: many times faster than one case-insensitive regex.
    return any(word in lowered for word in words)


def configured_masker() -> Masker:
    """The masker of ``DATAPIZZA_TRACING_MASK_KEYS`` as it is set now, for views not handed one: every
    text a render shows is scrubbed by the same rule as its attributes."""
    return _masker_for(config.extra_mask_keys())


@functools.lru_cache(maxsize=8)
def _masker_for(extra_fragments: tuple[str, ...]) -> Masker:
    return Masker(extra_fragments)


def scrub_text(text: str) -> str:
    """``text`` with embedded credentials replaced by the mask (the built-in key rule only)."""
    return _scrub(text, _names_secret_cached)


def _scrub(
    text: str,
    is_secret_key: Callable[[str], bool],
    hint_words: tuple[str, ...] = _KEY_WORDS,
    triggers: tuple[str, ...] = _TRIGGER_WORDS,
) -> str:
    # One cheap search first: most values (model ids, URLs, prose) hold none of the shapes, and a
    # saved trace scrubs every string of every span.
    if not text:
        return text
    lowered = text.lower()
    if not _holds_any(lowered, triggers):
        return text
    if any(marker in text for marker in _VALUE_MARKERS) or "bearer" in lowered:
        text = _VALUE_SECRETS.sub(MASK, text)
    if "basic" in lowered:
        text = _BASIC_AUTH.sub(_basic_credentials, text)
    if "://" in text and "@" in text:
        text = _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    if not _holds_any(lowered, hint_words):
        return text  # no key in the text can name a secret

    def quoted(match: re.Match[str]) -> str:
        if not match.group("value") or not is_secret_key(match.group("key")):
            return match.group(0)
        vq = match.group("vq")
        end = match.group("end")
        return f"{match.group('q')}{match.group('key')}{match.group('q')}{match.group('sep')}{vq}{MASK}{end}"

    if '"' in text or "'" in text:
        text = _QUOTED_PAIR.sub(quoted, text)
    if "=" in text or ":" in text:
        text = _mask_plain_pairs(text, is_secret_key)
    return text


def _mask_plain_pairs(text: str, is_secret_key: Callable[[str], bool]) -> str:
    """``text`` with the value of every secret-named ``key=value`` / ``key: value`` masked.

    A bare value runs to a space, ``&``, ``;``, ``,``, a quote or ``<>``; a quoted one to its closing quote
    (or the end of the text, as a cut value does). Linear: a run's end is searched once however many keys it
    holds, and a masked value is skipped whole."""
    out: list[str] = []
    done = 0  # text[:done] is decided
    run_from = run_end = -1  # the last bare-value run found: no stop between run_from and run_end
    judged: dict[str, bool] = {}  # keys repeat in long text: judge each once
    for match in _PLAIN_KEY.finditer(text):
        if match.start() < done:
            continue  # inside a value masked already
        key = match.group("key")
        masks = judged.get(key)
        if masks is None:
            masks = judged[key] = is_secret_key(key) and key_words(key)[-1] not in _MESSAGE_WORDS
        if not masks:
            continue
        start = match.end()
        if start < len(text) and text[start] in "\"'":
            close = text.find(text[start], start + 1)
            end = len(text) if close < 0 else close
            if end == start + 1:
                continue  # an empty value hides nothing
            out.append(f"{text[done : start + 1]}{MASK}")
            done = end
            continue
        scheme = _PLAIN_SCHEME.match(text, start)
        for value_start in ((scheme.end(),) if scheme else ()) + (start,):
            if not run_from <= value_start < run_end:
                stop = _PLAIN_VALUE_END.search(text, value_start)
                run_from, run_end = value_start, stop.start() if stop else len(text)
            if run_end > value_start and _bare_value_ends(text, run_end):
                out.append(f"{text[done:value_start]}{MASK}")
                done = run_end
                break
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


def _bare_value_ends(text: str, end: int) -> bool:
    # The whole value (not cut at a mask's "•"), and not the scheme word before a value masked already.
    return end == len(text) or (text[end] in _PLAIN_VALUE_STOPS and not _MASK_AFTER_SPACE.match(text, end))


def _basic_credentials(match: re.Match[str]) -> str:
    try:
        decoded = base64.b64decode(match.group(1), validate=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return match.group(0)[: match.start(1) - match.start(0)] + MASK if b":" in decoded else match.group(0)


def mask_snapshot(snapshot: TraceSnapshot, masker: Masker | None = None) -> TraceSnapshot:
    """``snapshot`` with every secret masked: in span, event, link, scope and resource attributes (by key
    and inside text), in status messages, event names and the block's notes. What a saved file keeps
    unless the caller opts out."""
    masker = masker if masker is not None else Masker()
    # Spans of one provider share one Resource and one scope per tracer: mask each once.
    resources: dict[int, Resource | None] = {}
    scopes: dict[int, InstrumentationScope | None] = {}

    def resource(original: Resource | None) -> Resource | None:
        if original is None:
            return None
        masked = resources.get(id(original))
        if masked is None:
            masked = resources[id(original)] = Resource(
                masker.mask_attributes(original.attributes), original.schema_url
            )
        return masked

    def scope(original: InstrumentationScope | None) -> InstrumentationScope | None:
        if original is None or not original.attributes:
            return original
        masked = scopes.get(id(original))
        if masked is None:
            masked = scopes[id(original)] = InstrumentationScope(
                original.name,
                original.version,
                original.schema_url,
                masker.mask_attributes(original.attributes),
            )
        return masked

    spans = tuple(
        span._replace(
            attributes=masker.mask_attributes(span.attributes),
            status_message=masker.scrub(span.status_message) if span.status_message else span.status_message,
            events=tuple(
                event._replace(
                    name=masker.scrub(event.name), attributes=masker.mask_attributes(event.attributes)
                )
                for event in span.events
            ),
            links=tuple(
                Link(link.context, masker.mask_attributes(link.attributes or {})) for link in span.links
            ),
            scope=scope(span.scope),
            resource=resource(span.resource),
        )
        for span in snapshot.spans
    )
    notes = tuple(masker.scrub(note) for note in snapshot.notes)
    return dataclasses.replace(snapshot, spans=spans, notes=notes)
