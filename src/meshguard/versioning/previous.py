"""Where the previous version of a contract comes from.

1. an explicit git ref (``--base REF``): the same file at that commit, following
   renames (``git diff -M``);
2. a side-by-side versioned folder (``orders/1.1.0.odcs.yaml`` next to
   ``orders/2.0.0.odcs.yaml``): the next lower version;
3. by default, git again: ``HEAD`` for pre-commit (the staged file against the
   last commit), the merge-base with the default branch in CI.

A contract with no previous version has no changes. Git is driven through the
``git`` command, a handful of calls per run (not per contract): the base is
resolved once, ``git diff -M --name-status`` tells which files changed, and
only changed contracts are read from the base with ``git show``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshguard import realpaths
from meshguard.config import Config
from meshguard.contracts.load import display_path, parse_document
from meshguard.contracts.model import Contract
from meshguard.errors import UsageError
from meshguard.sensitivity import SensitivityMap
from meshguard.stages import VersioningContext
from meshguard.yamlio import YamlError

#: environment variables CI systems use to name the target / default branch
_BRANCH_ENV = (
    "GITHUB_BASE_REF",
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
    "CI_DEFAULT_BRANCH",
    "BITBUCKET_PR_DESTINATION_BRANCH",
)
_SHALLOW_HINT = "fetch the history the comparison needs: `git fetch --unshallow`, or `fetch-depth: 0` in CI"


@dataclass(frozen=True)
class PreviousVersion:
    """The previous version of one contract (or why it could not be read)."""

    display: str  # "REF:path" or the older file's path
    contract: Contract | None = None
    error: str | None = None
    line: int | None = None

    @property
    def version(self) -> str:
        return self.contract.version if self.contract else ""

    @property
    def doc(self) -> dict[str, Any] | None:
        return dict(self.contract.doc) if self.contract else None


def parse_previous(text: str, display: str, sensitivity: SensitivityMap) -> PreviousVersion:
    try:
        doc = parse_document(text, display)
    except YamlError as exc:
        return PreviousVersion(display, error=exc.message, line=exc.line)
    if not isinstance(doc.data, dict):
        return PreviousVersion(display, error="not a mapping: not an ODCS contract")
    return PreviousVersion(display, Contract(display, doc.data, doc.lines, sensitivity))


# --- git -----------------------------------------------------------------------------


def git(args: Sequence[str], cwd: Path, *, check: bool = False) -> subprocess.CompletedProcess[bytes]:
    return _finish(_start(args, cwd), args, check=check)


def _start(args: Sequence[str], cwd: Path) -> subprocess.Popen[bytes]:
    """A git process, started: :func:`_finish` reads its answer (two can run at once)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        return subprocess.Popen(
            ["git", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
    except FileNotFoundError:
        raise UsageError(
            "the git command is not installed", hint="install git to compare with a git ref"
        ) from None


def _finish(
    proc: subprocess.Popen[bytes], args: Sequence[str], *, check: bool = False
) -> subprocess.CompletedProcess[bytes]:
    try:
        stdout, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise UsageError(f"git {' '.join(args)} timed out") from None
    if check and proc.returncode != 0:
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {message[-1] if message else proc.returncode}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def _out(proc: subprocess.CompletedProcess[bytes]) -> str:
    return proc.stdout.decode("utf-8", "replace").strip()


def toplevel(path: Path) -> Path | None:
    """The work tree containing ``path``, or None outside git."""
    return toplevel_and_head(path)[0]


def toplevel_and_head(path: Path) -> tuple[Path | None, str | None]:
    """The work tree containing ``path`` (None outside git) and the commit its ``HEAD`` names
    (None before the first commit), from one git call: the pre-commit hook compares with
    ``HEAD``, and every git process is paid on every commit."""
    where = path if path.is_dir() else path.parent
    while not where.exists() and where != where.parent:
        where = where.parent
    proc = git(
        ["rev-parse", "--show-toplevel", "--verify", "--quiet", "--end-of-options", "HEAD^{commit}"], where
    )
    lines = _out(proc).splitlines()
    if proc.returncode not in (0, 1) or not lines:  # 1: HEAD names no commit yet
        return None, None
    return Path(lines[0]), (lines[1] if proc.returncode == 0 and len(lines) > 1 else None)


def _commit(top: Path, ref: str) -> str | None:
    proc = git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], top)
    return _out(proc) if proc.returncode == 0 else None


def _shallow(top: Path) -> bool:
    return _out(git(["rev-parse", "--is-shallow-repository"], top)) == "true"


def _head_unborn(top: Path) -> bool:
    return _commit(top, "HEAD") is None and git(["symbolic-ref", "-q", "HEAD"], top).returncode == 0


