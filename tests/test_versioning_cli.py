"""`meshguard diff` and `meshguard changelog` on explicit files and side-by-side folders."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import invoke
from meshguard.config import load_config
from meshguard.pipeline import run
from meshguard.stages import RunOptions
from versioning_helpers import base_doc, dump, prop, remove_prop

LOCAL = {"CI": ""}


def pair(tmp_path: Path, new_version: str) -> tuple[Path, Path]:
    old, new = tmp_path / "old.odcs.yaml", tmp_path / "new.odcs.yaml"
    old.write_text(dump(base_doc()), encoding="utf-8")
    doc = base_doc()
    remove_prop(doc, "quantity")  # breaking
    prop(doc, "amount")["description"] = "Gross amount."  # informational
    prop(doc, "customer_id")["physicalType"] = "varchar(64)"  # non-breaking
    doc["version"] = new_version
    new.write_text(dump(doc), encoding="utf-8")
    return old, new


def test_diff_text_fails_without_major_bump(tmp_path: Path) -> None:
    old, new = pair(tmp_path, "1.2.0")
    proc = invoke("diff", str(old), str(new), "--root", str(tmp_path), env=LOCAL)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert "1.1.0 → 1.2.0" in out
    assert "breaking       MGV110" in out and "non-breaking   MGV122" in out and "MGV181" in out
    assert "1 breaking, 1 non-breaking, 1 informational change(s)" in out
    assert "error MGV001" in out


def test_diff_passes_with_major_bump_and_json(tmp_path: Path) -> None:
    old, new = pair(tmp_path, "2.0.0")
    proc = invoke("diff", str(old), str(new), "--format", "json", "--root", str(tmp_path), env=LOCAL)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    (product,) = doc["products"]
    assert doc["summary"]["changes"] == {"breaking": 1, "non-breaking": 1, "informational": 1}
    assert product["findings"] == [] and doc["summary"]["verdict"] == "pass"
    removed = next(c for c in product["changes"] if c["rule_id"] == "MGV110")
    assert removed["kind"] == "breaking" and removed["severity"] == "error" and removed["bump"] == "major"
    assert removed["field"] == "orders.quantity" and isinstance(removed["line"], int)


def test_producer_perspective(tmp_path: Path) -> None:
    old, new = tmp_path / "old.odcs.yaml", tmp_path / "new.odcs.yaml"
    old.write_text(dump(base_doc()), encoding="utf-8")
    doc = base_doc()
    prop(doc, "quantity")["required"] = True
    doc["version"] = "1.2.0"
    new.write_text(dump(doc), encoding="utf-8")
    consumer = invoke("diff", str(old), str(new), "--root", str(tmp_path), env=LOCAL)
    producer = invoke(
        "diff", str(old), str(new), "--perspective", "producer", "--root", str(tmp_path), env=LOCAL
    )
    assert consumer.returncode == 0 and "non-breaking   MGV130" in consumer.stdout
    assert producer.returncode == 1 and "  breaking       MGV130" in producer.stdout


def test_changelog_markdown(tmp_path: Path) -> None:
    old, new = pair(tmp_path, "2.0.0")
    out_file = tmp_path / "CHANGELOG.md"
    proc = invoke("changelog", str(old), str(new), "-o", str(out_file), "--root", str(tmp_path), env=LOCAL)
    assert proc.returncode == 0, proc.stderr
    text = out_file.read_text(encoding="utf-8")
    assert text.startswith("# Changelog: Orders 1.1.0 → 2.0.0")
    sections = text.split("\n## ")
    assert sections[1].startswith("Breaking changes (1)") and "`MGV110`" in sections[1]
    assert sections[2].startswith("Non-breaking changes (1)") and "`MGV122`" in sections[2]
    assert sections[3].startswith("Informational (1)") and "`MGV181`" in sections[3]


def test_bad_input_exits_2(tmp_path: Path) -> None:
    old, new = pair(tmp_path, "2.0.0")
    not_odcs = tmp_path / "x.yaml"
    not_odcs.write_text("- just a list\n", encoding="utf-8")
    cases = [
        ("diff", str(old), str(tmp_path / "missing.yaml")),
        ("diff", str(old), str(not_odcs)),
        ("diff", str(old), str(new), str(new)),
        ("diff", str(old), str(new), "--base", "HEAD"),
        ("diff", str(old), str(new), "--perspective", "auditor"),
        ("changelog", str(not_odcs), str(new)),
    ]
    for args in cases:
        proc = invoke(*args, "--root", str(tmp_path), env=LOCAL)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stderr.strip()


def side_by_side(tmp_path: Path) -> Path:
    folder = tmp_path / "contracts" / "orders"
    folder.mkdir(parents=True)
    for version in ("1.0.0", "1.1.0"):
        doc = base_doc()
        doc["version"] = version
        (folder / f"{version}.odcs.yaml").write_text(dump(doc), encoding="utf-8")
    doc = base_doc()
    remove_prop(doc, "quantity")
    doc["version"] = "2.0.0"
    (folder / "2.0.0.odcs.yaml").write_text(dump(doc), encoding="utf-8")
    return folder


def test_side_by_side_previous_file(tmp_path: Path) -> None:
    folder = side_by_side(tmp_path)
    proc = invoke(
        "diff", str(folder / "2.0.0.odcs.yaml"), "--format", "json", "--root", str(tmp_path), env=LOCAL
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["previous"] == {"path": "contracts/orders/1.1.0.odcs.yaml", "version": "1.1.0"}
    assert [c["rule_id"] for c in doc["products"][0]["changes"]] == ["MGV110"]
    # an older file's previous is the next lower version
    proc = invoke(
        "diff", str(folder / "1.1.0.odcs.yaml"), "--format", "json", "--root", str(tmp_path), env=LOCAL
    )
    assert json.loads(proc.stdout)["summary"]["previous"]["version"] == "1.0.0"


def test_pipeline_uses_side_by_side_versions(tmp_path: Path) -> None:
    side_by_side(tmp_path)
    mesh = run(load_config(tmp_path, None), [tmp_path / "contracts"], RunOptions(mode="ci"))
    (product,) = mesh.products
    assert product.version == "2.0.0" and product.previous_version == "1.1.0"
    assert [c.rule_id for c in product.changes] == ["MGV110"]
    assert not [f for f in product.findings if f.stage == "versioning"]
