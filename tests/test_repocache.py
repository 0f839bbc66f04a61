"""The repo cache (meshguard/contracts/repocache.py): a later lint of one contract takes the
repo's listing and the other files' ids and mentions from what an earlier run learnt, and is
never stale: a file edited (even to the same size, even with its modification time put back),
added (in any folder), removed or renamed is seen, exactly as a run without the cache sees it."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from meshguard.config import load_config
from meshguard.contracts import repo_index, repocache, repository
from meshguard.contracts.repo import lint_repo

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: product-{i}
name: Product {i}
version: 1.0.0
status: active
domain: domain-{d}
team:
  name: team-{d}
  members:
    - username: owner{d}@example.com
      role: owner
schema:
  - name: table_{i}
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
        required: true
      - name: parent_id
        logicalType: integer
        relationships:
          - type: foreignKey
            to: table_{parent}.{column}
"""
PAST = time.time() - 3600


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Six contracts in three folders (each pointing at the next one's table), a cache folder of
    the test's own, cache files written (as without PYTHONDONTWRITEBYTECODE)."""
    root = tmp_path / "repo"
    for i in range(6):
        column = "id" if i != 2 else "missing"  # product-2's relationship is broken (MG017)
        text = CONTRACT.format(i=i, d=i % 3, parent=(i + 1) % 6, column=column)
        _write(root / "contracts" / f"domain-{i % 3}" / f"product-{i}.odcs.yaml", text)
    (root / "meshguard.yaml").write_text("contracts: {dir: contracts}\n")
    _settle(root)
    cache = tmp_path / "cache"
    monkeypatch.setattr(repocache, "directory", lambda: str(cache))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    # ctime can't be put back: the files are just written, so what is "settled" is 0 s old here
    monkeypatch.setattr(repocache, "SETTLED_NS", 0)
    return root


def _settle(root: Path) -> None:
    """Every file and folder modified an hour ago (folders last: setting a file's time does
    not touch its folder's)."""
    paths = sorted(root.rglob("*"), key=lambda p: p.is_dir())
    for p in [*paths, root]:
        os.utime(p, (PAST, PAST), follow_symlinks=False)


def _findings(root: Path, name: str = "product-0") -> list[tuple[str, str]]:
    config = load_config(root)
    target = next((root / "contracts").rglob(f"{name}.odcs.yaml"))
    out = lint_repo([target], config)
    return sorted((f.rule_id, f.message) for c in out.contracts for f in c.findings)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The folder listings and the other files' texts read by the lint context, counted."""
    counted: Counter[str] = Counter()
    real_discover, real_text = repository.discover, repo_index.LazyRepoContext._text

    def discover(paths: list[Path], *args: object) -> object:
        if any(p.is_dir() for p in paths):  # a folder listed (the named file is found as named)
            counted["listing"] += 1
        return real_discover(paths, *args)  # type: ignore[arg-type]

    def text(self: repo_index.LazyRepoContext, f: str) -> str:
        if f not in self._texts:  # read from the disk
            counted[Path(f).name] += 1
            counted["text"] += 1
        return real_text(self, f)

    monkeypatch.setattr(repository, "discover", discover)
    monkeypatch.setattr(repo_index.LazyRepoContext, "_text", text)
    return counted


def _uncached(root: Path, monkeypatch: pytest.MonkeyPatch, name: str = "product-0") -> list[tuple[str, str]]:
    """What a run without the cache finds (nothing written, nothing read)."""
    with monkeypatch.context() as m:
        m.setattr(repocache, "directory", lambda: str(root.parent / "elsewhere"))
        m.setattr(sys, "dont_write_bytecode", True)
        return _findings(root, name)


def test_a_later_run_lists_and_reads_nothing_and_finds_the_same(repo: Path, reads: Counter[str]) -> None:
    first = _findings(repo)
    assert reads["listing"] == 1 and reads["text"] == 5  # each other file read once
    reads.clear()
    assert _findings(repo) == first
    assert reads == Counter()
    assert first == [], first
    assert _findings(repo, "product-2") == [
        ("MG017", "relationship target 'table_3.missing': table_3 has no property 'missing'")
    ]


def test_an_edited_file_is_seen_even_at_the_same_size_and_time(
    repo: Path, reads: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _findings(repo) == []
    other = repo / "contracts" / "domain-1" / "product-4.odcs.yaml"
    before = other.stat()
    time.sleep(0.05)  # past the file system's clock tick
    other.write_text(other.read_text().replace("id: product-4", "id: product-0"))
    os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))  # its time put back: the change time tells
    assert other.stat().st_size == before.st_size
    reads.clear()
    got = _findings(repo)
    assert reads == Counter({"text": 1, "product-4.odcs.yaml": 1})  # only the edited file read again
    assert got == [("MG020", "contract id 'product-0' is used by more than one contract in the repo")]
    assert got == _uncached(repo, monkeypatch)


def test_a_schema_added_to_a_file_is_seen(repo: Path) -> None:
    assert _findings(repo, "product-2") != []
    target = repo / "contracts" / "domain-0" / "product-3.odcs.yaml"
    time.sleep(0.05)
    target.write_text(target.read_text().replace("name: parent_id", "name: missing"))
    assert _findings(repo, "product-2") == []


