"""The forked schema helper (meshguard.schemacheck): the same verdicts as jsonschema-rs in this
process, and the same when the helper cannot answer (died, stopped, a document it can't carry,
a forked child of its owner, past its quota). Each runs in a fresh interpreter: the helper is
a fork of the process that starts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from conftest import PROJECT

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string", "pattern": "^[a-z]+$"}, "n": {"type": "integer"}},
    "additionalProperties": False,
}
DOCS = [
    {"id": "orders"},
    {"id": "Orders"},
    {"id": "orders", "n": 1.5},
    {"n": 1},
    {"id": "orders", "extra": True},
    {"id": "a", "n": 10**30},
]


def _run(code: str, timeout: float = 120) -> dict[str, object]:
    """Run ``code`` (which sets ``out``) in a fresh interpreter; ``out`` as JSON."""
    probe = (
        "import json, os, sys\n"
        "import jsonschema_rs\n"
        "from meshguard import schemacheck\n"
        f"SCHEMA = {SCHEMA!r}\n"
        f"DOCS = {DOCS!r}\n"
        "reference = [jsonschema_rs.validator_for(SCHEMA).is_valid(d) for d in DOCS]\n"
        "out = {}\n" + code + "\nprint('OUT=' + json.dumps(out))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=timeout
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("OUT=")), None)
    assert line is not None and proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(line.removeprefix("OUT="))  # type: ignore[no-any-return]


def test_the_helper_answers_as_jsonschema_rs_does_here() -> None:
    out = _run(
        "schemacheck.prestart([('s', SCHEMA)])\n"
        "out['running'] = schemacheck.running()\n"
        "out['verdicts'] = [schemacheck.is_valid('s', SCHEMA, d) for d in DOCS]\n"
        "out['reference'] = reference\n"
        "out['asked'] = schemacheck._HELPER.asked\n"
        "schemacheck.stop()\n"
        "out['stopped'] = not schemacheck.running()\n"
        "out['after'] = [schemacheck.is_valid('s', SCHEMA, d) for d in DOCS]\n"
    )
    assert out["running"] is True and out["stopped"] is True
    assert out["asked"] == len(DOCS)  # every verdict came from the helper
    assert out["verdicts"] == out["reference"] == out["after"]
    assert out["reference"] == [True, False, False, False, False, True]


def test_a_schema_file_is_read_by_the_helper(tmp_path: Path) -> None:
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps(SCHEMA))
    out = _run(
        f"path = {str(schema)!r}\n"
        "schemacheck.prestart([(path, path)])\n"
        "out['verdicts'] = [schemacheck.is_valid(path, path, d) for d in DOCS]\n"
        "out['asked'] = schemacheck._HELPER.asked\n"
        "out['reference'] = reference\n"
    )
    assert out["asked"] == len(DOCS) and out["verdicts"] == out["reference"]


def test_a_dead_helper_means_this_process_decides() -> None:
    out = _run(
        "schemacheck.prestart()\n"
        "os.kill(schemacheck._HELPER.pid, 9)\n"
        "os.waitpid(schemacheck._HELPER.pid, 0)\n"
        "out['verdicts'] = [schemacheck.is_valid('s', SCHEMA, d) for d in DOCS]\n"
        "out['reference'] = reference\n"
        "out['running'] = schemacheck.running()\n"
    )
    assert out["verdicts"] == out["reference"]
    assert out["running"] is False  # no more asking a dead helper


def test_a_helper_that_hangs_is_killed_and_this_process_decides() -> None:
    # a stopped helper takes no request and gives no answer: without a bound the command hangs
    out = _run(
        "import signal\n"
        "schemacheck.ANSWER_WITHIN = 0.5\n"
        "schemacheck.prestart()\n"
        "pid = schemacheck._HELPER.pid\n"
        "os.kill(pid, signal.SIGSTOP)\n"
        "out['verdicts'] = [schemacheck.is_valid('s', SCHEMA, d) for d in DOCS]\n"
        "out['reference'] = reference\n"
        "out['running'] = schemacheck.running()\n"
        "try:\n"
        "    os.waitpid(pid, os.WNOHANG)\n"
        "    out['reaped'] = False\n"
        "except ChildProcessError:\n"
        "    out['reaped'] = True\n",
        timeout=30,
    )
    assert out["verdicts"] == out["reference"]
    assert out["running"] is False  # killed, not asked again
    assert out["reaped"] is True  # and waited for: no zombie, no stopped process left


def test_what_marshal_cannot_carry_is_checked_here_with_jsonschema_rs_s_own_error() -> None:
    out = _run(
        "schemacheck.prestart()\n"
        "class Odd: pass\n"
        "def error(check):\n"
        "    try:\n"
        "        return repr(check())\n"
        "    except Exception as exc:\n"
        "        return type(exc).__name__ + ': ' + str(exc)\n"
        "v = jsonschema_rs.validator_for(SCHEMA)\n"
        "out['here'] = error(lambda: v.is_valid({'id': Odd()}))\n"
        "out['helped'] = error(lambda: schemacheck.is_valid('s', SCHEMA, {'id': Odd()}))\n"
        "out['running'] = schemacheck.running()\n"
        "out['next'] = schemacheck.is_valid('s', SCHEMA, DOCS[0])\n"
        "out['asked'] = schemacheck._HELPER.asked\n"
    )
    assert out["helped"] == out["here"] and "Error" in str(out["here"])
    assert out["running"] is True and out["next"] is True and out["asked"] == 2


def test_a_forked_child_of_the_owner_decides_itself() -> None:
    out = _run(
        "schemacheck.prestart()\n"
        "r, w = os.pipe()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    verdicts = [schemacheck.is_valid('s', SCHEMA, d) for d in DOCS]\n"
        "    schemacheck.stop()  # not its helper: nothing happens\n"
        "    os.write(w, json.dumps([verdicts, schemacheck._HELPER.asked]).encode())\n"
        "    os._exit(0)\n"
        "os.close(w)\n"
        "os.waitpid(pid, 0)\n"
        "out['child'], out['child_asked'] = json.loads(os.read(r, 10000))\n"
        "out['running'] = schemacheck.running()\n"
        "out['parent'] = [schemacheck.is_valid('s', SCHEMA, d) for d in DOCS]\n"
        "out['reference'] = reference\n"
    )
    assert out["child_asked"] == 0  # the child never wrote on its parent's pipes
    assert out["running"] is True
    assert out["child"] == out["parent"] == out["reference"]


def test_past_its_quota_the_owner_decides_itself() -> None:
    out = _run(
        "schemacheck.prestart()\n"
        "n = schemacheck.MAX_ASKS + 3\n"
        "out['verdicts'] = [schemacheck.is_valid('s', SCHEMA, DOCS[i % len(DOCS)]) for i in range(n)]\n"
        "out['expected'] = [reference[i % len(DOCS)] for i in range(n)]\n"
        "out['running'] = schemacheck.running()\n"
    )
    assert out["verdicts"] == out["expected"]
    assert out["running"] is False


def test_a_schema_jsonschema_rs_rejects_raises_its_own_error_here() -> None:
    out = _run(
        "bad = {'type': 12}\n"
        "schemacheck.prestart([('bad', bad)])\n"
        "def error(check):\n"
        "    try:\n"
        "        return repr(check())\n"
        "    except Exception as exc:\n"
        "        return type(exc).__name__ + ': ' + str(exc)\n"
        "out['here'] = error(lambda: jsonschema_rs.validator_for(bad).is_valid({}))\n"
        "out['helped'] = error(lambda: schemacheck.is_valid('bad', bad, {}))\n"
        "out['running'] = schemacheck.running()\n"
    )
    assert out["helped"] == out["here"] and "Error" in str(out["here"])
    assert out["running"] is True  # one schema's error does not stop the helper


def test_the_cli_warms_the_schema_lint_asks_for_on_a_new_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    from meshguard import cli, schemacheck
    from meshguard.contracts import load

    asked: list[str] = []
    monkeypatch.setattr(schemacheck, "is_valid", lambda key, source, doc: asked.append(key) or True)
    scaffold = (PROJECT / "src" / "meshguard" / "scaffold" / "contract.odcs.yaml").read_text()
    api = next(ln.split(":", 1)[1].strip() for ln in scaffold.splitlines() if ln.startswith("apiVersion:"))
    assert load._is_valid({}, load.schema_version(api)) is True
    warmed: list[list[tuple[str, str]]] = []
    monkeypatch.setattr(schemacheck, "core_free", lambda: True)
    monkeypatch.setattr(schemacheck, "prestart", lambda schemas=(): warmed.append(list(schemas)))
    monkeypatch.setattr(cli, "_HELPED", True)
    assert cli.cli.get_command(click.Context(cli.cli), "lint") is not None
    assert warmed == [[(asked[0], asked[0])]] and Path(asked[0]).is_file()


def test_the_cli_warms_the_schema_the_loader_names_newest(monkeypatch: pytest.MonkeyPatch) -> None:
    """One source of truth: a newer bundled schema is the one the command line warms up."""
    from meshguard import cli, contracts, schemacheck

    warmed: list[list[tuple[str, str]]] = []
    monkeypatch.setattr(schemacheck, "core_free", lambda: True)
    monkeypatch.setattr(schemacheck, "prestart", lambda schemas=(): warmed.append(list(schemas)))
    monkeypatch.setattr(cli, "_HELPED", True)
    monkeypatch.setattr(contracts, "NEWEST", "v9.9.9")
    cli.cli.get_command(click.Context(cli.cli), "check")
    assert warmed == [[(str(contracts.schema_file("v9.9.9")),) * 2]]


def _with_and_without(folder: Path, argv: list[str]) -> list[dict[str, object]]:
    """``meshguard ARGV`` in ``folder``, with the helper (as on an idle machine), then without."""
    outs = []
    for free in (True, False):
        outs.append(
            _run(
                f"schemacheck.core_free = lambda: {free}\n"
                "asked = []\n"
                "ask = schemacheck._ask\n"
                "schemacheck._ask = lambda *a: asked.append(a[1]) or ask(*a)\n"
                "import contextlib, io\n"
                f"os.chdir({str(folder)!r})\n"
                "from meshguard.cli import main\n"
                "buf = io.StringIO()\n"
                "with contextlib.redirect_stdout(buf):\n"
                "    try:\n"
                f"        main({argv!r})\n"
                "    except SystemExit as exc:\n"
                "        out['code'] = exc.code\n"
                "out['stdout'] = buf.getvalue()\n"
                "out['asked'] = len(asked)\n"
            )
        )
    return outs


def _stable(stdout: object) -> object:
    """The JSON output without the run's id, clock and timings."""

    def strip(value: object) -> object:
        if isinstance(value, dict):
            volatile = ("run_id", "timestamp", "elapsed_s", "timings", "seconds", "started", "finished")
            return {k: strip(v) for k, v in value.items() if k not in volatile}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(json.loads(str(stdout)))


