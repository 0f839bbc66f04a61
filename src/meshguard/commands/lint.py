"""``meshguard lint``: parse, schema-validate and lint contracts."""

from __future__ import annotations

import json
from pathlib import Path

import click

from meshguard.commands.common import get_config, repo_options, resolve_paths
from meshguard.contracts.repo import RepoLint, lint_repo
from meshguard.errors import ExitCode


def render_text(result: RepoLint) -> str:
    lines: list[str] = []
    for err in result.unreadable:
        lines.append(f"{err}  [MG000 error]")
    for lc in result.contracts:
        for f in lc.findings:
            where = str(f.location) if f.location else lc.contract.path
            lines.append(f"{where}: {f.severity} {f.rule_id} {f.message}")
    n = len(result.contracts) + len(result.unreadable)
    lines.append(
        f"{n} contract{'s' if n != 1 else ''}: {result.error_count} error(s), "
        f"{result.warning_count} warning(s), {len(result.unreadable)} unreadable"
    )
    return "\n".join(lines)


def render_json(result: RepoLint) -> str:
    doc = {
        "contracts": [
            {
                "path": lc.contract.path,
                "id": lc.contract.id,
                "errors": lc.errors,
                "warnings": lc.warnings,
                "findings": [f.to_dict() for f in lc.findings],
            }
            for lc in result.contracts
        ],
        "unreadable": [
            {
                "path": e.path,
                "line": e.line,
                "column": e.column,
                "message": e.message,
                "rule_id": "MG000",
            }
            for e in result.unreadable
        ],
        "summary": {
            "contracts": len(result.contracts) + len(result.unreadable),
            "errors": result.error_count,
            "warnings": result.warning_count,
            "unreadable": len(result.unreadable),
        },
    }
    return json.dumps(doc, indent=2)


def exit_code(result: RepoLint, fail_on: str) -> int:
    if result.unreadable:
        return int(ExitCode.BAD_INPUT)
    if fail_on == "never":
        return int(ExitCode.PASSED)
    if result.error_count or (fail_on == "warn" and result.warning_count):
        return int(ExitCode.FAILED)
    return int(ExitCode.PASSED)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warn", "never"]),
    default=None,
    help="Which findings fail (exit 1). Default: fail_on in meshguard.yaml, else error.",
)
@repo_options
def lint(paths: tuple[Path, ...], fmt: str, fail_on: str | None, root: Path, config_file: Path | None) -> int:
    """Lint contracts (files or folders; default: the repo's contracts).

    Exit 0 when clean, 1 on lint errors, 2 when a file cannot be read as ODCS.
    """
    config = get_config(root, config_file)
    result = lint_repo(resolve_paths(config, paths), config)  # not through meshguard.api: it imports more
    click.echo(render_json(result) if fmt == "json" else render_text(result))
    return exit_code(result, fail_on or config.fail_on)
