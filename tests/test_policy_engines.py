"""Engines: embedded (regorus worker) and opa (over real HTTP against tests/opa_standin.py).

The OPA stand-in implements OPA's Data and Policy REST API by delegating to
the embedded interpreter, because no OPA binary can be installed here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import PROJECT, invoke, run_cli
from meshguard.errors import EngineUnavailable
from meshguard.policy.bundle import load_bundle
from meshguard.policy.engine import open_engine
from meshguard.policy.input import build_input
from meshguard.policy.stage import PolicyStage
from meshguard.stages import PolicyContext, PolicyOutcome
from opa_standin import PATIENT_OPA, OpaStandIn, opa_config
from policykit import compliant, config_of, contract_of, make_repo, prop


def _products() -> dict[str, dict[str, object]]:
    bad = compliant()
    bad["id"] = "bad"
    prop(bad, "email").pop("classification")
    bad.pop("support")
    bad["servers"][0]["customProperties"][0]["value"] = "us-east-1"
    return {"good": compliant(), "bad": bad}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "gov", _products(), config=PATIENT_OPA)


@pytest.fixture
def opa() -> Iterator[OpaStandIn]:
    with OpaStandIn() as server:
        yield server


def test_embedded_and_opa_agree_on_every_product(repo: Path, opa: OpaStandIn) -> None:
    config = config_of(repo)
    bundle = load_bundle(repo / "policies", repo)
    embedded = open_engine("embedded", bundle, config, PolicyContext())
    remote = open_engine("opa", bundle, config, PolicyContext(opa_url=opa.url, push_policies=True))
    try:
        assert ("PUT", "/v1/policies/meshguard/policies/gdpr") in opa.requests
        for name in ("good", "bad"):
            doc = build_input(contract_of(repo, name), None, None, PolicyContext())
            a, b = embedded.evaluate(doc), remote.evaluate(doc)
            norm = {k: sorted(json.dumps(x, sort_keys=True) for x in v) for k, v in a.values.items()}
            assert norm == {k: sorted(json.dumps(x, sort_keys=True) for x in v) for k, v in b.values.items()}
            assert a.errors == b.errors == {}
            fired = {k for k, v in a.values.items() if v}
            assert (name == "bad") == bool(fired), fired
    finally:
        embedded.close()
        remote.close()


def test_check_with_opa_engine_matches_embedded(repo: Path, opa: OpaStandIn) -> None:
    # --no-data: this compares engines on the contracts; the data stage is tested elsewhere.
    # The first upload is answered late, as a compile on a loaded machine is: a test of what
    # OPA decides must wait for it (a client timeout of 1 s used to fail here under load).
    opa.fault, opa.slow_seconds = "slow-push", 1.5
    via_opa = run_cli(
        "check",
        "--format",
        "json",
        "--no-data",
        "--engine",
        "opa",
        "--opa-url",
        opa.url,
        "--push-policies",
        cwd=repo,
    )
    embedded = run_cli("check", "--format", "json", "--no-data", cwd=repo)
    assert via_opa.returncode == embedded.returncode == 1, via_opa.stderr + embedded.stderr
    a, b = json.loads(via_opa.stdout), json.loads(embedded.stdout)
    assert a["engine"] == "opa" and b["engine"] == "embedded"
    assert a["policy_bundle_hash"] == b["policy_bundle_hash"]

    def decisions(doc: dict[str, object]) -> list[tuple[str, str, str, str]]:
        return sorted(
            (p["id"], f["rule_id"], f["status"], f["message"])
            for p in doc["products"]  # type: ignore[attr-defined]
            for f in p["findings"]
            if f["stage"] == "policy"
        )

    assert decisions(a) == decisions(b)
    assert {r for _, r, _, _ in decisions(a)} == {"GDPR-001", "GDPR-006", "OWN-003"}


def test_query_mode_uses_policies_already_on_the_server(repo: Path, opa: OpaStandIn) -> None:
    pushed = run_cli("check", "--engine", "opa", "--opa-url", opa.url, "--push-policies", cwd=repo)
    assert pushed.returncode == 1
    n = len([r for r in opa.requests if r[0] == "PUT"])
    again = run_cli("check", "--engine", "opa", "--opa-url", opa.url, cwd=repo)
    assert again.returncode == 1, again.stderr
    assert len([r for r in opa.requests if r[0] == "PUT"]) == n  # nothing pushed in query mode
    assert "GDPR-006" in again.stdout


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("slow", "timed out"),
        ("500", "HTTP 500"),
        ("drop", "Connection"),
        ("garbage", "not JSON"),
        ("undefined", "undefined"),
    ],
)
def test_opa_faults_fail_closed(repo: Path, opa: OpaStandIn, fault: str, reason: str) -> None:
    # the uploads must get through before the query meets the fault: the stand-in compiles each
    # one with OPA's evaluator, which takes over a second on a loaded machine, so the client waits
    # up to 5 s here and the slow answer comes after 8
    (repo / "meshguard.yaml").write_text(opa_config(5), encoding="utf-8")
    opa.fault = fault
    opa.slow_seconds = 8
    proc = run_cli("check", "--engine", "opa", "--opa-url", opa.url, "--push-policies", cwd=repo)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    err = proc.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.startswith(f"meshguard: error: OPA at {opa.url}") and reason.lower() in err.lower(), err


def test_opa_unreachable_fails_closed(repo: Path) -> None:
    proc = invoke("policy", "eval", "good", "--engine", "opa", "--opa-url", "http://127.0.0.1:9", cwd=repo)
    assert proc.returncode == 3 and "OPA at http://127.0.0.1:9" in proc.stderr


def test_opa_without_url_is_a_usage_error(repo: Path) -> None:
    proc = invoke("check", "--engine", "opa", cwd=repo)
    assert proc.returncode == 2 and "--opa-url" in proc.stderr


def test_policy_syntax_error_gives_file_line_col(repo: Path) -> None:
    (repo / "policies" / "broken.rego").write_text(
        "package meshguard.broken\n\ndeny contains msg if {\n  msg := \n}\n", encoding="utf-8"
    )
    proc = invoke("check", cwd=repo)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "meshguard: error: policies/broken.rego:4:7: " in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1


def _write_loop_policy(repo: Path, guard: str = "") -> None:
    """A policy that runs for minutes (for the products that pass ``guard``)."""
    (repo / "policies" / "loop.rego").write_text(
        "package meshguard.loop\n\ndeny contains msg if {\n"
        + guard
        + "  some i in numbers.range(1, 100000)\n"
        '  some j in numbers.range(1, 100000)\n  i == j + 1000000\n  msg := "never"\n}\n',
        encoding="utf-8",
    )


def test_runaway_policy_is_stopped_by_the_timeout(repo: Path) -> None:
    _write_loop_policy(repo)
    proc = run_cli("check", cwd=repo, timeout=120)  # unstopped, the loop would run for minutes
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "exceeded the 2 s policy timeout" in proc.stderr


def test_builtin_error_errors_one_rule_and_keeps_the_others(repo: Path) -> None:
    (repo / "policies" / "fragile.rego").write_text(
        "package meshguard.fragile\n\n"
        "# METADATA\n# title: Fragile\n# custom:\n#   id: FRAGILE-1\n"
        'deny contains msg if {\n  t := time.parse_rfc3339_ns(input.product.name)\n  msg := sprintf("%d", [t])\n}\n\n'
        "# METADATA\n# title: Network\n# custom:\n#   id: NET-1\n"
        'deny_net contains msg if {\n  r := http.send({"method": "get", "url": "http://127.0.0.1:9/"})\n  msg := "x"\n}\n',
        encoding="utf-8",
    )
    proc = invoke("policy", "eval", "bad", "--format", "json", cwd=repo, env={"RUST_BACKTRACE": "1"})
    assert proc.returncode == 1, proc.stderr
    (result,) = json.loads(proc.stdout)["products"]
    status = {c["id"]: c for c in result["checks"]}
    assert status["FRAGILE-1"]["status"] == "errored"
    assert "datetime" in status["FRAGILE-1"]["message"].lower()
    assert "backtrace" not in proc.stdout.lower()
    assert status["NET-1"]["status"] == "errored" and "disabled" in status["NET-1"]["message"]
    assert status["GDPR-001"]["status"] == "failed" and status["OWN-003"]["status"] == "failed"
    assert status["OWN-001"]["status"] == "passed"


def test_embedded_engine_raises_unavailable_after_kill(repo: Path) -> None:
    bundle = load_bundle(repo / "policies", repo)
    engine = open_engine("embedded", bundle, config_of(repo), PolicyContext())
    try:
        doc = build_input(contract_of(repo, "good"), None, None, PolicyContext())
        assert engine.evaluate(doc).values
        worker = engine._worker()  # type: ignore[attr-defined]
        worker._proc.kill()  # the same worker both times: a second _worker() call may already
        worker._proc.wait()  # see it dead and start a fresh one, whose wait() never returns
        assert engine.evaluate(doc).values  # a dead worker is replaced
    finally:
        engine.close()
    with pytest.raises(EngineUnavailable):
        from meshguard.policy.embedded import Worker

        w = Worker(bundle, 5.0)
        w._proc.kill()
        w._proc.wait()
        w.evaluate(doc, "evaluating")


def _stage(repo: Path) -> PolicyStage:
    options = PolicyContext(engine="embedded")
    return PolicyStage.open(config_of(repo), options)


def _summary(outcome: PolicyOutcome) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str | None]]]:
    checks = [(c.id, str(c.status), c.message) for c in outcome.checks]
    return checks, [(f.rule_id, f.message, f.field) for f in outcome.findings]


def test_batched_evaluation_decides_like_one_by_one(repo: Path) -> None:
    (repo / "policies" / "fragile.rego").write_text(
        "package meshguard.fragile\n\n"
        'deny contains msg if {\n  t := time.parse_rfc3339_ns(input.product.name)\n  msg := sprintf("%d", [t])\n}\n',
        encoding="utf-8",
    )
    contracts = [contract_of(repo, name) for name in ("good", "bad", "bad", "good", "bad")]
    with _stage(repo) as stage:
        one_by_one = [_summary(stage.evaluate(c)) for c in contracts]
        assert any(c[1] == "errored" for c in one_by_one[0][0])  # the fragile rule errors, the others decide
        assert one_by_one[1][1] and not one_by_one[0][1]
        for workers in (1, 2):
            for chunk in (1, 2, 64):
                many = stage.evaluate_many(((c, None, None) for c in contracts), workers=workers, chunk=chunk)
                assert [_summary(o) for o in many] == one_by_one, (workers, chunk)


def test_runaway_policy_is_stopped_in_a_batch_too(repo: Path) -> None:
    _write_loop_policy(repo, '  input.product.id == "bad"\n')
    contracts = [contract_of(repo, name) for name in ("good", "good", "bad", "good")]
    with _stage(repo) as stage:
        with pytest.raises(EngineUnavailable, match="exceeded the 2 s policy timeout"):
            list(stage.evaluate_many(((c, None, None) for c in contracts), workers=2))
        assert _summary(stage.evaluate(contracts[0]))[0]  # a fresh worker serves the next product


def _state(pid: int) -> str | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return None
    return next(line.split()[1] for line in status.splitlines() if line.startswith("State:"))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux-only")
def test_a_looping_worker_dies_with_the_process_that_started_it(repo: Path) -> None:
    """A pool worker killed mid-decision must not leave its regorus worker spinning."""
    _write_loop_policy(repo)
    script = (
        "import sys, threading\n"
        "from pathlib import Path\n"
        "from meshguard.config import load_config\n"
        "from meshguard.policy.bundle import load_bundle\n"
        "from meshguard.policy.embedded import EmbeddedEngine\n"
        "repo = Path(sys.argv[1])\n"
        "engine = EmbeddedEngine(load_bundle(repo / 'policies', repo), 600)\n"
        "worker = engine._worker()\n"
        "worker.wait_loaded()\n"
        "print(worker._proc.pid, flush=True)\n"
        "engine.evaluate({'product': {'id': 'x'}, 'fields': []})\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    parent = subprocess.Popen(
        [sys.executable, "-c", script, str(repo)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert parent.stdout is not None
    worker_pid = int(parent.stdout.readline())
    # the worker is loaded and idle when its pid is printed; once it burns CPU it is inside the loop
    idle = _cpu_seconds(worker_pid)
    deadline = time.monotonic() + 60
    while _cpu_seconds(worker_pid) < idle + 0.3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _cpu_seconds(worker_pid) >= idle + 0.3, "the worker never started evaluating"
    assert _state(worker_pid) in ("R", "S")
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    while _state(worker_pid) not in (None, "Z") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _state(worker_pid) in (None, "Z"), "the policy worker outlived its parent"
