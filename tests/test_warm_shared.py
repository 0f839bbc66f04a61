"""What the run's process imports before it forks the two halves of a mesh with data
(``quality.warm.shared``): never polars nor pandera (a process that imported polars is never
forked to check data: the halves would then not split), and a child forked after it checks data."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_shared_imports_leave_polars_and_pandera_out_and_the_mesh_splits() -> None:
    done = _run(
        """
        import sys
        from meshguard import halves
        from meshguard.quality.warm import shared
        shared()
        print(sorted(m for m in sys.modules if m.partition(".")[0] in ("polars", "pandera")))
        print(halves.pays(1000, jobs=2, with_data=True, batches=True))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[]", "True"]


def test_a_child_forked_after_them_checks_data() -> None:
    done = _run(
        """
        import os
        from meshguard.quality.warm import shared, warm
        shared()
        import numpy
        a = numpy.ones((300, 300))
        assert (a @ a).sum() > 0  # the BLAS threads started before the fork
        pid = os.fork()
        if pid == 0:
            warm()
            import polars as pl
            ok = pl.DataFrame({"x": [1, 2]}).select(pl.col("x").sum()).item() == 3 and (a @ a).sum() > 0
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
