"""The mutation script's own bookkeeping: which equivalent rows of docs/mutation.md went stale.

Rows name mutants by number; mutmut numbers a changed function's mutants anew, so after a
change a row may name a killed mutant, another survivor, or none. The script reports the rows
of the files it mutated that name no survivor of its run.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "mutation.py"


@pytest.fixture
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


SOURCES = [Path("src/meshguard/quality/masking.py"), Path("src/meshguard/versioning/areas/__init__.py")]


def test_rows_that_still_name_survivors_are_not_stale(script: ModuleType) -> None:
    statuses = {
        "meshguard.quality.masking.x_jsonable__mutmut_15": "survived",
        "meshguard.quality.masking.x_jsonable__mutmut_16": "not checked",  # a run cut by its time-out
        "meshguard.quality.masking.x_jsonable__mutmut_17": "killed",
    }
    equivalent = {
        "meshguard.quality.masking.x_jsonable__mutmut_15",
        "meshguard.quality.masking.x_jsonable__mutmut_16",
    }
    assert script.stale_equivalents(statuses, equivalent, SOURCES) == []


def test_a_row_naming_a_killed_or_unmade_mutant_is_stale(script: ModuleType) -> None:
    statuses = {
        "meshguard.quality.masking.x_jsonable__mutmut_15": "killed",
        "meshguard.quality.masking.x_jsonable__mutmut_16": "timeout",
        "meshguard.versioning.areas.x_f__mutmut_1": "survived",
    }
    equivalent = {
        "meshguard.quality.masking.x_jsonable__mutmut_15",
        "meshguard.quality.masking.x_jsonable__mutmut_16",
        "meshguard.quality.masking.x_gone__mutmut_3",
        "meshguard.versioning.areas.x_f__mutmut_1",
        "meshguard.versioning.areas.x_f__mutmut_2",  # a package's own module (__init__.py)
    }
    assert script.stale_equivalents(statuses, equivalent, SOURCES) == [
        "meshguard.quality.masking.x_gone__mutmut_3",
        "meshguard.quality.masking.x_jsonable__mutmut_15",
        "meshguard.quality.masking.x_jsonable__mutmut_16",
        "meshguard.versioning.areas.x_f__mutmut_2",
    ]


def test_rows_of_files_not_mutated_are_left_alone(script: ModuleType) -> None:
    equivalent = {
        "meshguard.quality.masking_extra.x_f__mutmut_1",  # another module whose name starts the same
        "meshguard.versioning.areas.bounds.xǁOptionsDiffǁoptions__mutmut_38",  # a module inside the package
        "meshguard.contracts.lint.x__target_issue__mutmut_20",
    }
    assert script.stale_equivalents({}, equivalent, SOURCES) == []


def test_every_equivalent_row_of_the_docs_is_read(script: ModuleType) -> None:
    rows = script.equivalent_mutants()
    assert "meshguard.quality.masking.x_jsonable__mutmut_15" in rows
    assert all("__mutmut_" in name for name in rows)
