"""Package basics: cheap imports, CLI entry points, config, YAML safety, init, typed model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT, run_cli
from meshguard import __version__
from meshguard.config import load_config
from meshguard.contracts.load import load_contract
from meshguard.errors import ConfigError
from meshguard.yamlio import Limits, YamlError, parse_yaml

HEAVY = ("polars", "pandera", "pandas", "duckdb", "pyarrow", "opa_client", "regorus", "numpy")

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: customers
name: Customers
version: 1.2.0
status: active
domain: ecommerce
team:
  name: crm
  members:
    - username: ann@example.com
      role: owner
schema:
  - name: customers
    properties:
      - name: customer_id
        logicalType: integer
        primaryKey: true
        required: true
      - name: email
        logicalType: string
        classification: restricted
        tags: [pii]
      - name: address
        logicalType: object
        properties:
          - name: city
            logicalType: string
          - name: street
            logicalType: string
            tags: [pii]
"""


def _imported_after(code: str, cwd: Path) -> set[str]:
    probe = f"import sys\n{code}\nprint('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    env_src = str(PROJECT / "src")
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_src, "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("HEAVY="))
    return {m for m in line.removeprefix("HEAVY=").split(",") if m}


def test_import_meshguard_is_light(tmp_path: Path) -> None:
    assert _imported_after("import meshguard, meshguard.cli", tmp_path) == set()


def test_lint_one_contract_imports_no_heavy_library(tmp_path: Path) -> None:
    f = tmp_path / "c.odcs.yaml"
    f.write_text(CONTRACT)
    code = (
        "from meshguard.cli import main\n"
        "try:\n"
        f"    main(['lint', '--root', {str(tmp_path)!r}, {str(f)!r}])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
    )
    assert _imported_after(code, tmp_path) == set()


def test_version_and_module_entry(tmp_path: Path) -> None:
    proc = run_cli("--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert __version__ in proc.stdout


def test_unknown_command_is_usage_error(tmp_path: Path) -> None:
    proc = run_cli("frobnicate", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_typed_model_flattens_nested_properties(tmp_path: Path) -> None:
    f = tmp_path / "c.odcs.yaml"
    f.write_text(CONTRACT)
    c = load_contract(f, tmp_path).contract
    assert (c.id, c.version, c.domain, c.owner, c.status) == (
        "customers",
        "1.2.0",
        "ecommerce",
        "crm",
        "active",
    )
    assert [p.path for p in c.properties] == [
        "customer_id",
        "email",
        "address",
        "address.city",
        "address.street",
    ]
    email = c.find_property("customers", "email")
    assert email is not None and email.masked and "pii" in email.categories
    street = c.find_property("customers", "address.street")
    assert street is not None and street.masked
    assert c.line(street.pointer) == 29
    pk = c.properties[0]
    assert pk.primary_key and pk.required and not pk.masked


def test_config_unknown_key_is_named_with_line(tmp_path: Path) -> None:
    (tmp_path / "meshguard.yaml").write_text("reports: out\nengine:\n  kind: embedded\n  colour: blue\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert "engine.colour" in str(err.value)
    assert err.value.line == 4
    proc = run_cli("lint", "--root", str(tmp_path))
    assert proc.returncode == 2
    assert "meshguard.yaml:4: unknown key 'engine.colour'" in proc.stderr


def test_config_wrong_type(tmp_path: Path) -> None:
    (tmp_path / "meshguard.yaml").write_text("fail_on: sometimes\n")
    with pytest.raises(ConfigError, match="fail_on"):
        load_config(tmp_path)


def test_config_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.meshguard]\nreports = "scorecards"\nfail_on = "warn"\n')
    cfg = load_config(tmp_path)
    assert cfg.reports_dir == "scorecards" and cfg.fail_on == "warn"
    (tmp_path / "pyproject.toml").write_text('[tool.meshguard]\nreport = "x"\n')
    with pytest.raises(ConfigError, match="unknown key 'report'"):
        load_config(tmp_path)


def test_config_sensitivity_mapping_is_configurable(tmp_path: Path) -> None:
    (tmp_path / "meshguard.yaml").write_text("sensitivity:\n  kundendaten: [pii]\n")
    cfg = load_config(tmp_path)
    assert cfg.sensitivity.categories("Kundendaten") == frozenset({"pii"})
    (tmp_path / "meshguard.yaml").write_text("sensitivity:\n  x: [not-a-category]\n")
    with pytest.raises(ConfigError):
        load_config(tmp_path)


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    prev = "a"
    for name in "bcdefghij":
        bomb += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    with pytest.raises(YamlError, match="alias bomb"):
        parse_yaml(bomb, "bomb.yaml", Limits(max_nodes=100_000))


def test_yaml_depth_and_size_limits() -> None:
    deep = "a: " + "[" * 200 + "]" * 200
    with pytest.raises(YamlError, match="nesting deeper"):
        parse_yaml(deep, "deep.yaml", Limits(max_depth=64))
    with pytest.raises(YamlError, match="byte limit"):
        parse_yaml("a: " + "x" * 2000, "big.yaml", Limits(max_bytes=1000))


def test_yaml_keeps_dates_as_strings_and_handles_bom() -> None:
    doc = parse_yaml("\ufeffwhen: 2024-01-02\nn: .nan\n", "d.yaml")
    assert doc.data == {"when": "2024-01-02", "n": ".nan"}


def test_init_scaffold_lints_clean_and_refuses_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "gov"
    proc = run_cli("init", str(target))
    assert proc.returncode == 0, proc.stderr
    for rel in ("meshguard.yaml", "contracts/example/example.odcs.yaml", "waivers.yaml", "policies/org.rego"):
        assert (target / rel).is_file(), rel
    lint = run_cli("lint", "--format", "json", cwd=target)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert json.loads(lint.stdout)["summary"]["errors"] == 0
    again = run_cli("init", str(target))
    assert again.returncode == 2 and "--force" in again.stderr
