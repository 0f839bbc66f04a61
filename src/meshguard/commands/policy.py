"""``meshguard policy eval|test|input``: the policy stage on its own, for policy authors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from meshguard.commands.common import engine_options, get_config, now_option, parse_now, repo_options
from meshguard.config import Config
from meshguard.contracts.model import Contract
from meshguard.errors import ExitCode, UsageError
from meshguard.stages import PolicyContext


def _options(
    engine: str | None, opa_url: str | None, push: bool | None, policies: Path | None, now: str | None = None
) -> PolicyContext:
    return PolicyContext(
        now=parse_now(now),
        engine=engine,
        opa_url=opa_url,
        push_policies=push,
        policies=policies.resolve() if policies else None,
    )


def select_contracts(config: Config, products: tuple[str, ...]) -> list[Contract]:
    """Contracts named by product id or by file path; all of the repo when none is named."""
    from meshguard.contracts.repository import ContractRepository

    repository = ContractRepository(config)
    files = [Path(p) for p in products if Path(p).is_file()]
    ids = [p for p in products if not Path(p).is_file()]
    loaded, errors, _ = repository.load_current([config.contracts_path] if ids or not products else [])
    if errors:
        raise errors[0]
    by_id = {lc.contract.id: lc.contract for lc in loaded}
    chosen: list[Contract] = [] if products else list(by_id.values())
    for pid in ids:
        if pid not in by_id:
            known = ", ".join(sorted(by_id)) or "none"
            raise UsageError(f"no data product {pid!r} in {config.contracts_dir}/ (known: {known})")
        chosen.append(by_id[pid])
    if files:
        extra, errs, _ = repository.load_current(files)
        if errs:
            raise errs[0]
        chosen.extend(lc.contract for lc in extra)
    return chosen


@click.group()
def policy() -> None:
    """Evaluate, test and inspect the Rego policies."""


@policy.command("eval")
@click.argument("products", nargs=-1)
@click.option(
    "--input",
    "input_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Evaluate this input document (JSON) instead of contracts.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@engine_options
@now_option
@repo_options
def eval_(
    products: tuple[str, ...],
    input_file: Path | None,
    fmt: str,
    engine: str | None,
    opa_url: str | None,
    push_policies: bool | None,
    policies: Path | None,
    now: str | None,
    root: Path,
    config_file: Path | None,
) -> int:
    """Print the policy decisions for PRODUCTs (ids or contract files; default: all).

    Exit 1 when a blocking (deny) finding is not waived or a rule errored.
    """
    from meshguard.policy.stage import PolicyStage

    config = get_config(root, config_file)
    options = _options(engine, opa_url, push_policies, policies, now)
    if input_file is not None and products:
        raise UsageError("give either PRODUCTs or --input, not both")
    results: list[dict[str, Any]] = []
    blocking = False
    with PolicyStage.open(config, options) as stage:
        if input_file is not None:
            try:
                doc = json.loads(input_file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read input: {exc}", path=str(input_file)) from None
            except json.JSONDecodeError as exc:
                raise UsageError(
                    f"invalid JSON: {exc.msg}", path=str(input_file), line=exc.lineno, column=exc.colno
                ) from None
            if not isinstance(doc, dict):
                raise UsageError("the input document must be a JSON object", path=str(input_file))
            decisions = stage.engine.evaluate(doc)
            rows = []
            for key in sorted(set(decisions.values) | set(decisions.errors)):
                rule = stage.bundle.rule(*key.rsplit(".", 1))
                rows.append(
                    {
                        "rule": key,
                        "id": rule.id if rule else key,
                        "title": rule.title if rule else None,
                        "error": decisions.errors.get(key),
                        "findings": decisions.values.get(key, []),
                    }
                )
                blocking = blocking or key in decisions.errors
                blocking = blocking or bool(decisions.values.get(key) and stage.blocks(key))
            results.append({"input": str(input_file), "decisions": rows})
        else:
            for contract in select_contracts(config, products):
                outcome = stage.evaluate(contract)
                blocking = blocking or any(f.blocking for f in outcome.findings)
                blocking = blocking or any(c.blocking for c in outcome.checks)
                results.append(
                    {
                        "product": contract.id,
                        "path": contract.path,
                        "checks": [c.to_dict() for c in outcome.checks],
                        "findings": [f.to_dict() for f in outcome.findings],
                    }
                )
        mesh_findings = [f.to_dict() for f in stage.mesh_findings()] if input_file is None else []
        header = {"engine": stage.engine_name, "policy_bundle_hash": stage.bundle_hash}
    if fmt == "json":
        click.echo(json.dumps({**header, "results": results, "findings": mesh_findings}, indent=2))
    else:
        click.echo(_render_text(results, mesh_findings, header))
    return int(ExitCode.FAILED if blocking else ExitCode.PASSED)


def _render_text(results: list[dict[str, Any]], mesh: list[dict[str, Any]], header: dict[str, str]) -> str:
    lines: list[str] = []
    for r in results:
        if "decisions" in r:
            lines.append(f"== {r['input']}")
            for d in r["decisions"]:
                if d["error"]:
                    lines.append(f"  ERRORED {d['id']}: {d['error']}")
                for f in d["findings"]:
                    msg = f.get("msg", f) if isinstance(f, dict) else f
                    lines.append(f"  {d['id']}: {msg}")
            continue
        failed = [c for c in r["checks"] if c["status"] != "passed"]
        lines.append(
            f"== {r['product']} ({r['path']}): {len(r['checks']) - len(failed)}/{len(r['checks'])} rules pass"
        )
        for c in r["checks"]:
            if c["status"] == "errored":
                lines.append(f"  errored {c['id']}: {c['message']}")
        for f in r["findings"]:
            loc = f.get("location") or {}
            where = f"{loc.get('path', r['path'])}:{loc['line']}" if loc.get("line") else r["path"]
            lines.append(f"  {f['status']:<7} {f['severity']:<7} {f['rule_id']:<10} {where}: {f['message']}")
    for f in mesh:
        loc = f.get("location") or {}
        lines.append(f"{loc.get('path')}:{loc.get('line')}: {f['severity']} {f['rule_id']} {f['message']}")
    lines.append(f"engine {header['engine']}, policies {header['policy_bundle_hash'][:19]}")
    return "\n".join(lines)


@policy.command("test")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="Show every test, not only failures.")
@repo_options
def test(directory: Path | None, verbose: bool, root: Path, config_file: Path | None) -> int:
    """Run the policy unit tests (test_* rules in *_test.rego) of the built-in pack and of
    DIRECTORY (default: the repo's policies). Exit 1 when one fails."""
    from meshguard.policy.bundle import pack_of
    from meshguard.policy.stage import load_policies
    from meshguard.policy.testing import run_tests

    config = get_config(root, config_file)
    bundle = load_policies(config, PolicyContext(), directory.resolve() if directory else None)
    results = run_tests(bundle, config.engine.timeout)
    from meshguard.policy.portability import scan_all

    for w in scan_all([*bundle.modules, *bundle.tests]):  # OPA would decide these differently
        click.echo(str(w), err=True)
    for r in results:
        if verbose or r.status != "passed":
            extra = f": {r.message}" if r.message else ""
            click.echo(f"{r.status.upper():<7} {r.id} ({r.path}:{r.line}, {r.seconds * 1000:.1f} ms){extra}")
    passed = sum(1 for r in results if r.status == "passed")
    failed = sum(1 for r in results if r.status == "failed")
    errored = sum(1 for r in results if r.status == "errored")
    builtin = sum(1 for r in results if pack_of(r.path) == "builtin")
    of_pack = f" ({builtin} of the built-in pack)" if builtin else ""
    click.echo(f"{len(results)} tests: {passed} passed, {failed} failed, {errored} errored{of_pack}")
    if not results:
        click.echo("no test_* rules found", err=True)
        return int(ExitCode.FAILED)
    return int(ExitCode.FAILED if failed or errored else ExitCode.PASSED)


@policy.command("lint")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Exit 1 when there is a warning.")
@repo_options
def lint(directory: Path | None, strict: bool, root: Path, config_file: Path | None) -> int:
    """Warn about Rego that OPA and the embedded engine decide differently (a lookup inside a
    negated call, sprintf %s of a non-string) in the repo's policies (or DIRECTORY)."""
    from meshguard.policy.bundle import load_bundle
    from meshguard.policy.portability import scan_all

    config = get_config(root, config_file)
    folder = directory.resolve() if directory else config.root / config.policies.path
    bundle = load_bundle(folder, config.root)
    warnings = scan_all([*bundle.modules, *bundle.tests])
    for w in warnings:
        click.echo(str(w))
    click.echo(f"{len(bundle.modules) + len(bundle.tests)} modules: {len(warnings)} portability warning(s)")
    return int(ExitCode.FAILED if strict and warnings else ExitCode.PASSED)


@policy.command("input")
@click.argument("product")
@repo_options
def input_(product: str, root: Path, config_file: Path | None) -> int:
    """Print the policy input document of PRODUCT (id or contract file), as policies see it."""
    from meshguard.policy.input import build_input

    config = get_config(root, config_file)
    (contract,) = select_contracts(config, (product,))
    click.echo(json.dumps(build_input(contract, None, None, PolicyContext()), indent=2))
    return int(ExitCode.PASSED)
