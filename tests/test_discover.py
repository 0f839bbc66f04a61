"""Contract discovery: folders searched by the globs, each file listed once however it is named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from meshguard.contracts.load import discover
from meshguard.errors import UsageError


def _repo(tmp_path: Path) -> Path:
    folder = tmp_path / "contracts"
    (folder / "sales").mkdir(parents=True)
    for rel in ("sales/orders.odcs.yaml", "sales/customers.odcs.yml", "notes.yaml"):
        (folder / rel).write_text("id: x\n")
    (folder / "sales" / "folder.odcs.yaml").mkdir()  # a folder matching the glob is not a contract
    return folder


def test_a_folder_gives_its_contract_files_sorted(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    assert discover([folder]) == [folder / "sales/customers.odcs.yml", folder / "sales/orders.odcs.yaml"]


def test_the_same_file_named_again_or_through_a_link_is_listed_once(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    link = tmp_path / "link.odcs.yaml"
    os.symlink(folder / "sales/orders.odcs.yaml", link)
    relative = Path(os.path.relpath(folder / "sales/orders.odcs.yaml"))
    found = discover([folder, folder / "sales/orders.odcs.yaml", link, relative, folder])
    assert found == [folder / "sales/customers.odcs.yml", folder / "sales/orders.odcs.yaml"]
    assert discover([link, folder]) == [link, folder / "sales/customers.odcs.yml"]


def test_overlapping_globs_list_a_file_once(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    found = discover([folder], ("**/*.odcs.yaml", "**/orders.*", "**/*.yml"))
    assert found == [folder / "sales/customers.odcs.yml", folder / "sales/orders.odcs.yaml"]


def test_missing_paths_and_empty_folders_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        discover([tmp_path / "absent.odcs.yaml"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no contracts found"):
        discover([tmp_path / "empty"])
