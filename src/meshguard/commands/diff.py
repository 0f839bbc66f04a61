"""``meshguard diff``: classify the changes between two versions of a contract.

Exit 0 when nothing breaks (or the version was bumped as the changes need),
1 when a breaking change lacks its major bump (or the version went backwards),
2 on bad input.
"""

from __future__ import annotations

from pathlib import Path

import click

from meshguard.commands.common import get_config, repo_options
from meshguard.commands.compare import compare_options, run_compare
from meshguard.errors import ExitCode
from meshguard.results.model import Severity
from meshguard.versioning.changelog import render_text, to_json


@click.command()
@compare_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@repo_options
def diff(
    files: tuple[Path, ...],
    base: str | None,
    perspective: str,
    fmt: str,
    root: Path,
    config_file: Path | None,
) -> int:
    """Classify changes: `meshguard diff OLD NEW` or `meshguard diff CONTRACT --base REF`."""
    config = get_config(root, config_file)
    contract, info = run_compare(files, base, perspective, config)
    failed = any(f.severity == Severity.ERROR for f in info.findings)
    code = int(ExitCode.FAILED if failed else ExitCode.PASSED)
    click.echo(
        to_json(contract, info, perspective, code)
        if fmt == "json"
        else render_text(contract, info, perspective)
    )
    return code
