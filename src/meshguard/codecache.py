"""What the interpreter compiles on every start, compiled once and kept beside the package's bytecode.

Two pure computations of the standard library took about 40 % of a pre-commit hook's process
on Python 3.11, every run, for the same inputs:

- ``@dataclass`` writes the source of each class's ``__init__``, ``__repr__``, ``__eq__`` (and,
  when frozen, ``__setattr__``, ``__delattr__`` and ``__hash__``) and compiles it with ``exec``;
- ``re.compile`` parses each pattern and generates its matching program (PyYAML's resolver,
  click, the detectors and the lint rules compile about 60 at import).

:func:`install` memoises both and keeps the results in
``__pycache__/compiled.<command>.<tag>.marshal``, one file per command of the CLI (``marshal``,
the format of ``.pyc`` files; at most :data:`MAX_ENTRIES` of each kind), or in the user's cache
folder where the package's folder can't be written (:mod:`meshguard.cachedir`):

- ``dataclasses`` gets an ``exec`` that compiles each generated text once and keeps the code
  object; it is what ``exec`` compiles from the same text (file name ``<string>``, no inherited
  ``__future__`` flags, the interpreter's optimisation level);
- ``re``'s compiler keeps, per (pattern, flags), the arguments it passes to ``_sre.compile``
  (final flags, program, groups, group names); a later start calls ``_sre.compile`` with them.
  A record is kept only when the pattern it builds equals (``==``: flags, pattern and program)
  the one ``re`` built, with the same groups.

So classes and patterns are exactly those built without the cache. The file is written at exit
only when something new was compiled, by the process that loaded it (not by a forked child or
a pool's worker, which its parent may stop mid-write), not at all under
``PYTHONDONTWRITEBYTECODE`` (like ``.pyc`` files), and ignored when another interpreter wrote
it, it can't be read or its CRC-32 is not that of its contents (a damaged file).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any

from meshguard import cachedir

#: entries kept across runs, per kind; past this, a run writes back only the entries it used, and
#: a run that alone used more leaves the file as it was. Every start loads the whole file: the
#: commands of the example repo use about 360 code objects and 110 patterns (500 KB) together.
MAX_ENTRIES = 1000

#: (flags, program, groups - 1, group index, index group): ``_sre.compile``'s arguments after the pattern
Program = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]


def _default_path(command: str | None = None) -> Path:
    """In the package's cache folder (:func:`meshguard.cachedir.folder`: beside its bytecode, or
    the user's cache folder where that can't be written). ``command``: the file of one command of
    the CLI (``compiled.lint.<tag>.marshal``): a run loads the whole file, so it should hold what
    that command compiles, not every command's."""
    name = f"compiled.{command + '.' if command else ''}{sys.implementation.cache_tag}.marshal"
    return Path(cachedir.folder(os.path.dirname(os.path.abspath(__file__)))) / name


def _header() -> str:
    return f"{sys.version}|{sys.flags.optimize}"


