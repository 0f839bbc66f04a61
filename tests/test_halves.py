"""A large mesh without data is checked by two processes, each its half from lint to score.

What comes out must be what one process gives: the same products (findings, checks,
scores, in order), the same mesh-level waiver findings (a waiver matched or a product seen
by the child counts), the same decision-log lines in the same order; the second half
really ran in a forked child; a child that dies is one clear error. The threshold is
lowered here so that the example repo counts as large.
"""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import meshguard
from conftest import PROJECT
from meshguard import halves, pipeline
from meshguard.results import scoring
from meshkit import copy_example_repo

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def _checked(repo: Path, jobs: int, log: Path) -> dict[str, Any]:
    mesh = meshguard.check(
        repo, options=meshguard.CheckOptions(jobs=jobs, with_data=False, decision_log=log, now=NOW)
    ).to_dict()
    return _normalised(mesh, log)


def _normalised(mesh: dict[str, Any], log: Path) -> dict[str, Any]:
    for key in ("run_id", "summary"):
        mesh.pop(key)
    for p in mesh["products"]:
        p.pop("timings")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    for line in lines:
        line.pop("decision_id"), line.pop("run_id"), line.pop("metrics")
    return {"mesh": mesh, "log": lines}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(halves, "SPLIT_FROM", 4)
    return copy_example_repo(PROJECT, tmp_path / "repo")


