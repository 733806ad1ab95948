"""Settings: every one parsed and bounded in one place, and refused before a block's body runs."""

from __future__ import annotations

import pytest

from datapizza_tracing import ConfigError, ContextTracing, config, record_client_io


@pytest.mark.parametrize(
    ("env", "value"),
    [
        (config.FLUSH_TIMEOUT_ENV, "99999999999999999999999"),  # once an OverflowError at the block's end
        (config.FLUSH_TIMEOUT_ENV, "1" + "0" * 5_000),
        (config.FLUSH_TIMEOUT_ENV, "0"),
        (config.MAX_SPANS_ENV, "-3"),
        (config.TREE_LIMIT_ENV, "2.5"),
        (config.TREE_LIMIT_ENV, "²"),  # a digit to str.isdigit, not to int()
        (config.HISTORY_ENV, "lots"),
        (config.CLIENT_IO_ENV, "garbage"),
        (config.DISPLAY_ENV, "fancy"),
        (config.TRACE_URL_ENV, "http://jaeger:16686/trace/"),
        (config.RECEIVE_ENV, "maybe"),
        (config.RECEIVE_ENV, "70000"),
        (config.RECEIVE_HOST_ENV, "192.168.1.20"),
        (config.RECEIVE_MAX_BYTES_ENV, "10"),
        (config.REMOTE_WAIT_ENV, "-1"),
        (config.REMOTE_GRACE_ENV, "soon"),
        (config.PHOENIX_URL_ENV, "ftp://phoenix:6006"),
        (config.PHOENIX_PROJECT_ENV, "a/b"),
    ],
)
def test_a_bad_setting_is_refused_before_the_body_runs(monkeypatch, env: str, value: str) -> None:
    monkeypatch.setenv(env, value)
    ran = []
    with pytest.raises(ConfigError, match=env):
        with ContextTracing().trace("never"):
            ran.append(True)
    assert ran == []


def test_the_largest_flush_timeout_leaves_the_users_exception_alone(monkeypatch) -> None:
    monkeypatch.setenv(config.FLUSH_TIMEOUT_ENV, str(config.FLUSH_TIMEOUT_MAX_MS))
    with pytest.raises(KeyError, match="mine"):
        with ContextTracing().trace("bounded"):
            raise KeyError("mine")


@pytest.mark.parametrize(
    ("value", "expected"), [("TRUE", True), (" yes ", True), ("1", True), ("off", False), ("", False)]
)
def test_client_io_reads_yes_no_values_in_any_case(monkeypatch, value: str, expected: bool) -> None:
    monkeypatch.setenv(config.CLIENT_IO_ENV, value)
    assert config.client_io_enabled() is expected


def test_record_client_io_with_a_bad_setting_says_so(monkeypatch) -> None:
    monkeypatch.setenv(config.CLIENT_IO_ENV, "maybe")
    from opentelemetry import trace

    with trace.get_tracer("tests").start_as_current_span("call") as span:
        with pytest.raises(ConfigError, match="not a yes/no value"):
            record_client_io(span, input="hi")


def test_numbers_within_bounds_are_read_as_given(monkeypatch) -> None:
    monkeypatch.setenv(config.MAX_SPANS_ENV, "+250")
    monkeypatch.setenv(config.HISTORY_ENV, "0")
    assert config.max_spans() == 250 and config.history_limit() == 0


@pytest.mark.parametrize("receive", [-1, 0, 70_000, "yes", 2.5])
def test_a_bad_receive_argument_is_refused_before_the_body_runs(receive: object) -> None:
    with pytest.raises(ValueError, match="receive must be"):
        ContextTracing().trace("never", receive=receive)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "parsed"), [("on", True), ("OFF", False), ("4318", 4318), (" ", False)])
def test_the_receive_setting_reads_on_off_or_a_port(monkeypatch, value: str, parsed: object) -> None:
    monkeypatch.setenv(config.RECEIVE_ENV, value)
    assert config.receive() == parsed


def test_a_non_loopback_receiver_address_needs_an_explicit_yes(monkeypatch) -> None:
    monkeypatch.setenv(config.RECEIVE_HOST_ENV, "10.1.2.3")
    monkeypatch.setenv(config.RECEIVE_ANY_HOST_ENV, "true")
    assert config.receive_host() == "10.1.2.3"
