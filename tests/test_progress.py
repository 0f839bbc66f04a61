"""Progress on a terminal while a large product is read and checked.

The real command line runs with its stderr on a pseudo-terminal (the ``pty``
module), the way a user's shell gives it one, over a generated CSV sample; the
status frames it draws are read back as they arrive. ``MESHGUARD_PROGRESS_DELAY=0``
makes the line appear from the first step, so what is asserted does not depend
on how fast this machine reads the file. The same runs on a pipe (CI logs) and
with ``--quiet`` must print none of it.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import polars as pl
import pytest

from meshguard.progress import Step
from meshguard.report.progress import Progress, describe
from quality_repo import customers_contract, write_contract

PROJECT = Path(__file__).resolve().parent.parent
ROWS = 300_000


def _repo(root: Path, products: tuple[str, ...] = ("customers",)) -> Path:
    """A governance repo whose products each hold a generated CSV of ``ROWS`` customers."""
    (root / "data").mkdir(parents=True)
    i = pl.int_range(0, ROWS, eager=True)
    frame = pl.DataFrame(
        {
            "customer_id": i,
            "email": "person" + i.cast(pl.String) + "@example.org",
            "age": (i % 90).cast(pl.Int64),
            "country": (i % 3).replace_strict({0: "FR", 1: "DE", 2: "ES"}, return_dtype=pl.String),
            "tier": (i % 3).replace_strict({0: "gold", 1: "silver", 2: "bronze"}, return_dtype=pl.String),
            "signed_up": "2025-01-10T08:00:00Z",
        }
    )
    for name in products:
        frame.write_csv(root / "data" / f"{name}.csv")
        doc = customers_contract(
            {"server": "s", "type": "local", "path": f"data/{name}.csv", "format": "csv"}
        )
        doc["id"] = name
        write_contract(root / "contracts" / f"{name}.odcs.yaml", doc)
    (root / "meshguard.yaml").write_text("data: {failing_samples: 3}\n")
    return root


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src"), "MESHGUARD_PROGRESS_DELAY": "0"}
    for var in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "NO_COLOR"):
        env.pop(var, None)
    return env


CHECK = ("-m", "meshguard", "check", "--no-history", "--no-reports", "--no-policy")


def _on_terminal(root: Path, *args: str, command: tuple[str, ...] = CHECK) -> tuple[int, list[str], str, str]:
    """(exit code, status frames drawn on the terminal in order, all the terminal got, stdout)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 240, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, *command, *args],
        cwd=root,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    got = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last holder of the terminal is gone
                return
            if not chunk:
                return
            got.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    out, _ = proc.communicate(timeout=600)
    reader.join(timeout=60)
    os.close(master)
    text = got.decode("utf-8", errors="replace")
    frames = [f.replace("\x1b[K", "").strip() for f in text.replace("\n", "\r").split("\r")]
    return proc.returncode, [f for f in frames if f], text, out.decode()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _repo(tmp_path_factory.mktemp("progress"))


def test_a_large_product_shows_its_steps_while_it_is_read_and_checked(repo: Path) -> None:
    code, frames, text, out = _on_terminal(repo)
    assert code == 1, text  # the customers contract has planted defects: the gate fails
    status = [f for f in frames if " products" in f]

    def first(needle: str) -> int:
        return next(i for i, f in enumerate(status) if needle in f)

    # drawn while the product was still being checked (0 of 1 done), step by step, in order
    size = (repo / "data" / "customers.csv").stat().st_size
    reading = first(f"0/1 products | customers: reading customers ({size / 10**6:.1f} MB)")
    checking = first(f"0/1 products | customers: checking customers ({ROWS:,} rows)")
    rules = first("customers: checking customers: rule 1/")
    end = first("1/1 products")
    assert reading < checking < rules < end == len(status) - 1
    assert status[end].startswith("[" + "#" * 24 + "]")
    # only ids, names, steps and counts: no value of the data reaches the terminal
    assert "@example.org" not in text and "person1" not in text
    assert " products |" not in out  # stdout keeps the report alone


def test_no_progress_on_a_pipe_or_with_quiet(repo: Path) -> None:
    piped = subprocess.run(
        [sys.executable, *CHECK], cwd=repo, env=_env(), capture_output=True, text=True, timeout=600
    )
    assert piped.returncode == 1, piped.stderr
    assert piped.stderr == ""  # a CI log gets no status line, no carriage returns
    code, frames, text, _ = _on_terminal(repo, "--quiet")
    assert code == 1 and text == "" and frames == []


