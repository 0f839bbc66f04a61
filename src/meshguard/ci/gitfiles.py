"""The files git says changed: against a base ref (CI) or against HEAD (a developer's tree).

Only plain ``git`` subprocesses; every path comes back absolute. Deleted files
are left out (there is nothing to check in them).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from meshguard.errors import UsageError


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, encoding="utf-8", check=False
    )


def _toplevel(root: Path) -> Path:
    import shutil  # only here: the hook's command imports this module and never calls it

    if shutil.which("git") is None:
        raise UsageError("--changed-only needs git on PATH")
    proc = _git(root, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise UsageError(f"--changed-only needs a git repository: {root.as_posix()} is not in one")
    return Path(proc.stdout.strip())


def _names(out: str) -> list[str]:
    return [n for n in out.split("\0") if n]


def resolve_ref(root: Path, candidates: Sequence[str]) -> str | None:
    """The first of ``candidates`` that names a commit here, or None."""
    for ref in candidates:
        proc = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        if proc.returncode == 0:
            return proc.stdout.strip()
    return None


def changed_files(root: Path, base_refs: Sequence[str] = ()) -> list[Path]:
    """Files added, copied, modified or renamed since the merge base with the first
    resolvable of ``base_refs`` (or since HEAD when none is given), committed or not,
    plus untracked files that are not ignored."""
    top = _toplevel(root)
    names: list[str] = []
    if base_refs:
        base = resolve_ref(top, base_refs)
        if base is None:
            shown = " or ".join(base_refs)
            raise UsageError(
                f"base ref {shown} is not in this clone",
                hint="fetch it (actions/checkout with fetch-depth: 0, GIT_DEPTH: 0 on GitLab)",
            )
        merge_base = _git(top, "merge-base", base, "HEAD")
        since = merge_base.stdout.strip() if merge_base.returncode == 0 else base
    else:
        has_head = _git(top, "rev-parse", "--verify", "--quiet", "HEAD").returncode == 0
        since = "HEAD" if has_head else ""
    if since:
        proc = _git(top, "diff", "--name-only", "-z", "--diff-filter=ACMR", since)
    else:  # no commit yet: everything staged is new
        proc = _git(top, "diff", "--name-only", "-z", "--cached", "--diff-filter=ACMR")
    if proc.returncode != 0:
        raise UsageError(f"git diff failed: {proc.stderr.strip()[:200]}")
    names.extend(_names(proc.stdout))
    untracked = _git(top, "ls-files", "-z", "--others", "--exclude-standard")
    names.extend(_names(untracked.stdout))
    out: list[Path] = []
    seen: set[str] = set()
    for n in names:
        if n not in seen:
            seen.add(n)
            path = top / n
            if path.is_file():
                out.append(path)
    return out
