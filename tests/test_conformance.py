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


#: examples that declare apiVersion v3.0.2 but use v3.1 forms (logicalType timestamp/time,
#: bounds as values, `team` as an object, a quality rule without `rule`): invalid against
#: the v3.0.2 schema, which is what their apiVersion asks for
V31_FORMS_UNDER_V302 = {
    "all-data-types.odcs.yaml",
    "column-completeness.odcs.yaml",
    "basic-four-dpo.odcs.yaml",
}


def _errors(path: Path, root: Path) -> list[str]:
    result = lint_repo([path], Config(root=root))
    assert not result.unreadable
    assert len(result.contracts) == 1
    return [
        f"{f.location} {f.rule_id} {f.message}" for f in result.contracts[0].findings if f.severity == "error"
    ]


@pytest.mark.parametrize("path", odcs_examples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_official_example_lints_by_its_own_api_version(path: Path, tmp_path: Path) -> None:
    errors = _errors(path, tmp_path)
    if path.name not in V31_FORMS_UNDER_V302:
        assert errors == [], errors
        return
    assert errors and all(" MG001 " in e and "v3.0.2" not in e for e in errors), errors
    # the same contract declared v3.1.0 is valid: the schema followed the apiVersion
    text = path.read_text(encoding="utf-8").replace("apiVersion: v3.0.2", "apiVersion: v3.1.0")
    as_31 = tmp_path / path.name
    as_31.write_text(text, encoding="utf-8")
    assert _errors(as_31, tmp_path) == []


def test_all_official_examples_are_found() -> None:
    assert len(odcs_examples()) >= 18
