"""The examples shown at the end of every command's ``--help`` (one table, so none is missed)."""

from __future__ import annotations

import click

#: command path ("policy test") → example lines
EXAMPLES: dict[str, tuple[str, ...]] = {
    "lint": (
        "meshguard lint                                # every contract of the repo",
        "meshguard lint contracts/orders.odcs.yaml --format json",
        "meshguard lint --output sarif=lint.sarif --output junit=lint.xml --fail-on warn",
    ),
    "check": (
        "meshguard check                               # lint, data, policies, versioning; scorecards in reports/",
        "meshguard check --ci --output sarif=meshguard.sarif",
        "meshguard check --changed-only --base origin/main --no-data",
    ),
    "init": (
        "meshguard init governance                     # a new folder",
        "meshguard init                                # the current folder",
    ),
    "diff": (
        "meshguard diff contracts/orders.odcs.yaml --base main",
        "meshguard diff old.odcs.yaml new.odcs.yaml --format json",
        "meshguard diff contracts/orders.odcs.yaml --format markdown --output sarif=diff.sarif",
    ),
    "changelog": ("meshguard changelog old.odcs.yaml new.odcs.yaml > CHANGELOG.md",),
    "test": (
        "meshguard test                                # every product's data against its contract",
        "meshguard test customers --server prod        # live data (see docs/howto-live-data.md)",
        "meshguard test --now 2026-11-25T00:00:00Z --output junit=data-tests.xml",
    ),
    "history": ("meshguard history --product customers --limit 10",),
    "report": ("meshguard report --from-history RUN_ID --reports out/",),
    "import": ("meshguard import sql schema.sql --domain sales --owner sales-team > orders.odcs.yaml",),
    "policy": (
        "meshguard policy test                         # the built-in pack's tests and the repo's",
        "meshguard policy eval customers",
        "meshguard policy input customers > input.json",
    ),
    "policy eval": (
        "meshguard policy eval customers               # decisions for one product",
        "meshguard policy eval --input input.json --format json",
        "meshguard policy eval --output sarif=policies.sarif --fail-on warn",
    ),
    "policy test": (
        "meshguard policy test -v",
        "meshguard policy test --output junit=policy-tests.xml",
    ),
    "policy input": ("meshguard policy input customers > input.json",),
    "policy lint": (
        "meshguard policy lint --strict                 # Rego the engines may decide differently",
        "meshguard policy lint --output sarif=rego.sarif --fail-on warn",
    ),
}


def with_examples(command: click.Command, path: str) -> click.Command:
    """``command`` with its examples as the help epilog (subcommands of a group too)."""
    lines = EXAMPLES.get(path)
    if lines and not command.epilog:
        command.epilog = "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            with_examples(sub, f"{path} {name}")
    return command