def test_two_processes_check_what_one_checks(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scored_by = tmp_path / "scored-by"
    score = scoring.score_product

    def noting(product: Any, rules: Any) -> None:
        with scored_by.open("a") as fh:  # the child's lines too: one file
            fh.write(f"{os.getpid()} {product.id}\n")
        score(product, rules)

    monkeypatch.setattr(pipeline, "score_product", noting)
    before, here = pipeline.ProductChecker._before_policy, os.getpid()

    hold: list[int] = []  # the second half's size, while the split run holds this process back

    def late_here(self: pipeline.ProductChecker, lc: Any) -> Any:
        if hold and os.getpid() == here and lc.contract.id == "customers":
            # the child finishes its half first: its decisions must still come after these
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if scored_by.exists() and len(scored_by.read_text().splitlines()) >= hold[0]:
                    break
                time.sleep(0.02)
        return before(self, lc)

    monkeypatch.setattr(pipeline.ProductChecker, "_before_policy", late_here)
    alone = _checked(repo, 1, tmp_path / "alone.jsonl")
    scored_by.unlink()
    count = len(alone["mesh"]["products"])
    hold.append(count - (count + 1) // 2)
    split = _checked(repo, 2, tmp_path / "split.jsonl")
    assert split == alone
    products = [p["id"] for p in alone["mesh"]["products"]]
    assert len(products) >= 8 and len(alone["log"]) == len(products)
    # a waiver of a product of each half is in the mesh-level findings (one stale: seen by the child)
    assert any(
        f["rule_id"] == "MG-WAIVER-STALE" and "patients" in f["message"] for f in alone["mesh"]["findings"]
    )
    # the second half was checked and scored by another process, after the first half here
    lines = [line.split() for line in scored_by.read_text().splitlines()]
    by = {i: pid for pid, i in lines}
    half = (len(products) + 1) // 2
    assert len(lines) == len(by) == len(products) and set(by) == set(products)
    assert {by[i] for i in products[:half]} == {str(os.getpid())}
    assert len({by[i] for i in products[half:]}) == 1 and str(os.getpid()) not in {
        by[i] for i in products[half:]
    }
    # while this process waited, the child checked its half (in order): it did not wait for this one
    assert [i for _, i in lines][: len(products) - half] == products[half:]


def test_a_small_mesh_or_one_job_stays_in_one_process(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("split")

    monkeypatch.setattr(halves, "check", never)
    monkeypatch.setattr(halves, "check_repo", never)
    meshguard.check(repo, options=meshguard.CheckOptions(jobs=1, with_data=False))
    monkeypatch.setattr(halves, "SPLIT_FROM", 10**6)
    meshguard.check(repo, options=meshguard.CheckOptions(jobs=2, with_data=False))


@pytest.mark.parametrize("part", ["_second", "_checked"])
def test_a_half_that_dies_is_one_clear_error(repo: Path, monkeypatch: pytest.MonkeyPatch, part: str) -> None:
    """The child that loads its half, or (every contract needed whole) the one that checks it."""

    def killed(*args: Any) -> Any:
        os.kill(os.getpid(), signal.SIGKILL)

    if part == "_checked":
        _contract(
            repo / "contracts" / "zz.odcs.yaml",
            "zz",
            "zz",
            ["ecommerce/customers.odcs.yaml#/schema/customers/properties/customer_id"],
        )
    monkeypatch.setattr(halves, part, killed)
    with pytest.raises(RuntimeError, match=r"second half stopped before it finished \(exit status -9\)"):
        meshguard.check(repo, options=meshguard.CheckOptions(jobs=2, with_data=False))


def test_a_halfs_error_is_raised_here(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from meshguard.errors import EngineUnavailable

    def failing(*args: Any) -> Any:
        raise EngineUnavailable("the engine stopped")

    monkeypatch.setattr(halves, "_second", failing)
    with pytest.raises(EngineUnavailable, match="the engine stopped"):
        meshguard.check(repo, options=meshguard.CheckOptions(jobs=2, with_data=False))


def test_a_run_ended_before_its_products_stops_the_child(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Interrupted after the halves started but before the first product was asked for: the
    child checking the second half is stopped and reaped, not left running (or a zombie)."""
    from meshguard import forked, progress

    started: list[int] = []
    start, step = forked.start, progress.step

    def noted(part: Any, died: Any) -> Any:
        pending = start(part, died)
        started.append(pending._pid)
        return pending

    def interrupted(*args: Any, **kwargs: Any) -> None:
        if args[1:2] == ("products",):
            raise KeyboardInterrupt
        step(*args, **kwargs)

    monkeypatch.setattr(forked, "start", noted)
    monkeypatch.setattr(progress, "step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        meshguard.check(repo, options=meshguard.CheckOptions(jobs=2, with_data=False))
    assert len(started) == 1
    with pytest.raises(ProcessLookupError):
        os.kill(started[0], 0)


SMALL = """apiVersion: v3.1.0
kind: DataContract
id: {id}
version: {version}
status: active
domain: extra
schema:
  - name: {table}
    properties:
      - name: id
        logicalType: integer
        relationships:
{targets}"""


def _contract(path: Path, id: str, table: str, targets: list[str], version: str = "1.0.0") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"          - to: {t}\n" for t in targets)
    path.write_text(SMALL.format(id=id, table=table, targets=lines, version=version))


@pytest.fixture
def crossed(repo: Path) -> Path:
    """The example repo and contracts whose lint needs the other half's: relationships into it
    (to a property that exists and one that does not), an id the other half has too, an
    unreadable file and a contract with an older side-by-side version in the second half."""
    contracts = repo / "contracts"
    _contract(
        contracts / "aa" / "ref.odcs.yaml",
        "patients",
        "aa_ref",
        ["patients.patient_id", "encounters.nope", "nowhere.x"],
    )
    _contract(
        contracts / "zz" / "ref.odcs.yaml",
        "zz-ref",
        "zz_ref",
        ["customers.customer_id", "customers.nope", "aa_ref.id"],
    )
    (contracts / "zz" / "broken.odcs.yaml").write_text("id: [unclosed\n")
    for version in ("1.0.0", "1.1.0"):
        _contract(
            contracts / "zz" / "versioned" / f"{version}.odcs.yaml", "zz-v", "zz_v", ["aa_ref.id"], version
        )
    return repo


def test_each_half_loads_its_own_contracts(
    crossed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meshguard.contracts.load import LoadedContract

    alone = _checked(crossed, 1, tmp_path / "alone.jsonl")

    def refused(self: Any, protocol: Any) -> Any:
        raise AssertionError("a loaded contract crossed between the processes")

    # the second half's contracts stay in the child: none is pickled (the fork shares the patch)
    monkeypatch.setattr(LoadedContract, "__reduce_ex__", refused, raising=False)
    apart = halves._apart
    kinds: list[str] = []

    def spied(*args: Any) -> Any:
        got = apart(*args)
        kinds.append(type(got).__name__)
        return got

    monkeypatch.setattr(halves, "_apart", spied)
    seen: list[tuple[int, int]] = []
    split = meshguard.check(
        crossed,
        options=meshguard.CheckOptions(
            jobs=2,
            with_data=False,
            now=NOW,
            decision_log=tmp_path / "split.jsonl",
            progress=lambda done, total: seen.append((done, total)),
        ),
    )
    assert _normalised(split.to_dict(), tmp_path / "split.jsonl") == alone
    assert kinds == ["Checked"]  # loaded by two processes, each linting and checking its own
    products = alone["mesh"]["products"]
    assert seen[-1] == (len(products), len(products)) == (11, 11)  # the broken file is no product
    found = {(f["rule_id"], f["message"]) for p in products for f in p["findings"]}
    # what only the other half's outline tells: each side's relationships and the duplicate id
    assert ("MG017", "relationship target 'encounters.nope': encounters has no property 'nope'") in found
    assert ("MG017", "relationship target 'customers.nope': customers has no property 'nope'") in found
    assert ("MG018", "relationship target 'nowhere.x' is not defined in this mesh") in found
    assert not any(r == "MG018" and ("patients" in m or "aa_ref" in m or "customers" in m) for r, m in found)
    assert sum(1 for r, _ in found if r == "MG020") >= 1
    assert any("broken.odcs.yaml" in json.dumps(f) for f in alone["mesh"]["findings"])
    assert any(p["id"] == "zz-v" and p["previous_version"] == "1.0.0" for p in products)


def test_a_file_reference_checks_the_second_half_from_every_contract(
    crossed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _contract(
        crossed / "contracts" / "zz" / "file-ref.odcs.yaml",
        "zz-file",
        "zz_file",
        ["ecommerce/customers.odcs.yaml#/schema/customers/properties/nope"],
    )
    alone = _checked(crossed, 1, tmp_path / "alone.jsonl")
    whole = halves.check
    used: list[int] = []

    def spied(checker: Any, loaded: Any, *args: Any) -> Any:
        used.append(len(loaded))
        return whole(checker, loaded, *args)

    monkeypatch.setattr(halves, "check", spied)
    assert _checked(crossed, 2, tmp_path / "split.jsonl") == alone
    assert used == [12]  # linted here against every contract, then the second half checked apart
    found = [
        f["message"] for p in alone["mesh"]["products"] for f in p["findings"] if f["rule_id"] == "MG017"
    ]
    assert any("ecommerce/customers.odcs.yaml#" in m for m in found)


def test_a_repo_loaded_by_two_processes_is_checked_by_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the repository would fork a child only to load half the files and pickle them
    back, that child checks its half instead (no loader child of its own)."""
    from meshguard.contracts.repository import FORK_FROM

    repo = tmp_path / "repo"
    for n in range(FORK_FROM):
        _contract(
            repo / "contracts" / f"c{n:04d}.odcs.yaml", f"c{n}", f"t{n}", [f"t{(n + 1) % FORK_FROM}.id"]
        )
    (repo / "meshguard.yaml").write_text("contracts:\n  dir: contracts\n")
    split = halves.check_repo
    used: list[int] = []

    def spied(*args: Any) -> Any:
        used.append(1)
        return split(*args)

    monkeypatch.setattr(halves, "check_repo", spied)
    mesh = meshguard.check(repo, options=meshguard.CheckOptions(jobs=2, with_data=False, with_policy=False))
    assert used == [1] and len(mesh.products) == FORK_FROM
    assert not any(f.rule_id in ("MG017", "MG018") for p in mesh.products for f in p.findings)
