"""The ``meshguard`` command's import route (``meshguard.importroute``): a later start finds the
modules it imported in one file, each module is what the import system would have given
(same spec, file, path, code), and whatever could make the import system find something else
stops the route: an edited module (even at the same size and time), a module added to a folder
on the path, another ``sys.path``, a damaged file. Each test runs the command through a script
named ``meshguard`` (what the console script is) on a copy of the package."""

from __future__ import annotations

import json
import marshal
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT
from usage_helpers import contract, init_repo

#: the console script, with what each module's spec and loader were printed at its exit
SCRIPT = """\
import atexit, json, os, sys
def _report():
    out = {}
    for name, m in sorted(sys.modules.items()):
        spec = getattr(m, "__spec__", None)
        if spec is None or not getattr(m, "__file__", None):
            continue
        out[name] = {
            "loader": type(spec.loader).__name__,
            "file": m.__file__,
            "cached": getattr(m, "__cached__", None),
            "origin": spec.origin,
            "path": list(getattr(m, "__path__", None) or []) or None,
            "has_location": spec.has_location,
            "code": getattr(getattr(m, "_ROUTE_PROBE", None), "__name__", None),
        }
    with open(os.environ["ROUTE_REPORT"], "w") as f:
        json.dump(out, f)
atexit.register(_report)  # registered first: it runs after the route's own exit callback
import meshguard.importroute as route
route.SETTLED_NS = int(os.environ.get("ROUTE_SETTLED_NS", route.SETTLED_NS))
route.MAX_BYTES = int(os.environ.get("ROUTE_MAX_BYTES", route.MAX_BYTES))
from meshguard.cli import main
sys.exit(main())
"""


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Path]:
    src = tmp_path / "src"
    shutil.copytree(
        PROJECT / "src" / "meshguard", src / "meshguard", ignore=shutil.ignore_patterns("__pycache__")
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "meshguard").write_text(SCRIPT)
    repo = init_repo(
        tmp_path / "repo",
        {"contracts/orders.odcs.yaml": contract("orders"), "meshguard.yaml": "contracts: {dir: contracts}\n"},
    )
    return {"src": src, "bin": bin_dir, "repo": repo, "tmp": tmp_path}


