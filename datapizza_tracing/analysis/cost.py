"""Token usage → US dollars, from a price table per model.

Prices are USD per million tokens: ``input``, ``cached_input`` (a prompt-cache
read), ``cache_write_input`` (a prompt-cache write, which Anthropic bills above
the input price) and ``output``. Token semantics follow the summary table:
prompt tokens *include* cache reads and writes and completion tokens include
thinking ones, so a call costs ``(prompt - cached - cache_write) * input +
cached * cached_input + cache_write * cache_write_input + completion * output``.

The table is the built-in ``prices.json`` (dated by its ``prices_as_of``),
extended or overridden by a JSON file named in ``DATAPIZZA_TRACING_PRICES`` and
then by ``set_prices({...})`` from Python. A model found in none of them has no
price: its cost is ``None`` (shown as a dash) and never guessed from a similar
name; a total over such models is marked partial.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .. import config
from ..config import ConfigError
from .regular_files import read_regular_file
from .summary import TokenUsage
from .vocabulary import LlmCall

PER_TOKENS = 1_000_000


@dataclass(frozen=True)
class ModelPrice:
    """USD per million tokens."""

    input: float
    cached_input: float
    output: float
    cache_write_input: float | None = None  # None: billed as input

    def cost(self, usage: TokenUsage | LlmCall) -> float:
        """The cost of one call or of a sum of calls (both carry the same token figures)."""
        cached = min(usage.cached_tokens, usage.prompt_tokens)
        written = min(usage.cache_write_tokens, usage.prompt_tokens - cached)
        uncached = usage.prompt_tokens - cached - written
        write_price = self.input if self.cache_write_input is None else self.cache_write_input
        return (
            uncached * self.input
            + cached * self.cached_input
            + written * write_price
            + usage.completion_tokens * self.output
        ) / PER_TOKENS


@dataclass(frozen=True)
class CostBreakdown:
    """Cost per model (``None`` = no price known) and their total."""

    per_model: Mapping[str, float | None]
    total: float  # sum of the models with a price
    unpriced: tuple[str, ...]  # models with usage but no price
    prices_as_of: str | None

    @property
    def partial(self) -> bool:
        """True when some model has no price, so ``total`` is a lower bound."""
        return bool(self.unpriced)


_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")
_VERSION_SUFFIX = re.compile(r"-(latest|\d{3})$")


def _table_key(model: str) -> str:
    """Case and provider prefix folded, a dated snapshot kept (some snapshots have their own price)."""
    return model.strip().lower().rsplit("/", 1)[-1]


def normalize_model(model: str) -> str:
    """The table key for a model id as providers report it.

    Only spellings of the *same* model are folded together: case, a provider
    prefix (``openai/gpt-4o``, ``models/gemini-2.0-flash``), a dated snapshot
    (``gpt-4o-mini-2024-07-18``, ``claude-3-5-haiku-20241022``), ``-latest`` and
    a numbered revision (``gemini-2.0-flash-001``). ``gpt-4o-mini`` never falls
    back to ``gpt-4o``.
    """
    name = _DATE_SUFFIX.sub("", _table_key(model))
    return _VERSION_SUFFIX.sub("", name)


def _parse_price(model: str, entry: Any, source: str) -> ModelPrice:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{source}: price of {model!r} must be an object with input/output, not {entry!r}")

    def number(key: str, default: float | None = None) -> float:
        value = entry.get(key, default)
        price = _usable_price(value)
        if price is None:
            shown = f"{value!r}" if not isinstance(value, int) or abs(value) < 10**40 else "a huge integer"
            raise ConfigError(
                f"{source}: {model!r} needs a finite, non-negative number for {key!r}, got {shown}"
            )
        return price

    input_price = number("input")
    # A user entry without cached_input means the provider gives no cache discount,
    # and one without cache_write_input that cache writes cost the input price.
    return ModelPrice(
        input_price,
        number("cached_input", input_price),
        number("output"),
        number("cache_write_input", input_price),
    )


def _usable_price(value: Any) -> float | None:
    """``value`` as a price, or ``None``: NaN would make every total NaN (and ``compare(a, a)`` report a
    change), an infinity or an integer past a float's range has no cost to show."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        price = float(value)
    except OverflowError:  # 10**400 from a JSON file
        return None
    return price if math.isfinite(price) and price >= 0 else None


