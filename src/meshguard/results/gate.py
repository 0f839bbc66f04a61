"""The gate: a scored MeshResult → the exit code of ``meshguard check``.

2  a contract could not be read as ODCS (bad input), whatever ``--fail-on`` says;
3  a product could not be assessed (an engine or data source was unavailable);
1  any product fails (a blocking finding or check), a mesh-level blocking finding,
   or — with ``--fail-on warn`` — any warning;
0  otherwise (warnings allowed). ``--fail-on never`` keeps 0 for 1-level failures.

An expired waiver is not itself blocking: it stops waiving, so the finding it
covered (if it is still there) fails its product and the gate with it. The
expired waiver is reported as a warning (``MG-WAIVER-EXPIRED``), which fails the
gate only with ``--fail-on warn``: a fixed finding whose waiver has lapsed is
housekeeping, not a reason to block a merge.
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
