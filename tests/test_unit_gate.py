"""The gate, in-process: each exit code of ``meshguard check`` from a hand-built result, and the
order in which the rules apply (bad input before an unavailable engine before ``--fail-on``)."""

from __future__ import annotations

import pytest

from meshguard.errors import ExitCode
from meshguard.results.gate import UNREADABLE_RULE, exit_code
from meshguard.results.model import Finding, MeshResult, ProductResult, Severity, Status

FAIL_ON = ("error", "warn", "never")


def _product(verdict: str, pid: str = "p") -> ProductResult:
    return ProductResult(
        id=pid,
        name=pid,
        domain="d",
        owner="o",
        version="1.0.0",
        status="active",
        contract_path="c",
        verdict=verdict,
    )


def _mesh(*verdicts: str, findings: tuple[Finding, ...] = ()) -> MeshResult:
    mesh = MeshResult(run_id="r", timestamp="2026-01-01T00:00:00Z", meshguard_version="t", engine="embedded")
    mesh.products = [_product(v, f"p{i}") for i, v in enumerate(verdicts)]
    mesh.findings = list(findings)
    return mesh


def _finding(severity: str, status: str = Status.FAILED, rule: str = "X-1") -> Finding:
    return Finding(rule_id=rule, stage="policy", severity=severity, message="m", status=status)


UNREADABLE = _finding(Severity.ERROR, rule=UNREADABLE_RULE)


def test_exit_codes_are_the_documented_ones() -> None:
    assert {c.name: int(c) for c in ExitCode} == {
        "PASSED": 0,
        "FAILED": 1,
        "BAD_INPUT": 2,
        "UNAVAILABLE": 3,
        "INTERNAL": 4,  # never from the gate: an unexpected exception in meshguard itself
    }
    assert UNREADABLE_RULE == "MG000"


@pytest.mark.parametrize("fail_on", FAIL_ON)
def test_an_unreadable_contract_is_bad_input_whatever_fail_on_says(fail_on: str) -> None:
    assert exit_code(_mesh("pass", findings=(UNREADABLE,)), fail_on) == 2
    # bad input wins over an unavailable engine and over failing products
    assert exit_code(_mesh("error", "fail", findings=(UNREADABLE,)), fail_on) == 2


@pytest.mark.parametrize("fail_on", FAIL_ON)
def test_an_unassessed_product_is_unavailable_whatever_fail_on_says(fail_on: str) -> None:
    assert exit_code(_mesh("pass", "error"), fail_on) == 3
    assert exit_code(_mesh("fail", "error", "warn"), fail_on) == 3


@pytest.mark.parametrize(
    ("verdicts", "findings", "expected"),
    [
        (("pass",), (), {"error": 0, "warn": 0, "never": 0}),
        ((), (), {"error": 0, "warn": 0, "never": 0}),
        (("pass", "fail"), (), {"error": 1, "warn": 1, "never": 0}),
        (("warn", "pass"), (), {"error": 0, "warn": 1, "never": 0}),
        # mesh-level findings: a blocking one fails, an open warning fails only with --fail-on warn
        (("pass",), (_finding(Severity.ERROR),), {"error": 1, "warn": 1, "never": 0}),
        (("pass",), (_finding(Severity.WARNING, Status.WARNED),), {"error": 0, "warn": 1, "never": 0}),
        (("pass",), (_finding(Severity.ERROR, Status.WAIVED),), {"error": 0, "warn": 0, "never": 0}),
        (("pass",), (_finding(Severity.INFO, Status.INFO),), {"error": 0, "warn": 0, "never": 0}),
        (("pass",), (_finding(Severity.ERROR, Status.PASSED),), {"error": 0, "warn": 0, "never": 0}),
    ],
    ids=[
        "all-pass",
        "no-products",
        "one-fails",
        "one-warns",
        "blocking-mesh-finding",
        "open-mesh-warning",
        "waived-mesh-finding",
        "info-mesh-finding",
        "passed-mesh-finding",
    ],
)
def test_fail_on_levels(
    verdicts: tuple[str, ...], findings: tuple[Finding, ...], expected: dict[str, int]
) -> None:
    got = {fail_on: exit_code(_mesh(*verdicts, findings=findings), fail_on) for fail_on in FAIL_ON}
    assert got == expected
