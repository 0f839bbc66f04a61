"""``--output FORMAT=PATH`` where PATH is a pipe or a device (``/dev/stdout``, a shell's
``>(jq .)``): the report is written into it, never renamed over it (which replaced the pipe,
or as root a device node, with a regular file); a format that writes pages beside its main
file (html) refuses such a path instead of writing its pages into the device's folder."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

from conftest import PROJECT, invoke
from meshkit import copy_example_repo


def test_a_report_goes_into_a_pipe_and_the_pipe_stays(tmp_path: Path) -> None:
    repo = copy_example_repo(PROJECT, tmp_path / "repo")
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    copy = tmp_path / "read.json"
    with copy.open("wb") as sink, subprocess.Popen(["cat", str(fifo)], stdout=sink) as reader:
        r = invoke("check", "--no-data", "--no-history", "--no-reports", "--output", f"json={fifo}", cwd=repo)
        if not stat.S_ISFIFO(fifo.lstat().st_mode):  # replaced: the reader waits for ever
            reader.kill()
        reader.wait(timeout=60)
    assert r.returncode in (0, 1), r.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert json.loads(copy.read_text(encoding="utf-8"))["command"] == "check"
    html = invoke("check", "--no-data", "--no-history", "--no-reports", "--output", f"html={fifo}", cwd=repo)
    assert html.returncode == 2 and "needs a file path, not a device or a pipe" in html.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and sorted(p.name for p in tmp_path.iterdir()) == [
        "read.json",
        "repo",
        "results.fifo",
    ]


def test_a_report_through_a_link_updates_its_file_and_the_link_stays(tmp_path: Path) -> None:
    """``--output json=latest.json`` where latest.json links to a file elsewhere (or
    ``/dev/stdout`` while standard output is a file): the file is written, the link stays."""
    repo = copy_example_repo(PROJECT, tmp_path / "repo")
    (tmp_path / "shared").mkdir()
    target = tmp_path / "shared" / "results.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    r = invoke("check", "--no-data", "--no-history", "--no-reports", "--output", f"json={link}", cwd=repo)
    assert r.returncode in (0, 1), r.stderr
    assert link.is_symlink() and link.resolve() == target
    assert json.loads(target.read_text(encoding="utf-8"))["command"] == "check"