def resolve_ref(top: Path, ref: str) -> str | None:
    """The commit ``ref`` names. None for ``HEAD`` of a repo with no commit yet
    (a first commit has no previous version); a clear error otherwise."""
    commit = _commit(top, ref)
    if commit:
        return commit
    if ref in ("HEAD", "@") and _head_unborn(top):
        return None
    if _shallow(top):
        raise UsageError(f"git ref {ref!r} is not in this shallow clone", hint=_SHALLOW_HINT)
    raise UsageError(f"unknown git ref {ref!r}", hint="name a branch, tag or commit of this repository")


def default_branch(top: Path) -> str | None:
    """The repository's default (or CI target) branch, as a ref that exists here."""
    names: list[str] = [os.environ[v] for v in _BRANCH_ENV if os.environ.get(v)]
    origin_head = _out(git(["symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD"], top))
    candidates: list[str] = []
    for n in names:
        candidates += [f"origin/{n}", n]
    if origin_head:
        candidates.append(origin_head)
    configured = _out(git(["config", "--get", "init.defaultBranch"], top))
    for n in (configured, "main", "master"):
        if n:
            candidates += [n, f"origin/{n}"]
    for c in candidates:
        if _commit(top, c):
            return c
    return None


def default_base(top: Path, mode: str) -> str | None:
    """The base ref to compare with when none was given (None: no git comparison)."""
    if mode == "pre-commit":
        return "HEAD"
    if mode != "ci":
        return None
    branch = default_branch(top)
    if branch is None:
        return None
    proc = git(["merge-base", "HEAD", branch], top)
    if proc.returncode == 0 and _out(proc):
        return _out(proc)
    if _commit(top, "HEAD") is None:
        return None
    if _shallow(top):
        raise UsageError(f"no merge-base of HEAD and {branch} in this shallow clone", hint=_SHALLOW_HINT)
    return None  # unrelated histories: nothing to compare with


