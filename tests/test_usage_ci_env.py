"""CI environment detection (GitHub Actions, GitLab CI, generic) and the base ref it implies."""

from __future__ import annotations

import json
from pathlib import Path

from meshguard.ci.env import NULL_SHA, detect


def test_local_machine_is_not_ci() -> None:
    env = detect({"HOME": "/home/dev"})
    assert env.provider == "local"
    assert not env.is_ci
    assert env.base_ref is None
    assert env.step_summary is None and not env.annotations


def test_github_pull_request(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = detect(
        {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_BASE_REF": "main",
            "GITHUB_SHA": "abc123",
            "GITHUB_STEP_SUMMARY": str(summary),
        }
    )
    assert env.provider == "github"
    assert env.base_refs == ("origin/main", "main")
    assert env.step_summary == summary
    assert env.annotations
    assert env.commit == "abc123"


def test_github_push_uses_the_before_commit(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"before": "1" * 40, "after": "2" * 40}))
    base = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(event)}
    assert detect(base).base_refs == ("1" * 40,)
    event.write_text(json.dumps({"before": NULL_SHA}))  # first push of a branch: nothing to compare
    assert detect(base).base_refs == ()
    assert detect({**base, "GITHUB_EVENT_PATH": str(tmp_path / "missing.json")}).base_refs == ()


def test_gitlab_merge_request_prefers_the_diff_base_sha() -> None:
    env = detect(
        {
            "GITLAB_CI": "true",
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "develop",
            "CI_MERGE_REQUEST_DIFF_BASE_SHA": "f" * 40,
            "CI_COMMIT_SHA": "e" * 40,
        }
    )
    assert env.provider == "gitlab"
    assert env.base_refs == ("f" * 40, "origin/develop", "develop")
    assert env.event == "merge_request_event"
    assert not env.annotations and env.step_summary is None
    only_branch = detect({"GITLAB_CI": "true", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "develop"})
    assert only_branch.base_refs == ("origin/develop", "develop")
    push = detect({"GITLAB_CI": "true", "CI_COMMIT_BEFORE_SHA": "a" * 40})
    assert push.base_refs == ("a" * 40,)


def test_generic_ci_and_override() -> None:
    assert detect({"CI": "1"}).provider == "generic"
    env = detect({"CI": "true", "MESHGUARD_BASE_REF": "release/2"})
    assert env.base_refs == ("release/2",)
    gh = detect(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_BASE_REF": "main",
            "MESHGUARD_BASE_REF": "v1.0.0",
        }
    )
    assert gh.base_refs == ("v1.0.0",) and gh.provider == "github"