def _repo(folder: Path) -> list[str]:
    from usage_helpers import contract

    good = contract("orders")
    files = {
        "good.odcs.yaml": good,
        "unknown-field.odcs.yaml": contract("unknown", extra="colour: blue\n"),
        "wrong-type.odcs.yaml": good.replace("id: orders", "id: [1, 2]"),
        "old-api.odcs.yaml": contract("old").replace("apiVersion: v3.1.0", "apiVersion: v3.0.2"),
        "no-kind.odcs.yaml": contract("nokind").replace("kind: DataContract\n", ""),
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "meshguard.yaml").write_text("contracts: {dir: .}\n")
    return sorted(files)


def test_lint_says_the_same_with_and_without_the_helper(tmp_path: Path) -> None:
    files = _repo(tmp_path)
    helped, alone = _with_and_without(tmp_path, ["lint", "--format", "json", *files])
    assert helped["asked"] == 1 + len(files) and alone["asked"] == 0  # the configuration, each file
    assert helped["code"] == alone["code"] == 1
    assert _stable(helped["stdout"]) == _stable(alone["stdout"])
    findings = str(helped["stdout"])
    assert "MG001" in findings and "colour" in findings


def test_check_says_the_same_with_and_without_the_helper(tmp_path: Path) -> None:
    files = _repo(tmp_path)
    argv = ["check", "--no-data", "--no-reports", "--no-history", "--format", "json"]
    helped, alone = _with_and_without(tmp_path, argv)
    assert helped["asked"] == 1 + len(files) and alone["asked"] == 0
    assert helped["code"] == alone["code"] == 1
    assert _stable(helped["stdout"]) == _stable(alone["stdout"])
    assert "MG001" in str(helped["stdout"]) and "GDPR" in str(helped["stdout"])


def test_a_core_is_free_while_the_load_is_under_the_cores(monkeypatch: object) -> None:
    import pytest

    from meshguard import schemacheck

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    for load, free in ((0.2, True), (1.0, True), (1.9, True), (2.0, False), (7.5, False)):
        monkeypatch.setattr(os, "getloadavg", lambda load=load: (load, load, load))
        assert schemacheck.core_free() is free, load
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert schemacheck.core_free() is False  # one core: nothing to overlap with
