"""The gate: a scored MeshResult → the exit code of ``meshguard check``.

2  a contract could not be read as ODCS (bad input), whatever ``--fail-on`` says;
3  a product could not be assessed (an engine or data source was unavailable);
1  any product fails (a blocking finding or check), a mesh-level blocking finding
   (e.g. an expired waiver), or — with ``--fail-on warn`` — any warning;
0  otherwise (warnings allowed). ``--fail-on never`` keeps 0 for 1-level failures.
"""

from __future__ import annotations

from meshguard.errors import ExitCode
from meshguard.results.model import MeshResult
from meshguard.results.scoring import is_blocking_finding, is_open

UNREADABLE_RULE = "MG000"


def exit_code(mesh: MeshResult, fail_on: str) -> int:
    if any(f.rule_id == UNREADABLE_RULE for f in mesh.findings):
        return int(ExitCode.BAD_INPUT)
    verdicts = {p.verdict for p in mesh.products}
    if "error" in verdicts:
        return int(ExitCode.UNAVAILABLE)
    if fail_on == "never":
        return int(ExitCode.PASSED)
    if "fail" in verdicts or any(is_blocking_finding(f) for f in mesh.findings):
        return int(ExitCode.FAILED)
    if fail_on == "warn" and ("warn" in verdicts or any(is_open(f) for f in mesh.findings)):
        return int(ExitCode.FAILED)
    return int(ExitCode.PASSED)
