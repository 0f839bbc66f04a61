"""Push mode against a server that compiles like OPA.

The stand-in (tests/opa_standin.py) answers OPA's REST API with OPA's own
evaluator running in-process, and compiles each uploaded module together with
the modules it already holds, as an OPA server does: an upload that calls a
function not loaded yet is refused with OPA's HTTP 400 answer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import run_cli
from meshguard.policy.bundle import Module, load_bundle
from meshguard.policy.opa import upload_order
from opa_standin import OpaStandIn
from policykit import POLICIES, compliant, make_repo


@pytest.fixture
def opa() -> Iterator[OpaStandIn]:
    with OpaStandIn() as server:
        yield server


def _put(url: str, body: str) -> tuple[int, dict[str, object]]:
    req = urllib.request.Request(
        url, data=body.encode(), method="PUT", headers={"Content-Type": "text/plain"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_standin_refuses_a_module_whose_dependency_is_not_loaded(opa: OpaStandIn) -> None:
    """The bug push mode had: modules uploaded alphabetically, gdpr.rego before lib.rego."""
    gdpr = next(m for m in load_bundle(POLICIES).modules if m.path.endswith("gdpr.rego"))
    code, body = _put(f"{opa.url}/v1/policies/meshguard/gdpr", gdpr.text)
    assert code == 400
    assert body["code"] == "invalid_parameter"
    errors = body["errors"]
    assert isinstance(errors, list) and errors[0]["code"] == "rego_type_error"
    assert errors[0]["message"].startswith("undefined function data.meshguard.lib.")
    assert errors[0]["location"]["file"] == "meshguard/gdpr"
    assert "meshguard/gdpr" not in opa.policies  # a refused module is not kept


def test_upload_order_puts_every_module_after_its_dependencies() -> None:
    modules = load_bundle(POLICIES).modules
    order = [m.path.rsplit("/", 1)[-1] for m in upload_order(modules)]
    assert sorted(order) == sorted(m.path.rsplit("/", 1)[-1] for m in modules)
    lib = order.index("lib.rego")
    for name in ("gdpr.rego", "hipaa.rego", "ownership.rego", "quality.rego"):
        assert order.index(name) > lib
    chain = [
        Module("a.rego", "package a\nimport data.b\nx := b.y\n"),
        Module("b.rego", "package b\ny := data.c.z\n"),
    ]
    chain.append(Module("c.rego", "package c\nz := 1\n# data.a is only a comment\n"))
    assert [m.path for m in upload_order(chain)] == ["c.rego", "b.rego", "a.rego"]


def test_push_mode_loads_the_whole_pack_into_a_compiling_server(opa: OpaStandIn, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "gov", {"good": compliant()})
    r = run_cli("check", "--no-data", "--engine", "opa", "--opa-url", opa.url, "--push-policies", cwd=repo)
    assert r.returncode == 0, r.stdout + r.stderr
    puts = [p for m, p in opa.requests if m == "PUT" and p.startswith("/v1/policies/")]
    assert len(puts) == len(load_bundle(repo / "policies").modules)
    assert puts.index("/v1/policies/meshguard/policies/lib") < puts.index(
        "/v1/policies/meshguard/policies/gdpr"
    )


def test_a_refused_module_is_named_with_opa_error(opa: OpaStandIn, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "gov", {"good": compliant()})
    (repo / "policies" / "extra.rego").write_text(
        'package meshguard.extra\n\nimport data.meshguard.lib\n\ndeny contains "x" if lib.no_such_helper(input)\n',
        encoding="utf-8",
    )
    r = run_cli("check", "--no-data", "--engine", "opa", "--opa-url", opa.url, "--push-policies", cwd=repo)
    assert r.returncode == 2, r.stdout + r.stderr
    err = r.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert "policies/extra.rego:5" in err and "undefined function data.meshguard.lib.no_such_helper" in err, (
        err
    )


def test_a_run_with_pool_workers_uploads_the_policies_once(opa: OpaStandIn, tmp_path: Path) -> None:
    """``check --jobs 2`` pushes from the run's own process, before the pool starts: the
    workers only query. Counted on the stand-in, over real HTTP."""
    products = {}
    for i in range(4):
        doc = compliant()
        doc["id"] = f"product{i}"
        products[f"product{i}"] = doc
    repo = make_repo(tmp_path / "gov", products)
    r = run_cli(
        "check", "--no-data", "--engine", "opa", "--opa-url", opa.url, "--push-policies", "--jobs", "2",
        cwd=repo,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    modules = load_bundle(repo / "policies").modules
    policy_puts = [p for m, p in opa.requests if m == "PUT" and p.startswith("/v1/policies/")]
    data_puts = [p for m, p in opa.requests if m == "PUT" and p.startswith("/v1/data/")]
    assert len(policy_puts) == len(set(policy_puts)) == len(modules)  # each module once
    assert len(data_puts) == len(set(data_puts)) >= 1
    queries = [p for m, p in opa.requests if m == "POST"]
    assert queries == ["/v1/data/meshguard"] * 4
