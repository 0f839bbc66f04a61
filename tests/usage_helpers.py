"""Helpers for the usage tests (pre-commit, CI, imports): real git repos in temporary folders."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "meshguard test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "meshguard test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}

#: a contract the built-in policy pack passes (a draft: no freshness or quality SLA required)
CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: {id}
name: {id}
version: 1.0.0
status: draft
domain: sales
description:
  purpose: Customer master data for order processing.
team:
  name: sales-team
  members:
    - username: owner@example.com
      role: owner
support:
  - channel: sales-help
    url: https://chat.example.com/sales-help
schema:
  - name: {id}
    properties:
      - name: {id}_id
        logicalType: integer
        description: Key of the record.
        primaryKey: true
        required: true
        classification: internal
{extra}"""

PII_FIELD_UNCLASSIFIED = """\
      - name: email
        logicalType: string
        tags: [pii]
"""


def contract(cid: str, extra: str = "", server: str | None = None) -> str:
    text = CONTRACT.format(id=cid, extra=extra)
    if server:
        text += f"servers:\n  - server: sample\n    type: local\n    path: {server}\n    format: csv\n"
    return text


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "HOME": os.environ.get("HOME", str(repo))}
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=check)


def init_repo(repo: Path, files: dict[str, str] | None = None, commit: bool = True) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    for rel, text in (files or {}).items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if commit and files:
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "initial")
    return repo
