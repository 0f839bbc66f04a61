"""A cache of the code ``dataclasses`` generates, kept beside the package's bytecode.

On Python 3.11, ``@dataclass`` writes the source of each class's ``__init__``, ``__repr__``,
``__eq__`` (and, when frozen, ``__setattr__``, ``__delattr__`` and ``__hash__``) and compiles
it with ``exec`` on every start of the interpreter. The ~70 dataclasses the pre-commit hook
defines spent about a quarter of its process compiling those methods.

:func:`install` gives the ``dataclasses`` module an ``exec`` that compiles each generated text
once and keeps the code object (``marshal``, the format of ``.pyc`` files) in
``__pycache__/dataclass-code.<tag>.marshal``; a later start executes the stored code object.
The code is what ``exec`` would have compiled from the same text (same file name
``<string>``, no inherited ``__future__`` flags, the interpreter's optimisation level), so the
classes behave exactly the same. The file is written at exit only when something new was
compiled, not at all under ``PYTHONDONTWRITEBYTECODE`` (like ``.pyc`` files), and ignored when
another interpreter wrote it or it can't be read.
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Any

#: entries kept across runs; past this, a run writes back only the entries it used
MAX_ENTRIES = 2000

_DIR = Path(__file__).with_name("__pycache__")


def _default_path() -> Path:
    return _DIR / f"dataclass-code.{sys.implementation.cache_tag}.marshal"


def _header() -> str:
    return f"{sys.version}|{sys.flags.optimize}"


class CodeCache:
    """Source text of a generated method → its compiled code, loaded from and saved to ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.codes: dict[str, CodeType] = {}
        self.used: set[str] = set()
        self.compiled = 0
        try:
            header, codes = marshal.loads(path.read_bytes())
            if header == _header() and isinstance(codes, dict):
                self.codes = codes
        except (OSError, ValueError, EOFError, TypeError):
            pass  # no cache yet, or an unreadable one: compile as dataclasses does

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

    def save(self) -> None:
        """Write the cache when this run compiled something new (atomically; errors ignored)."""
        if not self.compiled or sys.dont_write_bytecode:
            return
        codes = self.codes
        if len(codes) > MAX_ENTRIES:
            codes = {k: v for k, v in codes.items() if k in self.used}
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(exist_ok=True)
            tmp.write_bytes(marshal.dumps((_header(), codes)))
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)


_INSTALLED: CodeCache | None = None


def install(path: Path | None = None) -> CodeCache:
    """Route ``dataclasses``' compiles through the cache at ``path`` (once per process)."""
    global _INSTALLED
    if _INSTALLED is None:
        import atexit
        import dataclasses

        _INSTALLED = CodeCache(path or _default_path())
        # dataclasses calls the name ``exec``: a module global shadows the builtin there
        setattr(dataclasses, "exec", _INSTALLED.exec)  # noqa: B010
        atexit.register(_INSTALLED.save)
    return _INSTALLED
