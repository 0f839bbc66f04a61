"""``meshguard diff``: classify the changes between two versions of a contract.

Exit 0 when nothing breaks (or the version was bumped as the changes need),
1 when a breaking change lacks its major bump (or the version went backwards),
2 on bad input.
"""

from __future__ import annotations

from pathlib import Path

import click

from meshguard.commands.common import repo_options
from meshguard.commands.compare import compare_options, run_compare
from meshguard.commands.options import fail_on_option, output_options
from meshguard.commands.shared import Outputs, finish, get_config


@click.command()
@compare_options
@output_options("diff")
@fail_on_option
@repo_options
def diff(
    files: tuple[Path, ...],
    base: str | None,
    perspective: str,
    outputs: Outputs,
    fail_on: str | None,
    root: Path,
    config_file: Path | None,
) -> int:
    """Classify changes: `meshguard diff OLD NEW` or `meshguard diff CONTRACT --base REF`."""
    from meshguard.outcomes import diff_outcome

    config = get_config(root, config_file)
    contract, info = run_compare(files, base, perspective, config)
    return finish(diff_outcome(contract, info, perspective, config), outputs, fail_on, config.fail_on)