@dataclass
class GitBase:
    """The tree at one commit, compared once with the work tree."""

    top: Path
    ref: str
    commit: str | None
    #: work-tree path → base path (renamed or modified); None = added since the base
    changed: dict[str, str | None] = field(default_factory=dict)
    untracked: frozenset[str] = frozenset()
    #: a ``git show`` of one file at the base, started beside the diff (see :meth:`open`)
    early: tuple[str, subprocess.Popen[bytes]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def open(cls, top: Path, ref: str, commit: str | None = None, expect: str | None = None) -> GitBase:
        """The comparison with ``ref`` (``commit``: what it names, when already known).

        ``expect``: a file (relative to ``top``) whose base version will be asked for; it is
        read while the diff runs (the pre-commit hook's one changed contract waited for a
        third git process otherwise) and kept only if the diff says it changed in place."""
        commit = commit or resolve_ref(top, ref)
        base = cls(top, ref, commit)
        if commit is None:
            return base
        # asked at once: the untracked files are listed (and the expected file read) while the
        # diff is computed
        diff_args = ["diff", "-M", "--name-status", "-z", commit, "--"]
        others_args = ["ls-files", "-z", "--others", "--exclude-standard"]
        diff, listing = _start(diff_args, top), _start(others_args, top)
        early = (expect, _start(["show", f"{commit}:{expect}"], top)) if expect else None
        try:
            out = _finish(diff, diff_args, check=True).stdout
        except BaseException:
            for proc in (listing, *([early[1]] if early else [])):
                proc.kill()
                proc.communicate()
            raise
        parts = out.decode("utf-8", "surrogateescape").split("\0")
        i = 0
        while i < len(parts) and parts[i]:
            status = parts[i]
            if status[0] in "RC":
                old, new = parts[i + 1], parts[i + 2]
                base.changed[new] = old
                i += 3
                continue
            path = parts[i + 1]
            base.changed[path] = None if status[0] == "A" else path
            i += 2
        others = _finish(listing, others_args).stdout
        base.untracked = frozenset(p for p in others.decode("utf-8", "surrogateescape").split("\0") if p)
        if early is not None:
            if base.changed.get(early[0]) == early[0] and early[0] not in base.untracked:
                base.early = early
            else:  # added, renamed or unchanged: not the version :meth:`previous` reads
                early[1].kill()
                early[1].communicate()
        return base

    def _show(self, old: str) -> subprocess.CompletedProcess[bytes]:
        args = ["show", f"{self.commit}:{old}"]
        if self.early is not None and self.early[0] == old:
            proc, self.early = self.early[1], None
            return _finish(proc, args)
        return git(args, self.top)

    def previous(self, file: Path, current: Contract, sensitivity: SensitivityMap) -> PreviousVersion | None:
        """The version of ``file`` at the base; None when it did not exist there."""
        if self.commit is None:
            return None
        rel = _relative(file, self.top)
        if rel is None:
            return None
        short = self.ref if len(self.ref) < 40 else self.ref[:12]
        if rel in self.untracked:
            return None
        if rel not in self.changed:  # unchanged since the base
            return PreviousVersion(f"{short}:{rel}", current)
        old = self.changed[rel]
        if old is None:
            return None
        proc = self._show(old)
        display = f"{short}:{old}"
        if proc.returncode != 0:
            return None
        try:
            text = proc.stdout.decode("utf-8")
        except UnicodeDecodeError:
            return PreviousVersion(display, error="not valid UTF-8")
        return parse_previous(text, display, sensitivity)


#: per-run memo of git answers, so a mesh of many contracts costs a few git calls
_MEMO: dict[tuple[Any, ...], Any] = {}


def _memo(key: tuple[Any, ...], compute: Any) -> Any:
    if key not in _MEMO:
        if len(_MEMO) > 4096:
            _MEMO.clear()
        _MEMO[key] = compute()
    return _MEMO[key]


def git_base(top: Path, ref: str, run: Any, file: Path | None = None) -> GitBase:
    """One :class:`GitBase` per (repository, ref, run); ``file``: the contract asking first,
    whose base version is read while the diff runs."""
    head = _MEMO.get(("head", top, run)) if ref == "HEAD" else None  # found with the work tree
    base: GitBase = _memo(
        ("base", top, ref, run),
        lambda: GitBase.open(top, ref, head, _relative(file, top) if file is not None else None),
    )
    return base


def _relative(file: Path, top: Path) -> str | None:
    return realpaths.relative(file, top)


def _toplevel(file: Path, run: Any) -> Path | None:
    # the contracts of a run share a few folders: each is resolved once per run
    where: Path = (
        _memo(("dir", file.parent, run), file.parent.resolve) if run is not None else file.parent.resolve()
    )
    found: tuple[Path | None, str | None] = _memo(("top", where, run), lambda: toplevel_and_head(where))
    top, head = found
    if top is not None and head is not None:
        _MEMO.setdefault(("head", top, run), head)
    return top


def known_head(root: Path, run_id: str) -> tuple[bool, str | None]:
    """The commit ``HEAD`` names in the repository holding ``root``, when the run ``run_id`` has
    already asked git about a folder inside ``root`` whose work tree holds ``root``: git's search
    upwards from ``root`` is then the end of the search from that folder, so it finds the same
    work tree. ``(True, commit)`` (the commit None before the first commit), else ``(False, None)``."""
    here = root.resolve()
    for key, found in list(_MEMO.items()):
        if key[0] != "top" or not isinstance(key[2], VersioningContext) or key[2].run_id != run_id:
            continue
        top, head = found
        if top is not None and key[1].is_relative_to(here) and here.is_relative_to(top):
            return True, head
    return False, None


def _default_base(top: Path, mode: str, run: Any) -> str | None:
    ref: str | None = _memo(("default", top, mode, run), lambda: default_base(top, mode))
    return ref


def contract_file(contract: Contract, config: Config) -> Path:
    p = Path(contract.path)
    if p.is_absolute():
        return p
    under_root = config.root / p
    return under_root if under_root.exists() else p


def from_file(path: Path, display: str, sensitivity: SensitivityMap) -> PreviousVersion:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return PreviousVersion(display, error=f"cannot read: {exc}")
    return parse_previous(text, display, sensitivity)


def find_previous(
    contract: Contract,
    config: Config,
    *,
    base_ref: str | None,
    mode: str,
    older: Sequence[Path],
    run: Any = None,
) -> PreviousVersion | None:
    """The previous version of ``contract`` (see the module docstring for the order)."""
    file = contract_file(contract, config)
    sensitivity = config.sensitivity
    if base_ref:
        top = _toplevel(file, run)
        if top is None:
            raise UsageError(
                f"--base {base_ref}: {file.parent.as_posix() or '.'} is not inside a git repository",
                hint="run from a git checkout, or compare two files: meshguard diff OLD NEW",
            )
        found = git_base(top, base_ref, run, file).previous(file, contract, sensitivity)
        if found is not None:
            return found
    if older:
        return from_file(older[0], display_path(older[0], config.root), sensitivity)
    if base_ref:
        return None
    top = _toplevel(file, run)
    if top is None:
        return None
    ref = _default_base(top, mode, run)
    if ref is None:
        return None
    return git_base(top, ref, run, file).previous(file, contract, sensitivity)
