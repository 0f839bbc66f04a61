"""A pool worker that dies (killed, out of memory, aborted by a native library on a corrupt file)
ends the run with one clear error naming how it ended, instead of the wait for ever that
multiprocessing's pool gives (it starts another worker and waits for the answer to the task the
dead one held). The pool runs in a child interpreter, so that a regression is a timeout of this
test, not a hung suite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

import pytest

from conftest import PROJECT
from test_worker_gc import Probe


class Dying(Probe):
    """A checker (see parallel.Checker) whose worker ends itself with ``signum`` on product 5."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def work(self, products: Sequence[Any]) -> list[Any]:
        if 5 in products:
            os.kill(os.getpid(), self.signum)
        return list(products)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGABRT])
def test_a_worker_that_dies_ends_the_run_with_one_clear_error(signum: int) -> None:
    code = textwrap.dedent(
        f"""
        from meshguard.parallel import WorkerPool
        from test_pool_death import Dying
        pool = WorkerPool.start(2)
        try:
            print(len(list(pool.check(Dying({int(signum)}), list(range(40))))))
        except RuntimeError as exc:
            print(exc)
        finally:
            pool.close()
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT / "src"), str(PROJECT / "tests")])}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, cwd=PROJECT
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    name = signal.Signals(signum).name
    assert proc.stdout.strip() == (
        "a worker process checking products stopped before it finished "
        f"(exit status {-signum}, {name}); rerun with --jobs 1 to see which product"
    )
