"""The example governance repo's orders 1.1.0 → 2.0.0 produce the documented changelog."""

from __future__ import annotations

import re

from conftest import PROJECT, invoke
from meshguard.config import load_config
from meshguard.pipeline import run
from meshguard.stages import RunOptions
from meshguard.versioning.rules import CHANGE_RULES, SEMVER_RULES

DOC = PROJECT / "docs" / "versioning.md"
ORDERS = "contracts/ecommerce/orders"


def documented_changelog() -> str:
    text = DOC.read_text(encoding="utf-8")
    m = re.search(
        r"<!-- changelog:orders:start -->\n```markdown\n(.*?)\n```\n<!-- changelog:orders:end -->", text, re.S
    )
    assert m, "docs/versioning.md lost its orders changelog block"
    return m.group(1)


def test_orders_changelog_matches_the_docs() -> None:
    proc = invoke(
        "changelog", f"{ORDERS}/1.1.0.odcs.yaml", f"{ORDERS}/2.0.0.odcs.yaml", cwd=PROJECT, env={"CI": ""}
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip("\n") == documented_changelog()
    assert "## Breaking changes (6)" in proc.stdout  # order_id retyped, coupon_code removed


def test_orders_major_bump_passes_diff() -> None:
    proc = invoke("diff", f"{ORDERS}/2.0.0.odcs.yaml", "--format", "json", cwd=PROJECT, env={"CI": ""})
    assert proc.returncode == 0, proc.stderr
    assert '"version": "1.1.0"' in proc.stdout and '"findings": []' in proc.stdout


def test_pipeline_on_the_example_repo() -> None:
    config = load_config(PROJECT, None)
    mesh = run(
        config, [config.contracts_path], RunOptions(mode="council", with_data=False, with_policy=False)
    )
    orders = next(p for p in mesh.products if p.id == "orders")
    assert orders.version == "2.0.0" and orders.previous_version == "1.1.0"
    assert sum(c.kind == "breaking" for c in orders.changes) == 6
    assert not [f for f in orders.findings if f.stage == "versioning"]
    others = [p for p in mesh.products if p.id != "orders"]
    assert others and all(p.changes == [] and p.previous_version is None for p in others)


def test_docs_list_every_rule() -> None:
    text = DOC.read_text(encoding="utf-8")
    for rule_id in [*CHANGE_RULES, *SEMVER_RULES]:
        assert f"| {rule_id} |" in text, rule_id
