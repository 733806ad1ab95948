#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine (run as root or with sudo):
# the package with its test extra, Debian's Chromium for the browser test, and Arize Phoenix
# (a real OTLP backend) in a virtual environment of its own, since it pins its own dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
PHOENIX_VENV="${DATAPIZZA_TEST_PHOENIX_VENV:-/opt/phoenix-venv}"

if ! command -v chromium >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# The test extra pins the agent frameworks of tests/frameworks/ (pydantic-ai, openai-agents, LangChain,
# logfire, MLflow tracing, datapizza-ai) to the versions the tests were written against.
"$PYTHON" -m pip install --quiet -e ".[test]"

if [ ! -x "$PHOENIX_VENV/bin/phoenix" ]; then
    "$PYTHON" -m venv "$PHOENIX_VENV"
    # The version the Phoenix stage was written against (its REST API is read back).
    "$PHOENIX_VENV/bin/pip" install --quiet "arize-phoenix==20.26.1"
fi
echo "test dependencies installed"
