"""apply_scope: a passing policy check out of a product's scope becomes not_applicable; the form
of a check object shared by many products is made once and is the same for each."""

from __future__ import annotations

from dataclasses import replace

import pytest

from meshguard.results.council import STATE, apply_scope, check_state
from meshguard.results.model import CheckResult, ProductResult, Status


def _product(pid: str, checks: list[CheckResult], categories: list[str]) -> ProductResult:
    path = f"contracts/{pid}.odcs.yaml"
    p = ProductResult(pid, pid, None, None, "1.0.0", "active", path, checks=list(checks))
    p.catalogue = {"categories": categories}
    return p


def _rule(scope: list[str], status: str = Status.PASSED) -> CheckResult:
    return CheckResult(
        id="HIPAA-1", name="phi rule", stage="policy", status=status, details={"applies_to": scope}
    )


def test_out_of_scope_checks_are_not_applicable_and_shared_ones_alike() -> None:
    shared, other = _rule(["phi"]), _rule(["pii", "phi"])
    failed = _rule(["phi"], Status.FAILED)
    a = _product("a", [shared, other, failed], [])
    b = _product("b", [shared, other], ["pii"])
    c = _product("c", [shared], [])
    for p in (a, b, c):
        apply_scope(p)
    want = replace(
        shared, status=Status.NOT_APPLICABLE, message="not applicable: the product holds no phi field"
    )
    assert a.checks[0] == want and c.checks[0] == want and a.checks[0] is c.checks[0]
    assert a.checks[1] == replace(
        other, status=Status.NOT_APPLICABLE, message="not applicable: the product holds no pii / phi field"
    )
    assert a.checks[2] is failed  # it found something: in scope or not, it stays
    assert b.checks == [want, other]  # b holds pii: the pii / phi rule applies
    # another object of the same rule id gets its own form, never the first one's
    narrower = _rule(["genetic"])
    d = _product("d", [narrower], [])
    apply_scope(d)
    assert d.checks[0].message == "not applicable: the product holds no genetic field"


def test_a_checks_state_from_its_status_member_or_text() -> None:
    for status, state in STATE.items():
        for written in (status, str(status)):
            assert check_state(_rule([], written)) == state
    with pytest.raises(ValueError):
        check_state(_rule([], "no such status"))
