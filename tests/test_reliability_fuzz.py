"""Property-based fuzzing of every parser (a small fixed-seed run; scripts/fuzz.py does 10,000 per parser).

Every generated input ends in a result or a clear one-line MeshguardError —
never another exception, a native panic or a hang.
"""

from __future__ import annotations

import pytest

from fuzzkit import Workdir, fuzz, strategies

EXAMPLES = {"lint": 80, "diff": 80, "reader_parquet": 60, "reader_csv": 60, "reader_json": 60, "check": 40}


@pytest.fixture(scope="module")
def work() -> Workdir:
    return Workdir()


@pytest.mark.slow  # hundreds of generated inputs per loader
@pytest.mark.parametrize("name", list(strategies()))
def test_every_input_ends_in_a_result_or_a_clear_error(name: str, work: Workdir) -> None:
    tally = fuzz(name, EXAMPLES.get(name, 120), seed=7, work=work)
    assert tally.tried >= EXAMPLES.get(name, 120) // 2
    assert tally.crashes == [], "\n\n".join(f"{c.error}\ninput: {c.input[:800]}" for c in tally.crashes[:3])
    assert tally.results > 0  # the generator reaches the happy path too
    if name in ("contract_loader", "config", "waivers"):
        assert tally.errors > 0  # ... and the error path


def test_the_harness_catches_a_crash() -> None:
    from fuzzkit import Tally, attempt

    tally = Tally()
    attempt("x", lambda v: {}[v], "missing", tally)
    attempt("x", lambda v: None, "fine", tally)
    assert len(tally.crashes) == 1 and "KeyError" in tally.crashes[0].error and tally.results == 1
