"""Hiding secrets that instrumentations write on spans, before a view shows them.

HTTP instrumentations record request headers (``http.request.header.authorization``),
client libraries record their settings (``api_key``), and saved notebooks get
shared. A value is masked when its attribute *key* names a credential. The word
"token" is the hard case: LLM spans are full of token *counts*
(``gen_ai.usage.input_tokens``, ``prompt_tokens_used``, ``llm.token_count.prompt``)
that must stay visible, while ``access_token`` or ``x-auth-token`` are secrets.
Keys are therefore split into words and judged word by word, not by substring.

Values are also scrubbed of the two credential shapes that travel inside text
(``Bearer …`` values and ``sk-…`` keys), for secrets embedded in captured input/output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .. import config

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
# "key" alone is too common (cache.key, dict key); it is a secret after one of these.
_KEY_QUALIFIERS = frozenset(
    {
        "api",
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
# "token" followed by one of these is a count or a setting, not a credential.
_TOKEN_NOT_SECRET_AFTER = frozenset({"count", "counts", "usage", "limit", "type", "budget", "len", "length"})
# Key fragments matched as plain substrings (after lower-casing).
_SECRET_FRAGMENTS = ("password", "secret", "cookie", "apikey", "api_key", "api-key", "authorization")

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")

_VALUE_SECRETS = re.compile(
    r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{16,}"  # an Authorization header's value
    r"|\bsk-[A-Za-z0-9_-]{16,}"  # OpenAI-style secret keys
)


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
        # Singular "token": access_token, x-auth-token, github.token; never
        # "tokens" (a count) nor "token_count".
        if word == "token" and following not in _TOKEN_NOT_SECRET_AFTER:
            return True
    return False


class Masker:
    """Decides which attribute values to hide; one per render, so the environment is read once."""

    def __init__(self, extra_fragments: Iterable[str] | None = None) -> None:
        extra = config.extra_mask_keys() if extra_fragments is None else extra_fragments
        self._extra = tuple(fragment.lower() for fragment in extra if fragment)
        self._decided: dict[str, bool] = {}

    def is_secret_key(self, key: str) -> bool:
        decided = self._decided.get(key)
        if decided is None:
            lowered = key.lower()
            decided = _names_secret(key) or any(fragment in lowered for fragment in self._extra)
            self._decided[key] = decided
        return decided

    def display_value(self, key: str, text: str) -> str:
        """``text`` (a value already made a string) as it may be shown under ``key``."""
        if self.is_secret_key(key):
            return MASK
        return scrub_text(text)


def scrub_text(text: str) -> str:
    """``text`` with embedded bearer credentials and secret keys replaced by the mask."""
    return _VALUE_SECRETS.sub(MASK, text)
