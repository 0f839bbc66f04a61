"""``meshguard init``: scaffold a governance repo that runs end to end.

An example contract with its sample data next to it, ``meshguard.yaml``, ``waivers.yaml``,
an extension of the built-in policy pack with its tests, a ``.gitignore`` for reports and
history, a ``.pre-commit-config.yaml`` running the installed meshguard, and ``git init``
when the folder is not in a git work tree yet.
"""

from __future__ import annotations

import shutil
import subprocess
from importlib import resources
from pathlib import Path

import click

from meshguard.errors import UsageError

#: scaffold file → where it lands in the new repo
FILES: dict[str, str] = {
    "meshguard.yaml": "meshguard.yaml",
    "contract.odcs.yaml": "contracts/example/example.odcs.yaml",
    "example.csv": "contracts/example/example.csv",
    "waivers.yaml": "waivers.yaml",
    "org.rego": "policies/org.rego",
    "org_test.rego": "policies/org_test.rego",
}
#: files a repo may already have: merged (ignore lines) or written beside (hooks), never refused
GITIGNORE = ("gitignore", ".gitignore")
PRE_COMMIT = ("pre-commit-config.yaml", ".pre-commit-config.yaml", ".pre-commit-config.meshguard.yaml")


def _in_git(target: Path) -> bool | None:
    """True inside a git work tree, False outside, None when git is not installed."""
    if shutil.which("git") is None:
        return None
    proc = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"], cwd=target, capture_output=True, text=True, check=False
    )
    return proc.returncode == 0 and proc.stdout.strip() == "true"


def scaffold(target: Path, force: bool = False) -> list[str]:
    """Write the scaffold into ``target``; refuses to overwrite unless ``force``. Returns what was done."""
    source = resources.files("meshguard.scaffold")
    planned = [(source.joinpath(name), target / dest) for name, dest in FILES.items()]
    clashes = [dest for _, dest in planned if dest.exists()]
    if clashes and not force:
        shown = ", ".join(p.relative_to(target).as_posix() for p in clashes)
        raise UsageError(f"{target.as_posix()} already has {shown}", hint="use --force to overwrite")
    done: list[str] = []
    for src, dest in planned:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
        done.append(f"created {dest.relative_to(target).as_posix()}")
    # .gitignore: add the lines it lacks
    ignore = target / GITIGNORE[1]
    lines = source.joinpath(GITIGNORE[0]).read_text(encoding="utf-8").splitlines()
    have = ignore.read_text(encoding="utf-8").splitlines() if ignore.exists() else []
    missing = [ln for ln in lines if ln not in have and (ln.strip() and not ln.startswith("#"))]
    if not ignore.exists():
        ignore.write_text("\n".join(lines) + "\n", encoding="utf-8")
        done.append(f"created {GITIGNORE[1]}")
    elif missing:
        with ignore.open("a", encoding="utf-8") as fh:
            fh.write(("" if not have or have[-1] == "" else "\n") + "\n".join(lines) + "\n")
        done.append(f"added meshguard's lines to {GITIGNORE[1]}")
    # pre-commit: never clobber a repo's own hook config
    hooks = source.joinpath(PRE_COMMIT[0]).read_text(encoding="utf-8")
    own = target / PRE_COMMIT[1]
    if own.exists() and not force:
        (target / PRE_COMMIT[2]).write_text(hooks, encoding="utf-8")
        done.append(f"created {PRE_COMMIT[2]} (merge its hooks into your {PRE_COMMIT[1]})")
    else:
        own.write_text(hooks, encoding="utf-8")
        done.append(f"created {PRE_COMMIT[1]}")
    (target / "reports").mkdir(exist_ok=True)
    return done


@click.command(
    epilog="""\b
Examples:
  meshguard init governance      # a new folder
  meshguard init                 # the current folder (a domain repo you already have)
  cd governance && meshguard lint && meshguard check && meshguard policy test
"""
)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite files the scaffold would replace.")
@click.option("--no-git", is_flag=True, help="Do not run `git init` (by default: when not in a git repo).")
def init(directory: Path, force: bool, no_git: bool) -> int:
    """Scaffold a governance repo in DIRECTORY that runs end to end: an example contract with
    sample data, meshguard.yaml, waivers.yaml, your own policies on top of the built-in pack,
    .gitignore, .pre-commit-config.yaml, and `git init` when it is not a git repo yet."""
    directory.mkdir(parents=True, exist_ok=True)
    for line in scaffold(directory, force):
        click.echo(line)
    if not no_git:
        inside = _in_git(directory)
        if inside is False:
            proc = subprocess.run(["git", "init", "-q"], cwd=directory, capture_output=True, text=True)
            click.echo("initialised a git repository" if proc.returncode == 0 else "git init failed: skipped")
        elif inside is None:
            click.echo("git is not installed: no repository initialised (versioning needs one)")
    where = "" if directory.resolve() == Path.cwd().resolve() else f"cd {directory.as_posix()} && "
    click.echo(f"next: {where}meshguard lint && meshguard check && meshguard policy test")
    return 0