@pytest.mark.parametrize("where", ["domain-2", "domain-2/deeper", "new-domain"])
def test_an_added_file_is_seen_in_any_folder(repo: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    assert _findings(repo) == []
    if where == "domain-2/deeper":  # an existing nested folder: its own time changes, not its parent's
        (repo / "contracts" / where).mkdir()
        _settle(repo)
        assert _findings(repo) == []
    time.sleep(0.05)
    _write(repo / "contracts" / where / "copy.odcs.yaml", CONTRACT.format(i=0, d=9, parent=1, column="id"))
    got = _findings(repo)
    assert got == [("MG020", "contract id 'product-0' is used by more than one contract in the repo")]
    assert got == _uncached(repo, monkeypatch)


def test_a_removed_or_renamed_file_is_seen(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = repo / "contracts" / "domain-1" / "copy.odcs.yaml"
    _write(copy, CONTRACT.format(i=0, d=9, parent=1, column="id"))
    _settle(repo)
    assert len(_findings(repo)) == 1
    time.sleep(0.05)
    copy.rename(copy.with_name("copy.odcs.yaml.bak"))  # renamed out of the globs
    assert _findings(repo) == [] == _uncached(repo, monkeypatch)
    copy.with_name("copy.odcs.yaml.bak").rename(copy)
    assert len(_findings(repo)) == 1
    time.sleep(0.05)
    copy.unlink()
    assert _findings(repo) == []


def test_a_tree_with_a_symbolic_link_is_listed_every_run(repo: Path, reads: Counter[str]) -> None:
    (repo / "contracts" / "domain-0" / "link.odcs.yaml").symlink_to(repo / "elsewhere.odcs.yaml")
    _settle(repo)
    _findings(repo)
    _findings(repo)
    assert reads["listing"] == 2
    assert reads["text"] == 5  # the files' facts are still kept


def test_what_just_changed_is_not_kept(
    repo: Path, reads: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repocache, "SETTLED_NS", 3_000_000_000)
    # every file's and folder's change time is now: a second change within the clock's tick
    # would leave the same times, so nothing is kept yet
    assert _findings(repo) == _findings(repo) == []
    assert reads["listing"] == 2 and reads["text"] == 10


def test_a_damaged_file_is_ignored_and_no_file_without_bytecode(
    repo: Path, reads: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _findings(repo)
    (stored,) = Path(repocache.directory()).glob("repo.*.marshal")
    data = bytearray(stored.read_bytes())
    data[-10] ^= 0xFF
    stored.write_bytes(bytes(data))
    reads.clear()
    assert _findings(repo) == []
    assert reads["listing"] == 1 and reads["text"] == 5
    stored.unlink()
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    _findings(repo)
    assert list(Path(repocache.directory()).glob("repo.*")) == []


def _same_times(a: Path, b: Path) -> None:
    """Folders ``a`` and ``b`` (and their subfolders, pairwise) given the same modification and
    change times to the nanosecond, as a tree unpacked beside another at once can have them (the
    change time can't be set: both are stamped within one tick of the file system's clock)."""
    pairs = [(a, b), *((d, b / d.relative_to(a)) for d in a.rglob("*") if d.is_dir())]
    for one, two in pairs:
        for _ in range(200):
            os.utime(one, (PAST, PAST))
            os.utime(two, (PAST, PAST))
            if one.stat().st_ctime_ns == two.stat().st_ctime_ns:
                break
        assert (one.stat().st_mtime_ns, one.stat().st_ctime_ns) == (
            two.stat().st_mtime_ns,
            two.stat().st_ctime_ns,
        )


def test_a_contracts_folder_swapped_for_one_with_the_same_times_is_listed_again(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # contracts -> releases/one, then -> releases/two (a release switched by its link): two has
    # product-5, one has not; their folders' times are the same, their folders are not
    releases = repo / "releases"
    releases.mkdir()
    (repo / "contracts").rename(releases / "one")
    shutil.copytree(releases / "one", releases / "two")
    (releases / "one" / "domain-2" / "product-5.odcs.yaml").unlink()
    (repo / "contracts").symlink_to(Path("releases") / "one")
    _settle(repo)
    _same_times(releases / "one", releases / "two")
    before = _uncached(repo, monkeypatch, "product-4")
    assert ("MG018", "relationship target 'table_5.id' is not defined in this mesh") in before
    assert _findings(repo, "product-4") == before
    link = repo / "contracts.new"
    link.symlink_to(Path("releases") / "two")
    link.replace(repo / "contracts")
    after = _uncached(repo, monkeypatch, "product-4")
    assert after != before
    assert _findings(repo, "product-4") == after


def test_a_contract_linted_through_a_linked_contracts_folder_is_not_its_own_duplicate(repo: Path) -> None:
    """``contracts`` a symbolic link to the folder holding them: a contract shows its real path,
    the folder's listing the link's; the named contract must still be recognised in the listing
    (not counted twice: MG020), and a real duplicate id is still found through the link."""
    plain = _findings(repo)
    assert not any(rule == "MG020" for rule, _ in plain)
    (repo / "releases").mkdir()
    (repo / "contracts").rename(repo / "releases" / "one")
    (repo / "contracts").symlink_to(Path("releases") / "one")
    assert _findings(repo) == plain
    twin = repo / "releases" / "one" / "domain-1" / "product-1.odcs.yaml"
    twin.write_text(twin.read_text().replace("id: product-1", "id: product-0"))
    assert ("MG020", "contract id 'product-0' is used by more than one contract in the repo") in _findings(
        repo
    )
