"""What the pre-commit path imports: `meshguard lint`, the `meshguard-check` hook's command and
the embedded engine's worker process load only what they use.

The hook's budget (a fraction of a second per commit) is mostly interpreter start-up and
imports, so an import added at the top of a module on these paths would silently cost every
commit. Each test runs the real command in a fresh interpreter and reads ``sys.modules``
afterwards; the check that the same probe does see the modules a data run needs keeps the
probe honest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import PROJECT
from usage_helpers import contract, init_repo

#: third-party libraries for data, engines or other outputs; none is needed to lint a contract
DATA_AND_ENGINES = (
    "polars",
    "pandera",
    "pandas",
    "duckdb",
    "ibis",
    "pyarrow",
    "regorus",
    "opa_client",
    "jinja2",
)


def _probe(code: str, cwd: Path) -> tuple[int, set[str]]:
    """Run ``code`` in a fresh interpreter; its exit code and the modules imported by then."""
    probe = (  # the probe's own json is imported after the command's modules are read
        "import sys\n"
        "code = 0\n"
        "try:\n" + "".join(f"    {line}\n" for line in code.splitlines()) + "except SystemExit as exc:\n"
        "    code = exc.code\n"
        # a placeholder of a module not loaded yet (meshguard.cli._Deferred) is not an import
        "modules = sorted(n for n, m in sys.modules.items() if type(m).__name__ != '_Deferred')\n"
        "import json\n"
        "print('MODULES=' + json.dumps([code, modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("MODULES=")), None)
    assert line is not None, proc.stdout + proc.stderr
    exit_code, modules = json.loads(line.removeprefix("MODULES="))
    return exit_code, set(modules)


def _modules_after(argv: list[str], cwd: Path) -> tuple[int, set[str]]:
    """Run ``meshguard ARGV`` in a fresh interpreter; its exit code and the modules it imported."""
    return _probe(f"from meshguard.cli import main\nmain({argv!r})", cwd)


def _modules_after_with_a_free_core(argv: list[str], cwd: Path) -> tuple[int, set[str]]:
    """:func:`_modules_after` as on an idle machine (the schema helper starts whatever the load)."""
    free = "from meshguard import schemacheck\nschemacheck.core_free = lambda: True\n"
    return _probe(f"{free}from meshguard.cli import main\nmain({argv!r})", cwd)


def _loaded(modules: set[str], names: tuple[str, ...]) -> set[str]:
    return {m for m in modules for n in names if m == n or m.startswith(n + ".")}


def _repo(tmp_path: Path) -> tuple[Path, str]:
    """A domain repo in git with one committed contract, then changed (a patch bump)."""
    rel = "contracts/orders.odcs.yaml"
    repo = init_repo(
        tmp_path / "repo", {rel: contract("orders"), "meshguard.yaml": "contracts: {dir: contracts}\n"}
    )
    path = repo / rel
    path.write_text(path.read_text().replace("version: 1.0.0", "version: 1.0.1"))
    return repo, rel


def test_lint_imports_no_data_engine_or_pipeline_module(tmp_path: Path) -> None:
    repo, rel = _repo(tmp_path)
    code, modules = _modules_after_with_a_free_core(["lint", rel], repo)
    assert code in (0, 1)
    assert _loaded(modules, DATA_AND_ENGINES) == set()
    # what `check` needs but lint does not: the stages, the API's run options, policies, reports
    assert (
        _loaded(
            modules,
            (
                "meshguard.api",
                "meshguard.stages",
                "meshguard.pipeline",
                "meshguard.policy",
                "meshguard.quality",
                "meshguard.versioning",
            ),
        )
        == set()
    )
    # lint prints through the one reporter registry, which loads only the reporter asked for
    reporters = {m for m in _loaded(modules, ("meshguard.report",))}
    assert reporters == {
        "meshguard.report",
        "meshguard.report.formats",
        "meshguard.report.formats.common",
        "meshguard.report.formats.text",
        "meshguard.report.formats.views",
        "meshguard.report.publish",
    }, reporters
    # standard modules that cost a start-up more than they give it
    assert (
        _loaded(
            modules, ("subprocess", "tomllib", "importlib.resources", "tempfile", "multiprocessing", "json")
        )
        == set()
    )
    # jsonschema-rs (with email, socket, decimal) loads in the forked schema helper, not here;
    # `signal` and `pickle` would cost more than the helper saves
    assert _loaded(modules, ("jsonschema_rs", "email", "socket", "decimal", "signal", "pickle")) == set()


def test_lint_as_the_hook_runs_it_loads_no_click_and_no_inspect(tmp_path: Path) -> None:
    """``meshguard lint FILE`` in the command's own process runs without click, and ``inspect``
    (with ast, dis, tokenize), ``ipaddress``, ``base64`` and ``copy`` stay placeholders nothing reads
    (meshguard.cli._plain_lint, DEFERRED)."""
    repo, rel = _repo(tmp_path)
    argv = ["meshguard", "lint", rel]  # argv[0] as the console script's: the command's own process
    code, modules = _probe(
        f"sys.argv = {argv!r}\n"
        "import meshguard.cli\n"
        "meshguard.cli.schemacheck.core_free = lambda: True\n"
        "meshguard.cli._HELPED = True  # as main() runs it: the schema helper validates\n"
        "meshguard.cli._main(None)",
        repo,
    )
    assert code in (0, 1)
    assert "meshguard.commands.linting" in modules  # it did lint
    assert (
        _loaded(
            modules, ("click", "inspect", "ipaddress", "base64", "copy", "uuid", "meshguard.commands.lint")
        )
        == set()
    )


def test_the_hook_without_data_imports_no_data_module(tmp_path: Path) -> None:
    repo, rel = _repo(tmp_path)
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    entry = next(h["entry"] for h in hooks if h["id"] == "meshguard-check").split()
    assert entry[:2] == ["meshguard", "check"] and "--no-data" in entry
    code, modules = _modules_after_with_a_free_core([*entry[1:], rel], repo)
    assert code in (0, 1)
    assert "meshguard.policy.stage" in modules  # it did decide policies
    assert _loaded(modules, DATA_AND_ENGINES) == set()  # regorus runs in the worker process
    data_modules = {
        m
        for m in _loaded(modules, ("meshguard.quality", "meshguard.sources"))
        if m != "meshguard.quality.mesh"
    }
    assert data_modules - {"meshguard.quality"} == set()
    assert _loaded(modules, ("multiprocessing",)) == set()  # one product: no process pool
    assert _loaded(modules, ("jsonschema_rs",)) == set()  # validity: the forked schema helper
    # shutil and tempfile (with bz2, lzma) serve only a clone of git policies or CI's changed files
    assert _loaded(modules, ("shutil", "tempfile")) == set()
    # a few kilobytes hashed (the policy input): the interpreter's own SHA-256, not OpenSSL's
    assert _loaded(modules, ("hashlib", "_hashlib")) == set()


def test_the_same_probe_sees_a_data_run_import_the_data_modules(tmp_path: Path) -> None:
    repo, rel = _repo(tmp_path)
    (repo / "orders.csv").write_text("orders_id\n1\n2\n")
    path = repo / rel
    path.write_text(contract("orders", server="orders.csv").replace("version: 1.0.0", "version: 1.0.1"))
    code, modules = _modules_after(
        ["check", "--no-reports", "--no-history", "--no-policy", "--jobs", "1", rel], repo
    )
    assert code in (0, 1)
    assert "meshguard.quality.stage" in modules


def _worker_frames(tmp_path: Path) -> Path:
    """The frames the embedded engine sends a worker for one product of the standard pack
    (load, then one eval), written to a file."""
    import io

    from meshguard.policy.bundle import load_builtin
    from meshguard.policy.worker import write_frame

    bundle = load_builtin()
    spec = {
        "modules": [[m.path, m.text] for m in bundle.modules],
        "data": bundle.data,
        "rules": [f"{r.package}.{r.name}" for r in bundle.rules],
        "core": None,
        "compiled": True,
    }
    doc = {"meshguard": {"version": "1", "mode": "pre-commit"}, "contract": {}, "fields": [], "changes": []}
    frames = io.BytesIO()
    write_frame(frames, {"op": "load"}, json.dumps(spec).encode())
    write_frame(frames, {"op": "eval"}, json.dumps(doc).encode())
    path = tmp_path / "frames.bin"
    path.write_bytes(frames.getvalue())
    return path


def test_the_policy_worker_imports_only_what_it_uses(tmp_path: Path) -> None:
    """The worker starts beside every policy run, the hook's included: what it imports is paid
    per run. It serves the standard pack without typing, dataclasses, pathlib, hashlib or enum's
    signal table, and without the engine, bundle, config or YAML modules of the parent."""
    frames = _worker_frames(tmp_path)
    code = (
        "import io\n"
        "from meshguard.policy.worker import serve\n"
        "out = io.BytesIO()\n"
        f"serve(open({str(frames)!r}, 'rb'), out)\n"
        "answers = out.getvalue()\n"
        "assert answers.count(b'\"ok\": true') == 2, answers\n"
    )
    exit_code, modules = _probe(code, tmp_path)
    assert exit_code == 0
    assert "regorus" in modules
    heavy = (
        "typing",
        "dataclasses",
        "inspect",
        "pathlib",
        "hashlib",
        "signal",
        "runpy",
        "yaml",
        "meshguard.config",
        "meshguard.yamlio",
        "meshguard.stages",
        "meshguard.results",
        "meshguard.policy.engine",
        "meshguard.policy.bundle",
        "meshguard.policy.metadata",
        "jsonschema_rs",
    )
    assert _loaded(modules, heavy) == set()
