"""The fake OpenAI API of the interop tests (it ships with the package for the example notebooks)."""

from datapizza_tracing.demo.fake_openai_server import (
    ANSWER,
    CHAT_USAGE,
    RESPONSES_USAGE,
    FakeOpenAI,
    RecordedRequest,
    Usage,
)

__all__ = ["ANSWER", "CHAT_USAGE", "RESPONSES_USAGE", "FakeOpenAI", "RecordedRequest", "Usage"]
