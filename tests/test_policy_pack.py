"""The built-in standard pack: used by default, extended, overridden per package or per rule, or off."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from meshguard.config import load_config
from meshguard.errors import PolicyError
from meshguard.pipeline import run
from meshguard.policy.bundle import load_builtin
from meshguard.policy.stage import load_policies
from meshguard.stages import PolicyContext, RunOptions
from policykit import compliant

EXTENSION = """# METADATA
# title: Finance rules
package meshguard.finance

# METADATA
# title: Products name a cost centre
# custom:
#   id: FIN-001
#   severity: warning
warn_cost_centre contains "no cost centre" if not input.contract.customProperties
"""


def _repo(tmp_path: Path, config: str, policies: dict[str, str] | None = None) -> Path:
    """A repo whose one contract adds an unclassified personal-data field."""
    doc = compliant()
    doc["schema"][0]["properties"].append({"name": "email2", "logicalType": "string", "tags": ["pii"]})
    root = tmp_path / "repo"
    (root / "contracts").mkdir(parents=True)
    (root / "contracts" / "good.odcs.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    (root / "meshguard.yaml").write_text(config or "contracts: {dir: contracts}\n")
    for name, text in (policies or {}).items():
        (root / "policies").mkdir(exist_ok=True)
        (root / "policies" / name).write_text(text)
    return root


def _decided(root: Path) -> dict[str, tuple[str, str, str]]:
    mesh = run(load_config(root), [root / "contracts"], RunOptions(with_data=False))
    (product,) = mesh.products
    return {
        c.id: (str(c.status), str(c.severity), str(c.details.get("pack")))
        for c in product.checks
        if c.stage == "policy"
    }


def test_a_repo_without_policies_gets_the_builtin_pack(tmp_path: Path) -> None:
    root = _repo(tmp_path, "")
    assert not (root / "policies").exists()
    decided = _decided(root)
    # the unclassified personal-data field is caught by the built-in GDPR rule, and says so
    assert decided["GDPR-001"] == ("failed", "error", "builtin")
    assert {pack for _, _, pack in decided.values()} == {"builtin"}
    assert len(decided) == len(load_builtin().rules)


def test_a_repo_folder_extends_the_pack(tmp_path: Path) -> None:
    root = _repo(tmp_path, "", {"finance.rego": EXTENSION})
    decided = _decided(root)
    assert decided["FIN-001"] == ("warned", "warning", "repo")
    assert decided["GDPR-001"] == ("failed", "error", "builtin")


def test_a_repo_package_replaces_the_packs_package(tmp_path: Path) -> None:
    own_gdpr = 'package meshguard.gdpr\n\ndeny_own contains "own gdpr rule" if false\n'
    root = _repo(tmp_path, "", {"gdpr.rego": own_gdpr})
    decided = _decided(root)
    assert not any(k.startswith("GDPR-") for k in decided), decided
    assert decided["meshguard.gdpr.deny_own"] == ("passed", "error", "repo")
    assert "HIPAA-001" in decided
    # the built-in GDPR tests go with the built-in GDPR rules
    bundle = load_policies(load_config(root), PolicyContext())
    assert not any(t.path == "builtin:gdpr_test.rego" for t in bundle.tests)
    assert any(t.path == "builtin:hipaa_test.rego" for t in bundle.tests)


def test_single_rules_are_turned_off_or_down(tmp_path: Path) -> None:
    config = "policies:\n  rules: {GDPR-001: warning, meshguard.gdpr.deny_lawful_basis: off}\n"
    root = _repo(tmp_path, config)
    decided = _decided(root)
    assert decided["GDPR-001"] == ("warned", "warning", "builtin")
    assert "GDPR-002" not in decided
    (root / "meshguard.yaml").write_text("policies:\n  rules: {GDPR-999: off}\n")
    with pytest.raises(PolicyError, match="GDPR-999"):
        load_policies(load_config(root), PolicyContext())


def test_the_pack_can_be_turned_off(tmp_path: Path) -> None:
    root = _repo(tmp_path, "policies: {builtin: false}\n", {"finance.rego": EXTENSION})
    assert set(_decided(root)) == {"FIN-001"}
    (root / "policies" / "finance.rego").unlink()
    (root / "policies").rmdir()
    mesh = run(load_config(root), [root / "contracts"], RunOptions(with_data=False))
    assert [f.rule_id for f in mesh.findings] == ["MG030"]
    assert "built-in pack is off" in mesh.findings[0].message


def test_repo_data_wins_over_the_packs(tmp_path: Path) -> None:
    data = "meshguard:\n  config:\n    approved_regions: [mars]\n"
    root = _repo(tmp_path, "", {"data.yaml": data, "finance.rego": EXTENSION})
    bundle = load_policies(load_config(root), PolicyContext())
    assert bundle.data["meshguard"]["config"]["approved_regions"] == ["mars"]
    assert "dpo_roles" in bundle.data["meshguard"]["config"]  # the rest of the pack's data stays
    assert bundle.hash != load_builtin().hash
