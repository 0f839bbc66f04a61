"""`meshguard policy eval --input` blocks exactly when `meshguard check` would: by the severity the
policy stage gives each rule (its kind, then its METADATA), not by the rule's name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import invoke

POLICY = """package meshguard.demo

import rego.v1

# METADATA
# title: Soft deny
# custom:
#   id: DEMO-SOFT
#   severity: {severity}
deny_soft contains "soft" if input.soft

# METADATA
# title: Plain warning
# custom:
#   id: DEMO-WARN
warn_plain contains "plain" if input.plain
"""


def _eval(tmp_path: Path, severity: str, doc: dict[str, bool]) -> int:
    (tmp_path / "policies").mkdir(exist_ok=True)
    (tmp_path / "policies" / "demo.rego").write_text(POLICY.format(severity=severity), encoding="utf-8")
    (tmp_path / "meshguard.yaml").write_text("policies:\n  builtin: false\n", encoding="utf-8")
    (tmp_path / "in.json").write_text(json.dumps(doc), encoding="utf-8")
    r = invoke("policy", "eval", "--input", "in.json", "--format", "json", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    (product,) = json.loads(r.stdout)["products"]
    found = {f["rule_id"] for f in product["findings"]}
    assert found == {k for k, v in (("DEMO-SOFT", doc.get("soft")), ("DEMO-WARN", doc.get("plain"))) if v}
    return r.returncode


@pytest.mark.parametrize(
    ("severity", "doc", "code"),
    [
        ("error", {"soft": True}, 1),  # a deny rule blocks
        ("warning", {"soft": True}, 0),  # ... unless its METADATA makes it a warning, as in check
        ("error", {"plain": True}, 0),  # a warn rule never blocks
        ("error", {}, 0),
    ],
)
def test_eval_blocks_by_the_rule_severity(
    tmp_path: Path, severity: str, doc: dict[str, bool], code: int
) -> None:
    assert _eval(tmp_path, severity, doc) == code