class CodeCache:
    """Generated source → code object, and (pattern, flags) → program; loaded from and saved to ``path``."""

    def __init__(self, path: Path, *, save: bool = True) -> None:
        self.path = path
        #: whether :meth:`save` writes the file (a test session reads it, never writes it)
        self.saves = save
        self.pid = os.getpid()
        self.codes: dict[str, CodeType] = {}
        self.programs: dict[tuple[str | bytes, int], Program] = {}
        self.used: set[Any] = set()
        #: code objects and regex programs compiled (not found) in this run
        self.compiled = 0
        self.compiled_patterns = 0
        try:
            header, crc, blob = marshal.loads(path.read_bytes())
            # the CRC first: code objects or regex programs damaged on disk crash the interpreter
            if header == _header() and isinstance(blob, bytes) and zlib.crc32(blob) == crc:
                codes, programs = marshal.loads(blob)
                if isinstance(codes, dict) and isinstance(programs, dict):
                    self.codes, self.programs = codes, programs
        except (OSError, ValueError, EOFError, TypeError):
            pass  # no cache yet, or an unreadable one: compile as the standard library does

    def exec(self, source: Any, globals: Any = None, locals: Any = None) -> None:
        """``exec`` for ``dataclasses``: the same code, compiled once per text."""
        if not isinstance(source, str):
            exec(source, globals, locals)
            return
        code = self.codes.get(source)
        if code is None:
            code = self.codes[source] = compile(source, "<string>", "exec", dont_inherit=True)
            self.compiled += 1
        self.used.add(source)
        exec(code, globals, locals)

    def regex_compiler(self, original: Callable[..., Any]) -> Callable[..., Any]:
        """``re._compiler.compile`` through the cache; ``original`` builds what isn't cached."""
        import importlib

        _compiler: Any = importlib.import_module("re._compiler")
        _parser: Any = importlib.import_module("re._parser")
        _sre = _compiler._sre

        debug = _compiler.SRE_FLAG_DEBUG
        programs = self.programs

        def derive(p: str | bytes, flags: int) -> Program:
            """What ``re._compiler.compile`` passes to ``_sre.compile`` after the pattern."""
            parsed = _parser.parse(p, flags)
            groupindex = dict(parsed.state.groupdict)
            indexgroup: list[str | None] = [None] * parsed.state.groups
            for name, i in groupindex.items():
                indexgroup[i] = name
            return (
                int(flags | parsed.state.flags),
                [int(op) for op in _compiler._code(parsed, flags)],
                parsed.state.groups - 1,
                groupindex,
                tuple(indexgroup),
            )

        def compile_pattern(p: Any, flags: int = 0) -> Any:
            if type(p) not in (str, bytes) or type(flags) is not int or flags & debug:
                return original(p, flags)  # only what marshal stores as it is: no subclasses
            key = (p, flags)
            program = programs.get(key)
            if program is not None:
                self.used.add(key)
                return _sre.compile(p, *program)
            pattern = original(p, flags)
            try:
                program = derive(p, flags)
                rebuilt = _sre.compile(p, *program)
            except Exception:  # internals this module doesn't know (another Python): no caching
                return pattern
            if (
                rebuilt == pattern
                and rebuilt.groups == pattern.groups
                and rebuilt.groupindex == pattern.groupindex
            ):
                programs[key] = program
                self.used.add(key)
                self.compiled_patterns += 1
            return pattern

        return compile_pattern

    def save(self) -> None:
        """Write the cache when this run compiled something new (atomically; errors ignored)."""
        if not (self.compiled or self.compiled_patterns) or sys.dont_write_bytecode or not self.saves:
            return
        process = sys.modules.get("multiprocessing.process")
        if os.getpid() != self.pid or (process is not None and process.parent_process() is not None):
            return  # a forked child, or a pool's worker: its parent may stop it in the middle of a write
        codes: dict[str, CodeType] = self.codes
        programs: dict[tuple[str | bytes, int], Program] = self.programs
        if len(codes) > MAX_ENTRIES:
            codes = {k: v for k, v in codes.items() if k in self.used}
        if len(programs) > MAX_ENTRIES:
            programs = {k: v for k, v in programs.items() if k in self.used}
        if len(codes) > MAX_ENTRIES or len(programs) > MAX_ENTRIES:
            return  # not a command's run (a test session, an application): later starts would pay for it
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            blob = marshal.dumps((codes, programs))
            tmp.write_bytes(marshal.dumps((_header(), zlib.crc32(blob), blob)))
            os.replace(tmp, self.path)
        except (OSError, ValueError):
            with contextlib.suppress(OSError):  # a read-only file system refuses even this
                tmp.unlink(missing_ok=True)


_CACHE: CodeCache | None = None
_PATCHED: set[str] = set()


def _cache(path: Path | None, save: bool = True, command: str | None = None) -> CodeCache:
    global _CACHE
    if _CACHE is None:
        import atexit

        _CACHE = CodeCache(path or _default_path(command), save=save)
        atexit.register(_CACHE.save)
    return _CACHE


def install_regexes(path: Path | None = None, *, save: bool = True, command: str | None = None) -> CodeCache:
    """Route ``re``'s pattern compiler through the cache (once per process); ``save=False``: a
    process that reads the file and never writes it (what it compiles is not a command's);
    ``command``: the CLI command this process runs, which has a file of its own."""
    cache = _cache(path, save, command)
    if "re" not in _PATCHED:
        import importlib

        _PATCHED.add("re")
        try:
            _compiler: Any = importlib.import_module("re._compiler")
            patched = cache.regex_compiler(_compiler.compile)
        except (ImportError, AttributeError):  # another Python's re: compile as it does
            return cache
        _compiler.compile = patched  # re._compile calls it by this name
    return cache


def install(path: Path | None = None) -> CodeCache:
    """Route ``re``'s and ``dataclasses``' compiles through the cache at ``path`` (once per process)."""
    cache = install_regexes(path)
    if "dataclasses" not in _PATCHED:
        import dataclasses

        # dataclasses calls the name ``exec``: a module global shadows the builtin there
        setattr(dataclasses, "exec", cache.exec)  # noqa: B010
        _PATCHED.add("dataclasses")
    return cache
