"""Every official ODCS example contract loads and lints with no error."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ODCS_EXAMPLES, odcs_examples
from meshguard.config import Config
from meshguard.contracts.repo import lint_repo

pytestmark = pytest.mark.skipif(
    not ODCS_EXAMPLES.is_dir(), reason="../shared/conformance/odcs is absent in this checkout"
)


@pytest.mark.parametrize("path", odcs_examples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_official_example_lints_without_errors(path: Path, tmp_path: Path) -> None:
    result = lint_repo([path], Config(root=tmp_path))
    assert not result.unreadable
    assert len(result.contracts) == 1
    errors = [f for f in result.contracts[0].findings if f.severity == "error"]
    assert errors == [], [f"{f.location} {f.rule_id} {f.message}" for f in errors]


def test_all_official_examples_are_found() -> None:
    assert len(odcs_examples()) >= 18
