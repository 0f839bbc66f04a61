"""A linted contract as the results model: its product (with the lint findings) and the
finding of a file that could not be read as ODCS (MG000)."""

from __future__ import annotations

from meshguard.contracts.catalogue import catalogue
from meshguard.contracts.repo import LintedContract
from meshguard.errors import ContractError
from meshguard.results.model import Finding, Location, ProductResult, Severity

UNREADABLE_RULE = "MG000"


def product_result(lc: LintedContract) -> ProductResult:
    c = lc.contract
    return ProductResult(
        id=c.id,
        name=c.name,
        domain=c.domain,
        owner=c.owner,
        version=c.version,
        status=c.status,
        contract_path=c.path,
        findings=list(lc.findings),
        support=[dict(s) for s in c.support],
        catalogue=catalogue(c),
    )


def unreadable_finding(err: ContractError) -> Finding:
    return Finding(
        rule_id=UNREADABLE_RULE,
        stage="lint",
        severity=Severity.ERROR,
        message=err.message,
        location=Location(err.path or "?", err.line, err.column),
        title="Readable ODCS contract",
        remediation=err.hint,
    )
