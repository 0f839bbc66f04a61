"""The policy-decision mapping: raw engine decisions → one check per rule, one finding per violation.

Every engine answers with :class:`meshguard.policy.engine.Decisions` (per decision rule
``meshguard.<pkg>.<rule>``: its violations, or the error that stopped it). :class:`DecisionMap`
turns them into results: the rule's severity (its kind, ``deny``/``warn``, then METADATA), the
check's status (passed, failed or warned, waived when every finding is waived, errored), each
finding's message, field, location in the contract and waiver.
"""

from __future__ import annotations

import json
from typing import Any

from meshguard.contracts.model import Contract, Property
from meshguard.policy.bundle import PolicyBundle, pack_of
from meshguard.policy.engine import Decisions
from meshguard.policy.metadata import RuleInfo, decision_kind
from meshguard.policy.waivers import WaiverSet
from meshguard.results.model import CheckResult, Finding, Location, Severity, Stage, Status, Waiver
from meshguard.stages import PolicyOutcome

#: the keys of a finding object that are not its details
_NOT_DETAILS = frozenset(("msg", "field", "pointer", "message"))


def _normalise(raw: Any) -> dict[str, Any]:
    """A finding is a string or an object ``{msg, field?, pointer?, …}``."""
    if isinstance(raw, str):
        return {"msg": raw}
    if isinstance(raw, dict):
        out = dict(raw)
        msg = out.get("msg", out.get("message"))
        out["msg"] = msg if isinstance(msg, str) else json.dumps(raw, sort_keys=True)
        return out
    return {"msg": json.dumps(raw, sort_keys=True)}


