"""The cache of what the interpreter compiles on every start (``meshguard.codecache``): the code
``dataclasses`` generates and ``re``'s pattern programs. The CLI installs it before click and a
command's modules load, a second interpreter compiles nothing, and the classes and patterns it
builds are the ones the standard library builds without it (same code, same behaviour)."""

from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT, read_only
from usage_helpers import contract, init_repo

#: a frozen dataclass with defaults, a factory and a keyword-only field: every generated method
CLASS = """
from dataclasses import dataclass, field, KW_ONLY
@dataclass(frozen=True, order=True)
class Point:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list, compare=False)
    _: KW_ONLY
    label: str = "p"
"""

PROBE = """
import dataclasses, json, sys
from pathlib import Path
METHODS = ("__init__", "__repr__", "__eq__", "__lt__", "__setattr__", "__delattr__", "__hash__")
def codes(cls):
    out = {}
    for name in METHODS:
        c = getattr(cls, name).__code__
        out[name] = [c.co_code.hex(), repr(c.co_consts), c.co_names, c.co_varnames, c.co_freevars,
                     c.co_filename, c.co_flags]
    return out
def behaviour(ns):
    P = ns["Point"]
    p = P(1, 2, ["a"], label="q")
    out = [repr(p), p == P(1, 2, ["b"], label="q"), hash(p) == hash(P(1, 2, label="q")), p < P(2)]
    try:
        p.x = 5
    except dataclasses.FrozenInstanceError as exc:
        out.append(type(exc).__name__)
    return out
plain = {}
exec(CLASS, plain)
from meshguard.codecache import install
cache = install(Path(sys.argv[1]))
cached = {}
exec(CLASS, cached)
cache.save()
print(json.dumps({"same_code": codes(plain["Point"]) == codes(cached["Point"]),
                  "plain": behaviour(plain), "cached": behaviour(cached),
                  "compiled": cache.compiled, "used": sum(isinstance(k, str) for k in cache.used)}))
"""


def _run(code: str, *args: str, cwd: Path = PROJECT, write_bytecode: bool = True) -> str:
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not write_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def _probe(path: Path, write_bytecode: bool = True) -> dict[str, object]:
    out: dict[str, object] = json.loads(
        _run(f"CLASS = {CLASS!r}\n{PROBE}", str(path), write_bytecode=write_bytecode)
    )
    return out


def test_a_second_interpreter_runs_the_stored_code_and_builds_the_same_class(tmp_path: Path) -> None:
    path = tmp_path / "codes.marshal"
    first = _probe(path)
    assert first["compiled"] == 10 and path.is_file()  # init, repr, eq, 4 order, 2 frozen, hash
    second = _probe(path)
    assert second["compiled"] == 0 and second["used"] == 10
    for run in (first, second):
        assert run["same_code"] is True
        assert (
            run["cached"]
            == run["plain"]
            == [
                "Point(x=1, y=2, tags=['a'], label='q')",
                True,
                True,
                True,
                "FrozenInstanceError",
            ]
        )


def test_no_file_under_dont_write_bytecode_and_another_interpreters_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "codes.marshal"
    assert _probe(path, write_bytecode=False)["compiled"] == 10
    assert not path.exists()
    _probe(path)
    _header, crc, blob = marshal.loads(path.read_bytes())
    path.write_bytes(marshal.dumps(("another interpreter", crc, blob)))
    assert _probe(path)["compiled"] == 10
    path.write_bytes(b"not marshal data")
    assert _probe(path)["compiled"] == 10


def test_a_damaged_file_is_ignored_not_run(tmp_path: Path) -> None:
    # damaged bytes marshal still reads (a code object, a regex program) would run or crash
    path = tmp_path / "codes.marshal"
    _probe(path)
    header, crc, blob = marshal.loads(path.read_bytes())
    codes, programs = marshal.loads(blob)
    wrong = compile("pass", "<string>", "exec")
    damaged = marshal.dumps(({text: wrong for text in codes}, programs))
    path.write_bytes(marshal.dumps((header, crc, damaged)))
    run = _probe(path)
    assert run["compiled"] == 10 and run["same_code"] is True
    assert run["cached"] == run["plain"]


