"""What ``meshguard check --ci`` adds to a run: JUnit + SARIF in the reports folder, the
markdown summary in ``$GITHUB_STEP_SUMMARY``, workflow annotations on GitHub.

The renderings come from the reporters (:mod:`meshguard.report.formats`); this
module only decides where they go for the CI system :mod:`meshguard.ci_env` found.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from meshguard.ci.env import CIEnv
from meshguard.report import formats
from meshguard.report.formats import RenderContext
from meshguard.report.publish import OutputSpec
from meshguard.results.model import MeshResult

#: always written by --ci, whatever the CI system
CI_FORMATS = ("junit", "sarif")


def outputs(reports_dir: Path) -> list[OutputSpec]:
    return [OutputSpec(f, reports_dir / formats.get(f).default_filename) for f in CI_FORMATS]


def finish(mesh: MeshResult, env: CIEnv, stream: TextIO | None = None) -> list[Path]:
    """Summary and annotations for the CI system; returns the files written. Annotations go to
    stderr (the runner reads workflow commands from both streams), so stdout stays the
    ``--format`` document."""
    stream = stream or sys.stderr
    written: list[Path] = []
    if env.step_summary is not None:
        text = formats.get("markdown").render(mesh, RenderContext())
        env.step_summary.parent.mkdir(parents=True, exist_ok=True)
        with env.step_summary.open("a", encoding="utf-8") as fh:  # other steps append too
            fh.write(text if text.endswith("\n") else text + "\n")
        written.append(env.step_summary)
    if env.annotations:
        from meshguard.report.formats.github import workflow_commands

        lines = workflow_commands(mesh)
        if lines:
            stream.write("\n".join(lines) + "\n")
            stream.flush()
    return written
