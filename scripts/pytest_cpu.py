"""A pytest plugin: the CPU time of each test file, printed at the end of the run.

Each test's CPU is what its process used plus what the processes it started and waited for
used (``os.times``: user + system), so a test that runs the command line in a fresh process
is charged for that process. Works with pytest-xdist (each worker measures, the controller
adds up). Usage::

    PYTHONPATH=scripts bash scripts/test-core.sh -p pytest_cpu
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Generator
from typing import Any

import pytest

_KEY = "cpu_seconds"
_files: defaultdict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])


def _cpu() -> tuple[float, float]:
    t = os.times()
    return t.user + t.system, t.children_user + t.children_system


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, Any, None]:
    own, children = _cpu()
    item.user_properties.append((_KEY, (own, children)))
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.when == "teardown":  # the whole test: setup, call and teardown
        start = dict(item.user_properties).get(_KEY)
        if start is not None:
            own, children = _cpu()
            report.user_properties = [(k, v) for k, v in report.user_properties if k != _KEY] + [
                (_KEY, (own - start[0], children - start[1]))
            ]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "teardown":
        return
    spent = dict(report.user_properties).get(_KEY)
    if spent is not None:
        totals = _files[report.nodeid.split("::")[0]]
        totals[0] += spent[0]
        totals[1] += spent[1]
        totals[2] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _files:
        return
    ranked = sorted(_files.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))
    total = sum(own + children for own, children, _ in _files.values())
    terminalreporter.section(f"CPU per test file (total {total:.1f} s)")
    for path, (own, children, count) in ranked[:30]:
        terminalreporter.write_line(
            f"{own + children:7.1f} s  (own {own:6.1f}, children {children:6.1f})  {count:4.0f} tests  {path}"
        )