def test_a_folder_it_cannot_write_says_nothing_at_exit(tmp_path: Path) -> None:
    # on a read-only file system even removing the temporary file fails (EROFS); a parent that is
    # a file fails the same way (ENOTDIR) for any user: neither may print a traceback at exit
    (tmp_path / "a-file").write_text("")
    path = tmp_path / "a-file" / "codes.marshal"
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run(
        [sys.executable, "-c", f"CLASS = {CLASS!r}\n{PROBE}", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert json.loads(proc.stdout)["compiled"] == 10


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path, {"contracts/orders.odcs.yaml": contract("orders")})


def test_the_cli_installs_the_cache_before_click_and_a_commands_modules_load(repo: Path) -> None:
    code = (
        "import dataclasses, json, re, sys\n"
        "from meshguard.cli import main\n"
        "try:\n"
        "    main(['lint', 'contracts/orders.odcs.yaml'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "import click._compat\n"
        "import meshguard.codecache as cc\n"
        "cache = cc._CACHE\n"
        "ansi = (click._compat._ansi_re.pattern, 0)\n"
        "print(json.dumps([cache is not None and getattr(dataclasses.exec, '__self__', None) is cache,\n"
        "                  sum(isinstance(k, str) for k in cache.used) if cache else 0,\n"
        "                  sum(isinstance(k, tuple) for k in cache.used) if cache else 0,\n"
        "                  bool(cache) and ansi in cache.used]))\n"
    )
    installed, texts, patterns, click_pattern = json.loads(_run(code, cwd=repo, write_bytecode=False))
    assert installed is True
    assert texts > 50  # the config, contract and results models went through it
    assert patterns > 20  # PyYAML's resolver, the lint rules...
    assert click_pattern is True  # ...and click's, compiled when click is imported


TEXTS = [
    "Contact: Ann.Lee+x@mail.example.org, aab EMAIL camelCase",
    "1.2.3-rc.1",
    "On",
    "aaabc",
    "\x01",
    ".inf",
]

#: patterns of every shape: groups (named, non-capturing), classes, flags, bytes, lookarounds
PATTERNS = [
    (r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$", 0),
    (r"(?P<user>[\w.+-]+)@(?P<host>[\w-]+(\.[\w-]+)+)", 0),
    (r"\b(e ?mail|phone|date of birth)\b", int(re.IGNORECASE)),
    (r"(?<=[a-z0-9])(?=[A-Z])", 0),
    (r"[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]", 0),
    (r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.(?:inf|Inf|INF))$", int(re.X)),
    (r"(?i)^(yes|no|true|false|on|off)$", 0),
    (r"a{2,5}?b*+c", int(re.M | re.S)),
]

REGEX_PROBE = """
import json, re, sys
from pathlib import Path
from re import _compiler
original = _compiler.compile
from meshguard.codecache import install_regexes
cache = install_regexes(Path(sys.argv[1]))
re.purge()
same = []
for source, flags in PATTERNS:
    for p in (source, source.encode("ascii", "backslashreplace")) if flags == 0 else (source,):
        try:
            plain = original(p, flags)
        except re.error:
            continue
        cached = re.compile(p, flags)
        same.append(cached == plain and cached.groupindex == plain.groupindex and cached.groups == plain.groups)
found = [[list(m.span()) for t in TEXTS for m in re.compile(p, f).finditer(t)] for p, f in PATTERNS]
cache.save()
print(json.dumps({"same": same, "found": found, "compiled": cache.compiled_patterns}))
"""


def _regex_probe(path: Path) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(
        _run(f"PATTERNS = {PATTERNS!r}\nTEXTS = {TEXTS!r}\n{REGEX_PROBE}", str(path))
    )
    return out


def test_patterns_from_the_cache_equal_the_ones_re_builds_and_match_the_same(tmp_path: Path) -> None:
    path = tmp_path / "codes.marshal"
    first = _regex_probe(path)
    assert first["compiled"] >= len(PATTERNS) and path.is_file()
    second = _regex_probe(path)
    assert second["compiled"] == 0
    assert first["same"] == second["same"] == [True] * len(first["same"])
    assert len(first["same"]) > len(PATTERNS)  # the bytes forms too
    assert all(first["found"])  # every pattern matches somewhere
    assert (
        second["found"]
        == first["found"]
        == [[list(m.span()) for t in TEXTS for m in re.compile(p, f).finditer(t)] for p, f in PATTERNS]
    )


def test_what_marshal_cannot_store_goes_around_the_cache_and_the_rest_is_still_saved(tmp_path: Path) -> None:
    path = tmp_path / "codes.marshal"
    code = (
        "import json, re, sys\n"
        "from pathlib import Path\n"
        "from re import _compiler\n"
        "from meshguard.codecache import install_regexes\n"
        "cache = install_regexes(Path(sys.argv[1]))\n"
        "class Text(str):\n"
        "    pass\n"
        "found = [bool(_compiler.compile(Text('a+b'), 0).match('aab')),\n"
        "         bool(_compiler.compile('x+', re.IGNORECASE).match('XX')),\n"
        "         bool(re.compile('(?i)q+').match('QQ'))]\n"
        "cache.save()\n"
        "print(json.dumps([found, cache.compiled_patterns]))\n"
    )
    found, compiled = json.loads(_run(code, str(path)))
    assert found == [True, True, True]
    assert compiled == 1  # the plain str with int flags; the str subclass and the RegexFlag went around
    _codes, programs = marshal.loads(marshal.loads(path.read_bytes())[2])
    assert list(programs) == [("(?i)q+", 0)]


def test_a_forked_child_or_a_pool_worker_never_writes_the_file(tmp_path: Path) -> None:
    """A pool's workers are stopped by their parent at the end of a run: one stopped while
    writing left a partial file behind."""
    path = tmp_path / "codes.marshal"
    code = (
        "import multiprocessing, os, re, sys\n"
        "from pathlib import Path\n"
        "from meshguard.codecache import install_regexes\n"
        "def child(path):\n"
        "    cache = install_regexes(Path(path))\n"
        "    re.compile('in a spawned worker+')\n"
        "    cache.save()\n"
        "if __name__ == '__main__':\n"
        "    cache = install_regexes(Path(sys.argv[1]))\n"
        "    re.compile('in the parent+')\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        cache.save()\n"
        "        os._exit(0)\n"
        "    os.waitpid(pid, 0)\n"
        "    forked = Path(sys.argv[1]).exists()\n"
        "    worker = multiprocessing.get_context('spawn').Process(target=child, args=(sys.argv[1],))\n"
        "    worker.start()\n"
        "    worker.join()\n"
        "    print(forked, Path(sys.argv[1]).exists(), worker.exitcode)\n"
    )
    script = tmp_path / "probe.py"
    script.write_text(code, encoding="utf-8")
    assert (
        _run(
            f"import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path({str(script)!r}, run_name='__main__')",
            str(script),
            str(path),
        )
        == "False False 0"
    )
    assert not list(tmp_path.glob("*.tmp"))


def test_another_pythons_re_internals_mean_no_caching_not_an_error(tmp_path: Path) -> None:
    code = (
        "import json, re, sys, types\n"
        "from pathlib import Path\n"
        "sys.modules['re._parser'] = types.SimpleNamespace()  # a parser without parse()\n"
        "from meshguard.codecache import install_regexes\n"
        "cache = install_regexes(Path(sys.argv[1]))\n"
        "print(json.dumps([bool(re.compile('ab+c', re.I).search('xABBC')), cache.compiled_patterns]))\n"
    )
    assert json.loads(_run(code, str(tmp_path / "codes.marshal"))) == [True, 0]


def test_the_file_never_holds_more_than_max_entries_of_a_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every start loads the whole file: a run that alone compiled more than the bound (a test
    session, an application) leaves it as it was; a run under the bound adds to it."""
    from meshguard import codecache

    monkeypatch.setattr(codecache, "MAX_ENTRIES", 3)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = tmp_path / "compiled.marshal"
    first = codecache.CodeCache(path)
    for i in range(3):
        first.exec(f"x{i} = {i}", {})
    first.save()
    kept = set(codecache.CodeCache(path).codes)
    assert kept == {"x0 = 0", "x1 = 1", "x2 = 2"}
    big = codecache.CodeCache(path)
    for i in range(4):
        big.exec(f"y{i} = {i}", {})
    big.save()
    assert set(codecache.CodeCache(path).codes) == kept
    small = codecache.CodeCache(path)
    small.exec("z = 0", {})
    small.exec("x0 = 0", {})
    small.save()
    assert set(codecache.CodeCache(path).codes) == {"z = 0", "x0 = 0"}  # over the bound: what it used


def test_this_test_process_never_writes_the_code_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands run in this process (conftest.invoke) compile through a cache that is never
    saved: the package's file (which every later command loads whole) stays as it was."""
    import dataclasses

    from meshguard import codecache

    package_file = codecache._default_path()
    before = package_file.read_bytes() if package_file.exists() else None
    cache = codecache.install()  # what an in-process command installs
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    dataclasses.make_dataclass("Fresh", [(f"a{os.getpid()}", int), ("b", str)])
    assert cache.compiled
    cache.save()
    assert (package_file.read_bytes() if package_file.exists() else None) == before


READ_ONLY_PROBE = """\
import dataclasses, json, sys
from meshguard import codecache
cache = codecache.install()
dataclasses.make_dataclass("Fresh", [("a", int), ("b", str)])
print(json.dumps([codecache.__file__, str(cache.path), cache.compiled]))
"""


def test_a_package_folder_it_cannot_write_keeps_the_cache_in_the_users_cache_folder(
    tmp_path: Path, tmpfs: Path
) -> None:
    # a package installed by root or in a read-only image: without a file, every run would compile
    # again what the cache holds (~300 M instructions of a hook's ~400 M)
    package = tmpfs / "meshguard"
    package.mkdir()
    for name in ("__init__.py", "version.py", "cachedir.py", "codecache.py"):
        (package / name).write_bytes((PROJECT / "src" / "meshguard" / name).read_bytes())
    read_only(tmpfs)
    env = {**os.environ, "PYTHONPATH": str(tmpfs), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def run() -> tuple[str, int]:
        proc = subprocess.run(
            [sys.executable, "-c", READ_ONLY_PROBE], capture_output=True, text=True, env=env, timeout=120
        )
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
        module, path, compiled = json.loads(proc.stdout)
        assert module == str(package / "codecache.py")  # the read-only copy, not the project's
        return path, compiled

    path, compiled = run()
    assert Path(path).parent.parent == tmp_path / "cache" / "meshguard" and compiled > 0
    assert Path(path).is_file()
    assert run() == (path, 0)  # the second run compiles nothing: it read the user's file
    assert sorted(p.name for p in package.iterdir()) == [
        "__init__.py",
        "cachedir.py",
        "codecache.py",
        "version.py",
    ]


CACHE_NAME_PROBE = """\
import json, runpy, sys
import meshguard.codecache as cc
def report():
    print(json.dumps(cc._CACHE.path.name if cc._CACHE else None), file=sys.stderr)
import atexit
atexit.register(report)
sys.argv = ["meshguard", *sys.argv[1:]]
runpy.run_module("meshguard", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize(
    ("args", "file"),
    [
        (["lint", "contracts/orders.odcs.yaml"], "compiled.lint.{tag}.marshal"),
        (["--debug", "check", "--no-data", "--no-reports", "--no-history"], "compiled.check.{tag}.marshal"),
        (["--version"], "compiled.{tag}.marshal"),
        (["lnt"], "compiled.{tag}.marshal"),
    ],
)
def test_each_command_of_the_cli_loads_a_file_of_its_own(repo: Path, args: list[str], file: str) -> None:
    """A run loads its whole file: lint's holds what lint compiles (~280 KB), not what check, test
    and report compiled too (~1 MB together: ~18 M more instructions of lint's ~310 M)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", CACHE_NAME_PROBE, *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == file.format(tag=sys.implementation.cache_tag)
