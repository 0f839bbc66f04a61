"""``meshguard policy eval|test|input``: the policy stage on its own, for policy authors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from meshguard import printsafe
from meshguard.commands.common import engine_options, now_option, parse_now, repo_options
from meshguard.commands.options import fail_on_option, output_options
from meshguard.commands.shared import Outputs, finish, get_config
from meshguard.config import Config
from meshguard.contracts.model import Contract
from meshguard.errors import ExitCode, UsageError
from meshguard.stages import PolicyContext

if TYPE_CHECKING:
    from meshguard.outcomes import Decision
    from meshguard.policy.stage import PolicyStage


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
    # every contract of an id: contracts sharing one (a lint error, MG020) are each decided, as
    # ``meshguard test ID`` checks each
    chosen: list[Contract] = [] if products else [lc.contract for lc in loaded]
    for pid in ids:
        named = [lc.contract for lc in loaded if lc.contract.id == pid]
        if not named:
            known = ", ".join(sorted({lc.contract.id for lc in loaded})) or "none"
            raise UsageError(f"no data product {pid!r} in {config.contracts_dir}/ (known: {known})")
        chosen.extend(named)
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
@output_options("policy eval")
@fail_on_option
@engine_options
@now_option
@repo_options
def eval_(
    products: tuple[str, ...],
    input_file: Path | None,
    outputs: Outputs,
    fail_on: str | None,
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
    from meshguard.outcomes import policy_eval_outcome, policy_input_outcome
    from meshguard.policy.stage import PolicyStage

    config = get_config(root, config_file)
    options = _options(engine, opa_url, push_policies, policies, now)
    if input_file is not None and products:
        raise UsageError("give either PRODUCTs or --input, not both")
    with PolicyStage.open(config, options) as stage:
        if input_file is not None:
            decisions = _decide_input(stage, _read_input(input_file))
            mesh = policy_input_outcome(
                str(input_file), decisions, config, engine=stage.engine_name, bundle_hash=stage.bundle_hash
            )
        else:
            decided = [(c, stage.evaluate(c)) for c in select_contracts(config, products)]
            mesh = policy_eval_outcome(
                decided,
                stage.mesh_findings(),
                config,
                engine=stage.engine_name,
                bundle_hash=stage.bundle_hash,
            )
    return finish(mesh, outputs, fail_on, config.fail_on)


def _not_json(constant: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity``: Python's JSON reads them, JSON (and an engine) does not."""
    raise ValueError(f"{constant} is not a JSON value")


def _read_input(input_file: Path) -> dict[str, Any]:
    try:
        doc = json.loads(input_file.read_text(encoding="utf-8"), parse_constant=_not_json)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read input: {exc}", path=str(input_file)) from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"invalid JSON: {exc.msg}", path=str(input_file), line=exc.lineno, column=exc.colno
        ) from None
    except ValueError as exc:
        raise UsageError(f"invalid JSON: {exc}", path=str(input_file)) from None
    except RecursionError:
        raise UsageError("invalid JSON: nested too deeply", path=str(input_file)) from None
    if not isinstance(doc, dict):
        raise UsageError("the input document must be a JSON object", path=str(input_file))
    if _deeper_than(doc, INPUT_DEPTH):
        raise UsageError(
            f"the input document is nested more than {INPUT_DEPTH} levels deep (the policy engine reads no deeper)",
            path=str(input_file),
        )
    return doc


#: the most levels of nesting an input document may have: the embedded engine's JSON reader
#: stops at 128 (an evaluation error, not a decision)
INPUT_DEPTH = 127


def _deeper_than(doc: Any, limit: int) -> bool:
    """Whether ``doc`` nests objects and arrays more than ``limit`` levels deep (itself the first)."""
    level = [doc]
    for _ in range(limit):
        level = [
            v
            for x in level
            for v in (x.values() if isinstance(x, dict) else x)
            if isinstance(v, (dict, list))
        ]
        if not level:
            return False
    return True