def _parse_table(data: Any, source: str) -> dict[str, ModelPrice]:
    """``{"models": {name: price}}`` (the built-in layout) or a flat ``{name: price}``."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a JSON object of model prices")
    models = data.get("models", data)
    if not isinstance(models, Mapping):
        raise ConfigError(f"{source}: 'models' must be an object of model prices")
    skip = {"prices_as_of", "unit", "note"} if models is data else set()
    return {
        _table_key(str(name)): _parse_price(str(name), entry, source)
        for name, entry in models.items()
        if name not in skip
    }


def _builtin() -> tuple[dict[str, ModelPrice], str | None]:
    text = resources.files(__package__).joinpath("prices.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return _parse_table(data, "built-in prices.json"), data.get("prices_as_of")


def _from_env() -> dict[str, ModelPrice]:
    path = config.prices_path()
    if path is None:
        return {}
    try:
        # Re-read at every block: a FIFO (or a shell's <(cat prices.json)) would hang each block's end.
        data = json.loads(read_regular_file(path).decode("utf-8"))
    except OSError as error:
        raise ConfigError(
            f"{config.PRICES_ENV}={path!r}: cannot read the file ({error.strerror or error})"
        ) from None
    except ValueError as error:
        raise ConfigError(f"{config.PRICES_ENV}={path!r}: not valid JSON ({error})") from None
    return _parse_table(data, f"{config.PRICES_ENV}={path!r}")


_lock = threading.Lock()
_builtin_cache: tuple[dict[str, ModelPrice], str | None] | None = None
_overrides: dict[str, ModelPrice] = {}


def set_prices(prices: Mapping[str, Mapping[str, float] | ModelPrice], *, replace: bool = False) -> None:
    """Add or override model prices from Python (USD per million tokens).

    ``set_prices({"my-model": {"input": 1.0, "cached_input": 0.5, "output": 2.0}})``;
    ``cached_input`` defaults to ``input``. These win over the env file and the
    built-in table. ``replace=True`` drops earlier ``set_prices`` entries first.
    """
    parsed = {
        _table_key(name): _parse_price(name, _fields(price), "set_prices") for name, price in prices.items()
    }
    with _lock:
        if replace:
            _overrides.clear()
        _overrides.update(parsed)


def _fields(price: Mapping[str, float] | ModelPrice) -> Any:
    # A ModelPrice is checked like a mapping: ModelPrice(nan, ...) is as unusable as {"input": nan}.
    if isinstance(price, ModelPrice):
        return {key: value for key, value in dataclasses.asdict(price).items() if value is not None}
    return price


def reset_prices() -> None:
    """Forget every ``set_prices`` entry."""
    with _lock:
        _overrides.clear()


def price_table() -> tuple[dict[str, ModelPrice], str | None]:
    """The effective prices (built-in ← env file ← ``set_prices``) and the built-in date.

    The env file is re-read on each call, so a notebook user who points
    ``DATAPIZZA_TRACING_PRICES`` elsewhere sees it on the next block.
    """
    global _builtin_cache
    if _builtin_cache is None:
        _builtin_cache = _builtin()
    builtin, as_of = _builtin_cache
    with _lock:
        overrides = dict(_overrides)
    return {**builtin, **_from_env(), **overrides}, as_of


def price_of(model: str, table: Mapping[str, ModelPrice] | None = None) -> ModelPrice | None:
    """The price of ``model``, or ``None`` when no table entry names it.

    An entry for the exact snapshot wins (``gpt-4o-2024-05-13`` cost twice
    ``gpt-4o``); otherwise the entry of the model the snapshot belongs to.
    """
    if table is None:
        table, _ = price_table()
    price = table.get(_table_key(model))
    return price if price is not None else table.get(normalize_model(model))


def display_price_table() -> tuple[dict[str, ModelPrice], str | None]:
    # A broken price file must not cost the user the whole trace view: price from the other sources.
    try:
        table = price_table()
    except ConfigError as error:
        _warn_once(f"{error}; prices from that file are ignored")
        builtin, as_of = _builtin_cache or _builtin()
        with _lock:
            overrides = dict(_overrides)
        return {**builtin, **overrides}, as_of
    _warn_once(None)
    return table


_warned: list[str | None] = [None]  # the price file problem warned about last, None once it reads


def _warn_once(problem: str | None) -> None:
    """One warning per problem with the price file, however many reads (the panel, the tree, each
    frame of the live view) meet it; the same problem warns again after the file has read well."""
    with _lock:
        if problem == _warned[0]:
            return
        _warned[0] = problem
    if problem is not None:
        warnings.warn(problem, PriceFileWarning, stacklevel=4)


class PriceFileWarning(UserWarning):
    """The price file named by DATAPIZZA_TRACING_PRICES cannot be used."""


def cost_breakdown(usage: Mapping[str, TokenUsage]) -> CostBreakdown:
    """Cost per model for a summary's token usage (``TraceSummary.usage``)."""
    table, as_of = display_price_table()
    per_model: dict[str, float | None] = {}
    unpriced: list[str] = []
    total = 0.0
    for model, model_usage in usage.items():
        price = price_of(model, table)
        if price is None:
            per_model[model] = None
            unpriced.append(model)
            continue
        cost = price.cost(model_usage)
        per_model[model] = cost
        total += cost
    return CostBreakdown(per_model, total, tuple(unpriced), as_of)