def _run(setup: dict[str, Path], *args: str, settled_ns: int = 0, **env: str) -> tuple[str, dict[str, Any]]:
    """``meshguard lint`` (or ``args``) through the script; its output and the modules' report."""
    report = setup["tmp"] / "report.json"
    report.unlink(missing_ok=True)
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environ.update(PYTHONPATH=str(setup["src"]), ROUTE_REPORT=str(report), ROUTE_SETTLED_NS=str(settled_ns))
    environ.update(env)
    proc = subprocess.run(
        [sys.executable, str(setup["bin"] / "meshguard"), *(args or ("lint", "contracts/orders.odcs.yaml"))],
        cwd=setup["repo"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout, json.loads(report.read_text())


def _route_file(setup: dict[str, Path]) -> Path:
    return setup["src"] / "meshguard" / "__pycache__" / f"route.lint.{sys.implementation.cache_tag}.marshal"


def _served(report: dict[str, Any]) -> set[str]:
    return {name for name, m in report.items() if m["loader"] == "_Loader"}


def test_a_later_start_is_served_from_the_route_and_every_module_is_the_same(setup: dict[str, Path]) -> None:
    first, usual = _run(setup)
    assert _route_file(setup).is_file()
    assert _served(usual) == set()
    second, served = _run(setup)
    assert second == first
    # the standard library's, click's, PyYAML's and the command's own modules
    assert {"typing", "click.core", "yaml.loader", "meshguard.config", "meshguard.contracts.lint"} <= _served(
        served
    )
    assert len(_served(served)) > 80
    # each one with the spec, file, cached file and search path the import system gives it
    assert set(served) == set(usual)
    for name in _served(served):
        assert {**served[name], "loader": "SourceFileLoader"} == usual[name], name
    third, again = _run(setup)
    assert third == first and _served(again) == _served(served)


@pytest.mark.parametrize("change", ["size", "mtime"])
def test_an_edited_module_runs_its_new_code(setup: dict[str, Path], change: str) -> None:
    first, _ = _run(setup)
    _run(setup)
    views = setup["src"] / "meshguard" / "report" / "formats" / "views.py"
    st = views.stat()
    new = "unreadable!" if change == "size" else "UNREADABLE"
    text = views.read_text()
    assert text.count(' unreadable"') == 1
    views.write_text(text.replace(' unreadable"', f' {new}"'))
    if change == "size":  # the mtime put back: only the size tells
        os.utime(views, ns=(st.st_atime_ns, st.st_mtime_ns))
    else:  # the same size, one second later (what the .pyc check sees too)
        os.utime(views, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    edited, report = _run(setup)
    assert f"0 {new}" in edited and "0 unreadable\n" in first
    assert "meshguard.config" in _served(report)  # the others still come from the route
    again, report = _run(setup)  # recorded again: the new code, from the route
    assert again == edited and "meshguard.report.formats.views" in _served(report)


def test_a_module_added_to_a_folder_on_the_path_is_found_as_without_the_route(setup: dict[str, Path]) -> None:
    first, _ = _run(setup)
    _, served = _run(setup)
    assert "uuid" in _served(served)
    # a uuid.py in the script's folder (sys.path[0]) now comes before the standard library's
    shadow = Path(uuid.__file__).read_text()
    (setup["bin"] / "uuid.py").write_text(f"_SHADOW = True\n{shadow}")
    after, report = _run(setup)
    assert after == first
    assert report["uuid"]["file"] == str(setup["bin"] / "uuid.py")
    assert _served(report) == set()  # nothing is served while a folder is not as recorded


def test_another_sys_path_or_a_damaged_file_is_not_used(setup: dict[str, Path]) -> None:
    first, _ = _run(setup)
    extra = setup["tmp"] / "extra"
    extra.mkdir()
    _, report = _run(setup, PYTHONPATH=f"{setup['src']}{os.pathsep}{extra}")
    assert _served(report) == set()
    route = _route_file(setup)
    _run(setup)
    _, served = _run(setup)
    assert _served(served)
    data = route.read_bytes()
    route.write_bytes(data[: len(data) // 2])
    damaged, report = _run(setup)
    assert damaged == first and _served(report) == set()
    assert route.stat().st_size == len(data)  # written again, whole


def test_what_just_changed_is_not_recorded_and_nothing_is_written_without_bytecode(
    setup: dict[str, Path],
) -> None:
    _run(setup, settled_ns=10**18)  # everything changed "just now"
    assert not _route_file(setup).exists()
    _run(setup, PYTHONDONTWRITEBYTECODE="1")
    assert not _route_file(setup).exists()
    _run(setup, "--help")
    assert not list((setup["src"] / "meshguard" / "__pycache__").glob("route.*"))
    _run(setup)
    assert _route_file(setup).is_file()


def test_a_module_or_folder_that_just_changed_is_not_vouched_for(setup: dict[str, Path]) -> None:
    _run(setup)  # the bytecode written (each package folder gains its __pycache__)
    _route_file(setup).unlink()
    time.sleep(1.5)  # what the copy and that run made is now settled for a 1 s rule
    views = setup["src"] / "meshguard" / "report" / "formats" / "views.py"
    views.write_text(views.read_text() + "\n")  # changed just now (its folder did not change)
    _run(setup, settled_ns=1_000_000_000)
    _, report = _run(setup, settled_ns=1_000_000_000)
    assert "meshguard.config" in _served(report)
    assert "meshguard.report.formats.views" not in _served(report)
    time.sleep(1.5)
    (setup["bin"] / "notes.txt").write_text("a file just added to a folder on the path\n")
    _route_file(setup).unlink()
    _run(setup, settled_ns=1_000_000_000)
    assert not _route_file(setup).exists()


def _recorded(setup: dict[str, Path]) -> dict[str, Any]:
    _, _, blob = marshal.loads(_route_file(setup).read_bytes())
    modules: dict[str, Any] = marshal.loads(blob)[1]
    return modules


def test_other_runs_modules_are_kept_within_the_size_limit_only(setup: dict[str, Path]) -> None:
    _run(setup, "lint", "--format", "json", "contracts/orders.odcs.yaml")
    both = _recorded(setup)
    json_only = "meshguard.report.formats.jsonout"
    assert json_only in both
    _run(setup)  # a text lint: the modules only the JSON run loaded are kept beside its own
    assert set(both) < set(_recorded(setup)) and "meshguard.report.formats.text" in _recorded(setup)
    text_only = sum(
        len(e[4]) for n, e in _recorded(setup).items() if not n.startswith("meshguard.report.formats.json")
    )
    views = setup["src"] / "meshguard" / "report" / "formats" / "views.py"

    def touch() -> None:  # a module loaded the usual way: the run writes the file again
        st = views.stat()
        os.utime(views, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))

    # a limit the text run's own modules meet, not with the JSON run's: only its own are kept
    touch()
    _run(setup, ROUTE_MAX_BYTES=str(text_only))
    kept = _recorded(setup)
    assert json_only not in kept and "meshguard.report.formats.text" in kept
    touch()
    own = sum(len(e[4]) for e in kept.values())
    _run(setup, ROUTE_MAX_BYTES=str(own - 1))  # not even its own: nothing written
    assert _recorded(setup)["meshguard.report.formats.views"][3] == kept["meshguard.report.formats.views"][3]
