"""``meshguard init``: scaffold a new governance repo."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from meshguard.errors import UsageError

#: scaffold file → where it lands in the new repo
FILES: dict[str, str] = {
    "meshguard.yaml": "meshguard.yaml",
    "example.odcs.yaml": "contracts/example.odcs.yaml",
    "example.csv": "data/example.csv",
    "waivers.yaml": "waivers.yaml",
    "policy.rego": "policies/example.rego",
    "policy_test.rego": "policies/example_test.rego",
    "pre-commit-config.yaml": ".pre-commit-config.meshguard.yaml",
}


def scaffold(target: Path, force: bool = False) -> list[Path]:
    """Write the scaffold into ``target``; refuses to overwrite unless ``force``."""
    source = resources.files("meshguard.scaffold")
    planned = [(source.joinpath(name), target / dest) for name, dest in FILES.items()]
    clashes = [dest for _, dest in planned if dest.exists()]
    if clashes and not force:
        shown = ", ".join(p.relative_to(target).as_posix() for p in clashes)
        raise UsageError(f"{target.as_posix()} already has {shown}", hint="use --force to overwrite")
    written = []
    for src, dest in planned:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
        written.append(dest)
    (target / "reports").mkdir(exist_ok=True)
    return written


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def init(directory: Path, force: bool) -> int:
    """Scaffold a governance repo in DIRECTORY: config, an example contract, policies, waivers."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in scaffold(directory, force):
        click.echo(f"created {path.as_posix()}")
    click.echo(f"next: cd {directory.as_posix()} && meshguard check")
    return 0
