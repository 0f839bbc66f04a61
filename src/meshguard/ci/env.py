"""Which CI system runs meshguard, and what it tells us: base ref, summary file, annotations.

Read from environment variables only (no git, no network), so it is cheap and
testable with a plain dict:

- GitHub Actions (``GITHUB_ACTIONS=true``): pull requests compare against
  ``GITHUB_BASE_REF``; pushes against the ``before`` commit of the event payload
  (``GITHUB_EVENT_PATH``). ``GITHUB_STEP_SUMMARY`` receives the markdown summary,
  and findings become ``::error file=…,line=…::`` workflow annotations.
- GitLab CI (``GITLAB_CI=true``): merge request pipelines compare against
  ``CI_MERGE_REQUEST_DIFF_BASE_SHA`` (else ``CI_MERGE_REQUEST_TARGET_BRANCH_NAME``);
  branch pipelines against ``CI_COMMIT_BEFORE_SHA``.
- Anything else with ``CI`` set is a generic CI.

``MESHGUARD_BASE_REF`` overrides the base ref everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

NULL_SHA = "0" * 40
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class CIEnv:
    """What the CI system (or a developer's machine) says about the change being checked."""

    provider: str  # "github" | "gitlab" | "generic" | "local"
    #: git revisions to compare against, best first (a branch may exist only as origin/<name>)
    base_refs: tuple[str, ...] = ()
    event: str | None = None
    commit: str | None = None
    step_summary: Path | None = None
    annotations: bool = False

    @property
    def is_ci(self) -> bool:
        return self.provider != "local"

    @property
    def base_ref(self) -> str | None:
        return self.base_refs[0] if self.base_refs else None


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in _TRUE


def _sha(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if value and value != NULL_SHA else None


def _branch(name: str | None) -> tuple[str, ...]:
    name = (name or "").strip()
    return (f"origin/{name}", name) if name else ()


def _github_push_before(env: Mapping[str, str]) -> str | None:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    before = payload.get("before") if isinstance(payload, dict) else None
    return _sha(before) if isinstance(before, str) else None


def _github(env: Mapping[str, str]) -> CIEnv:
    event = env.get("GITHUB_EVENT_NAME") or None
    refs: tuple[str, ...] = ()
    if event in ("pull_request", "pull_request_target", "merge_group") and env.get("GITHUB_BASE_REF"):
        refs = _branch(env.get("GITHUB_BASE_REF"))
    elif event == "push":
        before = _github_push_before(env)
        refs = (before,) if before else ()
    summary = env.get("GITHUB_STEP_SUMMARY")
    return CIEnv(
        provider="github",
        base_refs=refs,
        event=event,
        commit=env.get("GITHUB_SHA") or None,
        step_summary=Path(summary) if summary else None,
        annotations=True,
    )


def _gitlab(env: Mapping[str, str]) -> CIEnv:
    event = env.get("CI_PIPELINE_SOURCE") or None
    refs: tuple[str, ...] = ()
    diff_base = _sha(env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA"))
    if diff_base:
        refs = (diff_base, *_branch(env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")))
    elif env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"):
        refs = _branch(env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"))
    else:
        before = _sha(env.get("CI_COMMIT_BEFORE_SHA"))
        refs = (before,) if before else ()
    return CIEnv(provider="gitlab", base_refs=refs, event=event, commit=env.get("CI_COMMIT_SHA") or None)


def detect(env: Mapping[str, str]) -> CIEnv:
    """The CI environment described by ``env`` (pass ``os.environ``)."""
    if _flag(env, "GITHUB_ACTIONS"):
        found = _github(env)
    elif _flag(env, "GITLAB_CI"):
        found = _gitlab(env)
    elif _flag(env, "CI"):
        found = CIEnv(provider="generic")
    else:
        found = CIEnv(provider="local")
    override = (env.get("MESHGUARD_BASE_REF") or "").strip()
    if override:
        found = replace(found, base_refs=(override,))
    return found