def _decide_input(stage: PolicyStage, doc: dict[str, Any]) -> list[Decision]:
    """What every decision rule says about ``doc``, whether a violation blocks (as in ``check``)."""
    from meshguard.outcomes import Decision

    decisions = stage.mapping.expanded(stage.engine.evaluate(doc))
    out: list[Decision] = []
    for key in sorted(set(decisions.values) | set(decisions.errors)):
        rule = stage.bundle.rule(*key.rsplit(".", 1))
        out.append(
            Decision(
                key=key,
                id=rule.id if rule else key,
                title=rule.title if rule else None,
                blocks=stage.blocks(key),
                error=decisions.errors.get(key),
                values=tuple(decisions.values.get(key, [])),
            )
        )
    return out


@policy.command("test")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="Show every test, not only failures.")
@output_options("policy test")
@repo_options
def test(
    directory: Path | None, verbose: bool, outputs: Outputs, root: Path, config_file: Path | None
) -> int:
    """Run the policy unit tests (test_* rules in *_test.rego) of the built-in pack and of
    DIRECTORY (default: the repo's policies). Exit 1 when one fails or none is found."""
    from meshguard.outcomes import policy_test_outcome
    from meshguard.policy.bundle import pack_of
    from meshguard.policy.portability import scan_all
    from meshguard.policy.stage import load_policies
    from meshguard.policy.testing import run_tests

    config = get_config(root, config_file)
    bundle = load_policies(config, PolicyContext(), directory.resolve() if directory else None)
    results = run_tests(bundle, config.engine.timeout)
    for w in scan_all([*bundle.modules, *bundle.tests]):  # OPA would decide these differently
        click.echo(str(w), err=True)
    builtin = sum(1 for r in results if pack_of(r.path) == "builtin")
    mesh = policy_test_outcome(results, config, builtin=builtin)
    if not results:
        click.echo("no test_* rules found", err=True)
    # a failing or missing test fails whatever fail_on says: the gate's strictest reading
    return finish(mesh, outputs, "error", "error", verbose=verbose)


@policy.command("lint")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Exit 1 when there is a warning (the same as --fail-on warn).")
@output_options("policy lint")
@fail_on_option
@repo_options
def lint(
    directory: Path | None,
    strict: bool,
    outputs: Outputs,
    fail_on: str | None,
    root: Path,
    config_file: Path | None,
) -> int:
    """Warn about Rego that OPA and the embedded engine decide differently (a lookup inside a
    negated call, sprintf %s of a non-string) in the repo's policies (or DIRECTORY); in a repo
    without policies of its own, in the built-in pack.

    The findings are warnings: exit 1 only with --strict (or --fail-on warn)."""
    from meshguard.outcomes import policy_lint_outcome
    from meshguard.policy.bundle import load_builtin, load_bundle
    from meshguard.policy.portability import scan_all

    if strict and fail_on not in (None, "warn"):
        raise UsageError(f"--strict is --fail-on warn: give one of them, not --fail-on {fail_on}")
    config = get_config(root, config_file)
    folder = directory.resolve() if directory else config.root / config.policies.path
    # a repo without policies of its own runs the built-in pack: lint that
    own = directory is not None or folder.exists()
    bundle = load_bundle(folder, config.root) if own else load_builtin()
    modules = [*bundle.modules, *bundle.tests]
    mesh = policy_lint_outcome(modules, scan_all(modules), config)
    return finish(mesh, outputs, "warn" if strict else fail_on, config.fail_on)


@policy.command("input")
@click.argument("product")
@repo_options
def input_(product: str, root: Path, config_file: Path | None) -> int:
    """Print the policy input document of PRODUCT (id or contract file), as policies see it."""
    from meshguard.policy.input import build_input

    config = get_config(root, config_file)
    chosen = select_contracts(config, (product,))
    if len(chosen) > 1:
        files = ", ".join(c.path for c in chosen)
        raise UsageError(f"{len(chosen)} contracts have the id {product!r} ({files}): name the contract file")
    (contract,) = chosen
    text = json.dumps(build_input(contract, None, None, PolicyContext()), indent=2)
    click.echo(printsafe.inert(text, printsafe.JSON))  # the same JSON, no CI command in it
    return int(ExitCode.PASSED)
