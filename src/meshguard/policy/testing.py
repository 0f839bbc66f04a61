"""Policy unit tests: every ``test_*`` rule of the ``*_test.rego`` files (``meshguard policy test``).

A test passes when its rule is true; false or undefined fails; an evaluation
error is reported as such. Tests run in the embedded engine's worker process,
so a looping test is stopped by the same timeout as a product evaluation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from meshguard.errors import EngineUnavailable
from meshguard.policy.bundle import PolicyBundle
from meshguard.policy.embedded import Worker
from meshguard.policy.metadata import scan_file


@dataclass(frozen=True)
class TestResult:
    package: str
    name: str
    path: str
    line: int
    status: str  # passed | failed | errored
    message: str = ""
    seconds: float = 0.0

    @property
    def id(self) -> str:
        return f"data.{self.package}.{self.name}"


def discover_tests(bundle: PolicyBundle) -> list[tuple[str, str, str, int]]:
    """(package, rule, path, line) of every distinct ``test_*`` rule."""
    seen: dict[tuple[str, str], tuple[str, str, str, int]] = {}
    for m in bundle.tests:
        scan = scan_file(m.text, m.path)
        if not scan.package:
            continue
        for name, line, _ in scan.rules:
            if name.startswith("test_"):
                seen.setdefault((scan.package, name), (scan.package, name, m.path, line))
    return list(seen.values())


def run_tests(bundle: PolicyBundle, timeout: float) -> list[TestResult]:
    worker = Worker(bundle, timeout, with_tests=True)
    out: list[TestResult] = []
    try:
        for package, name, path, line in discover_tests(bundle):
            t0 = time.perf_counter()
            try:
                value = worker.query(f"data.{package}.{name}")
            except EngineUnavailable as exc:
                out.append(
                    TestResult(package, name, path, line, "errored", exc.message, time.perf_counter() - t0)
                )
                worker = Worker(bundle, timeout, with_tests=True)
                continue
            except Exception as exc:
                out.append(
                    TestResult(package, name, path, line, "errored", str(exc), time.perf_counter() - t0)
                )
                continue
            status = "passed" if value is True else "failed"
            message = "" if value is True else ("undefined" if value is None else f"got {value!r}")
            out.append(TestResult(package, name, path, line, status, message, time.perf_counter() - t0))
    finally:
        worker.close()
    return out