def _pointer_tuple(pointer: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for raw in pointer.strip("/").split("/") if pointer.strip("/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(part) if part.isdigit() else part)
    return tuple(parts)


def _unknown_rule(key: str) -> RuleInfo:
    package, _, name = key.rpartition(".")
    return RuleInfo(package, name, "", 0, None, None, {})


class DecisionMap:
    """The mapping for one bundle and one waiver set (the waivers record what they matched)."""

    def __init__(self, bundle: PolicyBundle, waivers: WaiverSet) -> None:
        self.bundle = bundle
        self.waivers = waivers
        # per-rule constants, computed once (decide() runs for every product)
        self._rules = {f"{r.package}.{r.name}": r for r in bundle.rules}
        self._static: dict[str, tuple[RuleInfo, str, dict[str, Any]]] = {}
        #: per rule: its article and its scope (``applies_to`` sensitivity categories), from METADATA
        self._scope: dict[str, dict[str, Any]] = {}
        #: per rule: its id, its pack and its article (a property and a string test each, once
        #: per rule, not per product or finding)
        self._id: dict[str, tuple[str, str, str | None]] = {}
        #: per rule: its check when it has no finding (see :meth:`_passed`)
        self._passing: dict[str, CheckResult] = {}
        #: the keys of an answer deciding every rule (and no other): sorted once
        self._keys = sorted(self._rules.keys() - bundle.disabled)
        self._answerable = self._rules.keys() | bundle.disabled

    def expanded(self, decisions: Decisions) -> Decisions:
        """``decisions``, or, when the engine could not evaluate the product at all (its input
        nested past the engine's limit, say), every enabled rule errored with the engine's reason."""
        if decisions.failed is None:
            return decisions
        return Decisions(errors=dict.fromkeys(self._keys, f"policy evaluation failed: {decisions.failed}"))

    def decide(self, contract: Contract, decisions: Decisions) -> PolicyOutcome:
        """Turn raw engine decisions into one check per rule and one finding per violation."""
        self.waivers.products_seen.add(contract.id)
        decisions = self.expanded(decisions)
        values, errors = decisions.values, decisions.errors
        if errors or not values.keys() <= self._answerable:
            keys = sorted((self._rules.keys() | values.keys() | errors.keys()) - self.bundle.disabled)
        else:  # the usual answer: every decision rule of the bundle, nothing else
            keys = self._keys
        outcome = PolicyOutcome()
        fields = _Fields(contract)
        for key in keys:
            raw_findings = values.get(key)
            if not raw_findings and key not in errors:
                outcome.checks.append(self._passed(key))
                continue
            rule, severity, common = self._rule_static(key)
            rule_id, pack, _ = self._id[key]
            if key in errors:
                outcome.checks.append(
                    CheckResult(
                        id=rule_id,
                        name=rule.title or key,
                        stage=Stage.POLICY,
                        status=Status.ERRORED,
                        severity=severity,
                        dimension="compliance",
                        message=errors[key],
                        details={"rule": key, "pack": pack, **self._scope[key]},
                        **common,
                    )
                )
                continue
            findings = [
                self._finding(contract, fields, key, severity, _normalise(raw), common)
                for raw in raw_findings or ()
            ]
            findings.sort(key=lambda f: (f.field or "", f.message))
            outcome.findings.extend(findings)
            open_ = [f for f in findings if f.status != Status.WAIVED]
            if not open_:
                status, message = Status.WAIVED, f"{len(findings)} finding(s), all waived"
            else:
                status = Status.FAILED if severity == Severity.ERROR else Status.WARNED
                message = open_[0].message + (f" (and {len(open_) - 1} more)" if len(open_) > 1 else "")
            outcome.checks.append(
                self._check(key, status, message, len(findings), len(findings) - len(open_))
            )
        return outcome

    def _check(self, key: str, status: str, message: str, findings: int, waived: int) -> CheckResult:
        rule, severity, common = self._rule_static(key)
        rule_id, pack, _ = self._id[key]
        return CheckResult(
            id=rule_id,
            name=rule.title or key,
            stage=Stage.POLICY,
            status=status,
            severity=severity,
            dimension="compliance",
            message=message,
            details={"rule": key, "pack": pack, "findings": findings, "waived": waived, **self._scope[key]},
            **common,
        )

    def _passed(self, key: str) -> CheckResult:
        """The check of a rule without findings: the same for every product, so built once per
        rule and shared (a CheckResult is frozen and nothing changes its details; 24 checks per
        product were most of the mapping's time)."""
        check = self._passing.get(key)
        if check is None:
            check = self._passing[key] = self._check(key, Status.PASSED, "", 0, 0)
        return check

    def blocks(self, key: str) -> bool:
        """Whether a violation of the decision rule ``key`` ("meshguard.pkg.rule") blocks the gate:
        the same severity the findings of :meth:`decide` get (rule kind, then METADATA)."""
        return self._rule_static(key)[1] == Severity.ERROR

    def _rule_static(self, key: str) -> tuple[RuleInfo, str, dict[str, Any]]:
        static = self._static.get(key)
        if static is None:
            rule = self._rules.get(key) or _unknown_rule(key)
            severity = Severity.WARNING if decision_kind(rule.name) == "warning" else rule.severity
            common: dict[str, Any] = {
                "title": rule.title,
                "description": rule.description,
                "regulation": rule.regulation,
                "remediation": rule.remediation,
            }
            scope: dict[str, Any] = {}
            if rule.custom.get("article"):
                scope["article"] = str(rule.custom["article"])
            applies = rule.custom.get("applies_to")
            if isinstance(applies, (list, str)) and applies:
                scope["applies_to"] = sorted(
                    {applies} if isinstance(applies, str) else set(map(str, applies))
                )
            self._scope[key] = scope
            self._id[key] = (rule.id, pack_of(rule.path), scope.get("article"))
            static = self._static[key] = (rule, severity, common)
        return static

    def _finding(
        self,
        contract: Contract,
        fields: _Fields,
        key: str,
        severity: str,
        item: dict[str, Any],
        common: dict[str, Any],
    ) -> Finding:
        """One violation of the rule ``key`` ("meshguard.pkg.rule") as a finding: its field's
        location, its waiver; the rule's id, pack and article are read once per rule (:attr:`_id`)."""
        rule_id, pack, article = self._id[key]
        field_ = item.get("field") if isinstance(item.get("field"), str) else None
        pointer: tuple[str | int, ...] | None = None
        if field_:
            prop = fields.find(field_)
            if prop is not None:
                pointer = prop.pointer
        if pointer is None and isinstance(item.get("pointer"), str):
            pointer = _pointer_tuple(item["pointer"])
        if pointer is None and field_:
            pointer = ("schema",)  # a column the contract does not declare belongs in its schema
        if pointer is not None:
            pos = contract.lines.locate(pointer)
            ptr = "/" + "/".join(map(str, pointer)) if pointer else ""
            location = Location(contract.path, pos[0] if pos else None, pos[1] if pos else None, ptr)
        else:
            location = Location(contract.path)
        waiver: Waiver | None = self.waivers.match((rule_id, key), contract.id, field_)
        if waiver is not None:
            status = Status.WAIVED
        else:
            status = Status.FAILED if severity == Severity.ERROR else Status.WARNED
        details = {k: v for k, v in item.items() if k not in _NOT_DETAILS}
        details["rule"], details["pack"] = key, pack
        if article is not None:
            details.setdefault("article", article)  # a finding's own article wins
        return Finding(
            rule_id=rule_id,
            stage=Stage.POLICY,
            severity=severity,
            message=item["msg"],
            status=status,
            location=location,
            field=field_,
            waiver=waiver,
            details=details,
            **common,
        )


class _Fields:
    """A contract's properties by schema and path, and by path or name (the first of each, in
    the contract's order), built on the first look-up: a finding's field is found in one step,
    not by a scan of every property (on an 8,000-column contract its 16,000 findings' scans
    were 50 s of a 60 s run)."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self._in_schema: dict[tuple[str, str], Property] | None = None
        self._named: dict[str, Property] = {}

    def find(self, field_: str) -> Property | None:
        """The property ``field_`` ("schema.path", else a path or a name) names."""
        if self._in_schema is None:
            self._in_schema = {}
            for s in self.contract.schemas:
                for p in s.properties:
                    self._in_schema.setdefault((s.name, p.path), p)
                    self._named.setdefault(p.path, p)
                    self._named.setdefault(p.name, p)
        schema, _, path = field_.partition(".")
        prop = self._in_schema.get((schema, path)) if path else None
        return prop if prop is not None else self._named.get(field_)
