"""The oracle for policy decisions: OPA's own evaluator, running in-process.

:class:`meshguard.policy.opa_inprocess.OpaCore` loads OPA's Go ``rego``
package (the compiler, type checker and evaluator of an OPA server) through
opa-golib-python-bindings. :class:`EnginePair` loads the same modules and data
into it and into regorus (the embedded engine's interpreter), evaluates
``data.meshguard`` for one input in both and reports every rule on which they
differ. Sets come back as JSON arrays in an engine's own order, so findings are
compared as sorted canonical JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from meshguard.policy.bundle import Module, PolicyBundle, load_bundle
from meshguard.policy.compiled import compilable
from meshguard.policy.engine import Decisions
from meshguard.policy.opa_inprocess import OpaCore
from meshguard.policy.rego import RegoCore


def _canon(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_canon(v) for v in value]
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    return value


def normalize(d: Decisions) -> dict[str, Any]:
    """Findings per rule (sorted canonical JSON; empty rules dropped) and the rules that errored."""
    values = {
        rule: sorted(json.dumps(_canon(f), sort_keys=True, ensure_ascii=False) for f in found)
        for rule, found in d.values.items()
        if found
    }
    return {"values": values, "errored": sorted(d.errors)}


class EnginePair:
    """regorus and OPA's evaluator, loaded with the same modules and data."""

    def __init__(
        self,
        modules: Iterable[Module],
        data: dict[str, Any],
        rules: Iterable[str] = (),
        *,
        compiled: bool = False,
    ) -> None:
        mods, names = list(modules), list(rules)
        self.regorus = RegoCore.load(mods, data, names)
        self.opa = OpaCore.load(mods, data, names)
        #: regorus deciding through its compiled program first, as the embedded engine does for
        #: the standard pack (meshguard.policy.compiled); held to the interpreter and so to OPA
        self.compiled = RegoCore.load(mods, data, names, compiled=True) if compiled else None

    @classmethod
    def of(cls, bundle: PolicyBundle, *, with_tests: bool = False) -> EnginePair:
        modules = [*bundle.modules, *(bundle.tests if with_tests else ())]
        compiled = not with_tests and compilable(bundle)
        return cls(modules, bundle.data, [f"{r.package}.{r.name}" for r in bundle.rules], compiled=compiled)

    @classmethod
    def of_dir(cls, policies: Path, *, with_tests: bool = False) -> EnginePair:
        return cls.of(load_bundle(policies), with_tests=with_tests)

    def both(self, doc: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        text = json.dumps(doc, ensure_ascii=False)
        return normalize(self.regorus.evaluate(text)), normalize(self.opa.evaluate(text))

    def differences(self, doc: Any) -> dict[str, tuple[Any, Any]]:
        """rule → (regorus, OPA) for every rule whose findings (or error) differ."""
        a, b = self.both(doc)
        out: dict[str, tuple[Any, Any]] = {}
        for rule in sorted(set(a["values"]) | set(b["values"])):
            if a["values"].get(rule) != b["values"].get(rule):
                out[rule] = (a["values"].get(rule), b["values"].get(rule))
        if a["errored"] != b["errored"]:
            out["<errors>"] = (a["errored"], b["errored"])
        if self.compiled is not None and self.compiled._compiled is not None:
            text = json.dumps(doc, ensure_ascii=False)
            c = normalize(self.compiled.evaluate(text))
            if c != a:
                out["<compiled>"] = (c, a)
        return out
