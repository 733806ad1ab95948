"""Fixtures of the interop tests: the fake OpenAI API on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_openai import FakeOpenAI


@pytest.fixture
def fake_api() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as api:
        yield api