@pytest.mark.slow
def test_workers_report_their_steps_to_the_terminal(tmp_path: Path) -> None:
    root = _repo(tmp_path, ("alpha", "beta"))
    code, frames, text, _ = _on_terminal(root, "--jobs", "2")
    assert code == 1, text
    status = [f for f in frames if " products" in f]
    end = next(i for i, f in enumerate(status) if "2/2 products" in f)
    for product in ("alpha", "beta"):  # steps announced in the worker processes, drawn by the parent
        assert any(f"{product}: reading customers" in f for f in status[:end])
        assert any(f"{product}: checking customers ({ROWS:,} rows)" in f for f in status[:end])


@pytest.mark.slow
def test_meshguard_test_shows_the_same_progress(repo: Path) -> None:
    """``meshguard test`` reads the same large data: the same status line, on a terminal only."""
    test = ("-m", "meshguard", "test", "customers")
    code, frames, text, _ = _on_terminal(repo, "--no-progress", command=test)
    assert code == 1 and text == ""
    code, frames, text, _ = _on_terminal(repo, command=test)
    assert code == 1, text
    status = [f for f in frames if " products" in f]
    assert any(f"0/1 products | customers: checking customers ({ROWS:,} rows)" in f for f in status)
    assert status[-1].startswith("[" + "#" * 24 + "] 1/1 products") and "@example.org" not in text


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_quick_run_prints_nothing_and_a_slow_one_ends_with_one_line() -> None:
    steps = [Step("p", "reading", "t"), Step("p", "checking", "t", rows=5), Step("p", "done")]
    quick = _Terminal()
    bar = Progress(stream=quick, delay=3600)  # the run ends before the line is due
    for s in steps:
        bar.step(s)
    bar(1, 1)
    bar.close()
    assert quick.getvalue() == ""
    slow = _Terminal()
    bar = Progress(stream=slow, delay=0)
    bar.step(Step("", "products", total=1))
    for s in steps:
        bar.step(s)
    bar(1, 1)
    bar.close()
    frames = [f.replace("\x1b[K", "") for f in slow.getvalue().split("\r") if f.strip()]
    assert frames[0].startswith("[------------------------] 0/1 products | p: reading t")
    assert "p: checking t (5 rows)" in frames[1]
    assert frames[-1].startswith("[########################] 1/1 products") and frames[-1].endswith("\n")


def test_an_error_clears_the_unfinished_line() -> None:
    term = _Terminal()
    bar = Progress(stream=term, delay=0)
    bar.step(Step("p", "reading", "t"))
    bar.close()  # the run raised: the command closes the bar before the error is printed
    assert term.getvalue().endswith("\r\x1b[K\r")
    bar.step(Step("p", "checking", "t"))  # nothing after close
    assert term.getvalue().endswith("\r\x1b[K\r")


def test_many_products_in_flight_share_one_line() -> None:
    bar = Progress(stream=_Terminal(), delay=0, total=10)
    for p in ("a", "b", "c", "d"):
        bar.step(Step(p, "policy"))
    line = bar.line()
    assert "a: policies | b: policies | +2 more" in line and line.startswith("[")
    bar.close()
    assert describe(Step("p", "rules", "orders", rows=1234, done=2, total=7)) == (
        "checking orders: rule 2/7 (1,234 rows)"
    )


def test_the_api_hands_each_step_to_a_listener(tmp_path: Path) -> None:
    """An orchestrator's task or a notebook listens through ``CheckOptions(steps=…)``."""
    import meshguard
    from quality_repo import make_repo

    root = make_repo(tmp_path)
    seen: list[Step] = []
    mesh = meshguard.check(root, options=meshguard.CheckOptions(with_policy=False, steps=seen.append))
    assert [p.id for p in mesh.products] == ["customers", "orders"]
    for product in ("customers", "orders"):
        mine = [s.what for s in seen if s.product == product]
        assert mine[0] == "versioning" and mine[-1] == "done"
        assert mine.index("reading") < mine.index("checking") < mine.index("sla")
    assert Step("", "products", total=2) in seen
    checking = next(s for s in seen if s.product == "customers" and s.what == "checking")
    assert checking.table == "customers" and checking.rows == 8  # the sample's rows, counted


def test_a_product_ids_control_characters_do_not_reach_the_terminal() -> None:
    """A YAML string may hold any control character (``id: "p\\e]0;title\\a"``): the status line
    shows each escaped, so a contract cannot retitle, clear or rewrite the user's terminal."""
    bar = Progress(stream=_Terminal(), delay=0, total=1)
    bar.step(Step("p\x1b]0;owned\x07\x1b[2J\r", "policy"))
    assert "p\\x1b]0;owned\\x07\\x1b[2J\\x0d: policies" in bar.line()
    bar.close()
