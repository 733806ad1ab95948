"""The package's shape is checked, not hoped for: one-way layers, independent renderers, clean lint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# import-linter's command, run in a fresh interpreter so that PYTHONPATH picks which copy is analysed.
_LINT_IMPORTS = (
    "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
)


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", _LINT_IMPORTS, "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_import_points_down_the_layers() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward_import"),
    [
        ("model/record.py", "from ..views import text as _upward  # noqa: F401\n"),
        ("render/rich/table.py", "from ..html import style as _sideways  # noqa: F401\n"),
        ("analysis/timing.py", "import rich as _output  # noqa: F401\n"),
    ],
)
def test_the_contract_fails_on_an_upward_import(tmp_path: Path, module: str, upward_import: str) -> None:
    shutil.copytree(REPO / "datapizza_tracing", tmp_path / "datapizza_tracing")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "datapizza_tracing" / module
    target.write_text(target.read_text() + "\n" + upward_import)
    result = _lint_imports(tmp_path)
    assert result.returncode != 0 and "BROKEN" in result.stdout, result.stdout + result.stderr


def test_ruff_finds_nothing() -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed: install the test extra (pip install -e '.[test]')")
    result = subprocess.run(
        [ruff, "check", "--no-cache", "."], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
