"""What ``save`` does to the path it is given: links, special files, permissions, unencodable text.

Everything happens in pytest's temporary directory on real files, links, FIFOs and sockets.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from datapizza_tracing import load
from datapizza_tracing.storage.files import load_snapshot, save_snapshot
from datapizza_tracing.storage.otlp_encode import snapshot_to_otlp
from tests.support.records import snapshot, span

pytestmark = [
    pytest.mark.timeout(30),
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX links, FIFOs and modes"),
]

TRACE = snapshot(span(1, 0, 0, 2, "block"), span(2, 1, 0.5, 1, "step"))


def _leftovers(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir() if path.name.endswith(".tmp"))


@pytest.fixture
def umask_027() -> Iterator[None]:
    previous = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(previous)


def _save_in_thread(path: Path) -> BaseException | None:
    """``save_snapshot(TRACE, path)`` that cannot hang: opening a FIFO to write waits for a reader."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            save_snapshot(TRACE, path)
            outcome.append(None)
        except BaseException as error:  # handed to the test
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():  # blocked opening the FIFO: a reader lets it go, then fail
        reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        worker.join(10)
        os.close(reader)
        pytest.fail(f"save({path}) blocked on opening the FIFO")
    return outcome[0]


@pytest.mark.parametrize("length", [200, 250, 255])
def test_any_name_a_folder_takes_can_be_saved_to(tmp_path: Path, length: int) -> None:
    path = tmp_path / ("a" * (length - len(".json")) + ".json")  # the usual limit: 255 bytes
    assert save_snapshot(TRACE, path) == path
    assert load_snapshot(path).spans and _leftovers(tmp_path) == []


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    real = tmp_path / "runs" / "run42.json"
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    assert save_snapshot(TRACE, link) == link
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert load_snapshot(real).name == "block" and load_snapshot(link).name == "block"
    assert _leftovers(tmp_path) == [] and _leftovers(tmp_path / "runs") == []


def test_a_relative_symlink_chain_and_a_dangling_link_are_followed(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "middle.json").symlink_to("run.json")  # dangling: the file does not exist yet
    (tmp_path / "latest.json").symlink_to("runs/middle.json")
    save_snapshot(TRACE, tmp_path / "latest.json")
    assert (tmp_path / "latest.json").is_symlink() and (tmp_path / "runs" / "middle.json").is_symlink()
    assert load_snapshot(tmp_path / "runs" / "run.json").name == "block"


def test_a_fifo_is_refused_untouched_and_nothing_waits_on_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    error = _save_in_thread(fifo)
    assert isinstance(error, OSError) and error.filename == str(fifo)
    assert "FIFO" in str(error) and str(fifo) in str(error)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert _leftovers(tmp_path) == []


def test_a_link_to_a_fifo_is_refused_and_names_where_it_leads(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "latest.json"
    link.symlink_to(fifo)
    error = _save_in_thread(link)
    assert isinstance(error, OSError) and error.filename == str(link)
    assert f"it leads to {fifo}" in str(error)
    assert link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    if len(os.fsencode(path)) > 100:
        pytest.skip("the temporary path is too long for a Unix socket")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(os.fspath(path))
        with pytest.raises(OSError, match="a socket"):
            save_snapshot(TRACE, path)
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_a_folder_and_a_missing_folder_are_refused_naming_the_path_asked_for(tmp_path: Path) -> None:
    folder = tmp_path / "adir"
    folder.mkdir()
    with pytest.raises(IsADirectoryError) as raised:
        save_snapshot(TRACE, folder)
    assert raised.value.filename == str(folder) and "folder" in str(raised.value)
    missing = tmp_path / "nowhere" / "x.json"
    with pytest.raises(FileNotFoundError) as raised:
        save_snapshot(TRACE, missing)
    assert raised.value.filename == str(missing) and str(tmp_path / "nowhere") in str(raised.value)
    assert folder.is_dir() and list(folder.iterdir()) == [] and _leftovers(tmp_path) == []


def test_an_overwritten_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "shared.json"
    path.write_text("old")
    path.chmod(0o664)
    save_snapshot(TRACE, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o664
    path.chmod(0o640)
    save_snapshot(TRACE, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert load_snapshot(path).name == "block"


def test_a_new_file_gets_the_permissions_open_gives_under_the_umask(tmp_path: Path, umask_027) -> None:
    with open(tmp_path / "by_open.json", "w"):
        pass
    save_snapshot(TRACE, tmp_path / "saved.json")
    expected = stat.S_IMODE((tmp_path / "by_open.json").stat().st_mode)
    assert expected == 0o640
    assert stat.S_IMODE((tmp_path / "saved.json").stat().st_mode) == expected


LONE = "cut \ud83d"  # a model reply cut inside an emoji's escape pair: json.loads('"\\ud83d"')


def test_lone_surrogates_are_saved_as_utf8_json_and_load_back_the_same(tmp_path: Path) -> None:
    trace = snapshot(
        span(1, 0, 0, 2, f"block {LONE}"),
        span(2, 1, 0.5, 1, "step\udc80", attributes={"output": LONE, "plain": "héllo"}),
    )
    path = save_snapshot(trace, tmp_path / "surrogate.json")
    text = path.read_bytes().decode("utf-8")  # strict: valid UTF-8
    assert "\\ud83d" in text and json.loads(text)  # escaped, valid JSON
    loaded = {s.span_id: s for s in load_snapshot(path).spans}
    assert loaded[1].name == f"block {LONE}" and loaded[2].name == "step\udc80"
    assert loaded[2].attributes["output"] == LONE and loaded[2].attributes["plain"] == "héllo"


def test_files_without_surrogates_keep_their_text_readable(tmp_path: Path) -> None:
    path = save_snapshot(snapshot(span(1, 0, 0, 2, "héllo 🍕")), tmp_path / "plain.json")
    assert "héllo 🍕" in path.read_text(encoding="utf-8")


def test_a_file_holding_an_escaped_lone_surrogate_loads(tmp_path: Path) -> None:
    document = snapshot_to_otlp(snapshot(span(1, 0, 0, 2, "x\ud800")))
    path = tmp_path / "escaped.json"
    path.write_text(json.dumps(document), encoding="ascii")  # json.dumps escapes it as \ud800
    assert load(path).snapshot().name == "x\ud800"
