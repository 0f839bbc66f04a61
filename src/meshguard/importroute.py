"""The ``meshguard`` command's modules, found and read from one file instead of ~140.

Every start of the command imports the same ~140 modules of the standard library, click,
PyYAML and meshguard. For each one the import system walks the path's folders (a ``stat`` of
each folder it asks), builds a spec, opens, reads and checks a ``.pyc`` file: about a twentieth
of a ``meshguard lint``. The command's process (its console script, see
:func:`meshguard.command_process`) instead keeps, per command, the ``.pyc`` contents of the
modules it imported in one file, ``route.<command>.<tag>.marshal`` in the package's cache
folder (:mod:`meshguard.cachedir`), and a finder placed just before the path finder answers
for those modules from it.

What the import system would find is what this route serves, checked on every start:

- the file is used only by the interpreter, optimisation level and ``sys.path`` that wrote it
  (no ``''`` entry: a path that depends on the working folder is never served), with the same
  finders and path hooks in front of and behind it;
- every folder a recorded module was looked up in (each ``sys.path`` entry, each package's
  folder) has the ``(mtime, ctime)`` it had when recorded, or is still missing; a module added
  to, removed from or renamed in any of them changes its folder's times, and the whole file is
  then unused (the import system's own rule for re-reading a folder);
- each module's source still has the ``(size, mtime, ctime)`` recorded with its code, checked
  when it is loaded (the ``.pyc`` check, to the nanosecond); a module that fails it is loaded
  the usual way;
- nothing is recorded that changed less than :data:`SETTLED_NS` before it was read (a coarse
  file-system clock could give a later change the same times). The code is trusted as ``.pyc``
  files are (written whole, then renamed into place; no checksum: a CRC-32 of the ~3 MB would
  cost ~4 ms of every start, more than a tenth of what the route saves).

A module served here has the spec, ``__file__``, ``__cached__``, ``__path__`` and code it
would have had; its loader is a :class:`SourceFileLoader` (a subclass that reads its code from
the route). Only source modules whose ``.pyc`` is a timestamp one are kept; extension and
built-in modules, namespace packages and the rest are found as usual. The file is written at
exit by the process that read it (not a forked child, not under ``PYTHONDONTWRITEBYTECODE``),
when a module was loaded the usual way, i.e. on the first run of a command and after a change.

This module imports only what the interpreter has loaded before ``site`` (no ``zlib`` or
``pathlib`` either: they are imported, and timed, after it).
"""

from __future__ import annotations

import marshal
import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is one of the modules this serves
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import CodeType, ModuleType
    from typing import Any

_bootstrap: Any = sys.modules["_frozen_importlib"]
_external: Any = sys.modules["_frozen_importlib_external"]
_imp: Any = sys.modules["_imp"]

#: the layout of the file; another layout is ignored
FORMAT = 1
#: what changed less than this before it was read is not recorded (see the module's docstring)
SETTLED_NS = 3_000_000_000
#: at most this much code is kept (every start reads the whole file: lint's is ~2.8 MB, the
#: hook's ~3.8 MB); past it, a run keeps only what it loaded itself (a ``check`` with data, which
#: loads polars and pandera, does not make every later hook read their code)
MAX_BYTES = 8_000_000

#: (origin, package folder or None, parent's __path__ or None, (size, mtime_ns, ctime_ns), code)
Entry = tuple[str, "str | None", "list[str] | None", tuple[int, int, int], bytes]

_ROUTE: Route | None = None


def _stamp(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _folder_times(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path or ".")
    except (OSError, ValueError):
        return None
    return (st.st_mtime_ns, st.st_ctime_ns)


def _finders() -> tuple[str, ...]:
    """The meta-path finders and path hooks, by type (another set may find other modules)."""
    return tuple(_named(f) for f in [*sys.meta_path, *sys.path_hooks] if not isinstance(f, Route))


def _named(thing: Any) -> str:
    """A finder's or path hook's module and name (its class's, for a finder instance)."""
    kind = thing if isinstance(thing, type) or not hasattr(thing, "find_spec") else type(thing)
    return f"{getattr(kind, '__module__', '')}.{getattr(kind, '__qualname__', '')}"


def _header() -> tuple[Any, ...]:
    return (
        FORMAT,
        sys.version,
        sys.flags.optimize,
        sys.pycache_prefix,
        sys.implementation.cache_tag,
        tuple(sys.path),
        _finders(),
    )


class _Loader(_external.SourceFileLoader):  # type: ignore[misc]
    """:class:`SourceFileLoader` whose code comes from the route while its source is unchanged."""

    def __init__(self, fullname: str, path: str, route: Route, entry: Entry) -> None:
        super().__init__(fullname, path)
        self._route = route
        self._entry = entry

    def get_code(self, fullname: str) -> CodeType:
        entry = self._entry
        if fullname == self.name and _stamp(self.path) == entry[3]:
            code = marshal.loads(entry[4])
            _imp._fix_co_filename(code, self.path)
            return code  # type: ignore[no-any-return]
        self._route.missed = True
        return super().get_code(fullname)  # type: ignore[no-any-return]

    # FileLoader compares and hashes its name and path only
    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Loader) and (self.name, self.path) == (other.name, other.path)

    def __hash__(self) -> int:
        return hash((self.name, self.path))


class Route:
    """The finder serving a command's recorded modules; records them again at exit if needed."""

    def __init__(self, path: str, command: str) -> None:
        self.path = path
        #: the command whose modules the file holds (written only when the CLI runs that command)
        self.command = command
        self.pid = os.getpid()
        #: the interpreter, path and finders the modules were found with (as this route started)
        self.header = _header()
        self.modules: dict[str, Entry] = {}
        #: the folders the modules were looked up in → their (mtime, ctime), None: missing
        self.folders: dict[str, tuple[int, int] | None] = {}
        #: a module was loaded the usual way: the file is written again at exit
        self.missed = False
        #: modules the file never holds (loading them the usual way is no reason to write it)
        self.skipped: set[str] = set()
        #: what was imported before the route (never served: recorded only if a later start needs it)
        self.before = set(sys.modules)
        self._read()

    def _read(self) -> None:
        try:
            with open(self.path, "rb") as f:
                header, size, blob = marshal.loads(f.read())
            if header != self.header or not isinstance(blob, bytes) or len(blob) != size:
                return
            folders, modules, skipped = marshal.loads(blob)
        except (OSError, ValueError, EOFError, TypeError):
            return  # none yet, or an unreadable one: every module is found as usual
        if not isinstance(folders, dict) or not isinstance(modules, dict) or not isinstance(skipped, list):
            return
        for folder, times in folders.items():
            if _folder_times(folder) != times:
                return  # a module may have appeared, gone or moved: look everything up again
        self.folders, self.modules, self.skipped = folders, modules, set(skipped)

    # the meta-path finder protocol
    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> Any:
        entry = self.modules.get(name)
        if entry is None or target is not None:
            return None
        origin, package, parent_path, _, _ = entry
        if (list(path) if path is not None else None) != parent_path:
            return None
        spec = _bootstrap.ModuleSpec(name, _Loader(name, origin, self, entry), origin=origin)
        spec.has_location = True
        if package is not None:
            spec.submodule_search_locations = [package]
        return spec

    def invalidate_caches(self) -> None:
        """``importlib.invalidate_caches()``: a program that just wrote a module stops the route."""
        self.modules = {}
        self.missed = True

    def save(self) -> None:
        """Record the modules this process loaded from source files, when one was not served."""
        if sys.dont_write_bytecode or os.getpid() != self.pid:
            return
        cli: Any = sys.modules.get("meshguard.cli")
        if cli is None or cli._command_named(sys.argv[1:]) != self.command:
            return  # not a command of the CLI (a typo, --help): no file of its own
        process = sys.modules.get("multiprocessing.process")
        if process is not None and process.parent_process() is not None:
            return
        import contextlib

        with contextlib.suppress(Exception):  # never fail the command for its cache
            self._save()

    def _save(self) -> None:
        import contextlib

        loaded = {n: m for n, m in list(sys.modules.items()) if n not in self.before}
        usual = [
            n
            for n, m in loaded.items()
            if type(getattr(getattr(m, "__spec__", None), "loader", None)) is _external.SourceFileLoader
            and n not in self.skipped
        ]
        if not (self.missed or usual):
            return
        settled = _now_ns() - SETTLED_NS
        modules: dict[str, Entry] = {}
        skipped: set[str] = set()
        for name, module in loaded.items():
            entry = self._entry(name, module, settled)
            if isinstance(entry, tuple):
                modules[name] = entry
            elif entry:
                skipped.add(name)  # never kept (a hash-based .pyc…): no reason to write again
        if not modules or _size(modules) > MAX_BYTES:
            return
        others = {  # what other runs of the command loaded, still what its source is
            name: entry
            for name, entry in self.modules.items()
            if name not in modules and name not in loaded and _stamp(entry[0]) == entry[3]
        }
        if _size(modules) + _size(others) <= MAX_BYTES:
            modules.update(others)
        folders: dict[str, tuple[int, int] | None] = dict.fromkeys(self.header[5])
        for entry in modules.values():
            folders[os.path.dirname(entry[0])] = None
            folders.update(dict.fromkeys(entry[2] or ()))
        for folder in folders:
            folders[folder] = times = _folder_times(folder)
            if times is not None and max(times) > settled:
                return  # it may change again within its clock's tick: don't vouch for it
        blob = marshal.dumps((folders, modules, sorted(skipped)))
        directory = os.path.dirname(self.path)
        from meshguard import cachedir

        if not cachedir.writable(directory):
            return
        os.makedirs(directory, exist_ok=True)
        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as f:
                f.write(marshal.dumps((self.header, len(blob), blob)))
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):  # a read-only file system refuses even this
                os.unlink(tmp)

    def _entry(self, name: str, module: ModuleType, settled: int) -> Entry | bool:
        """What the route keeps of ``module``; False: nothing (not a source module, or one that
        changed too recently: maybe later), True: nothing, ever (a hash-based ``.pyc``…)."""
        spec = getattr(module, "__spec__", None)
        loader = getattr(spec, "loader", None)
        if spec is None or type(loader) not in (_external.SourceFileLoader, _Loader):
            return False
        if spec.name != name:
            return True
        if isinstance(loader, _Loader) and loader._entry[3] == _stamp(spec.origin):
            return loader._entry  # served, and still what its source is
        origin, cached = spec.origin, spec.cached
        if not isinstance(origin, str) or not isinstance(cached, str) or not origin.endswith(".py"):
            return True
        locations = spec.submodule_search_locations
        package = None
        if locations is not None:
            if len(locations) != 1 or locations[0] != os.path.dirname(origin):
                return True
            package = locations[0]
        parent = name.rpartition(".")[0]
        parent_path = None
        if parent:
            parent_path = list(getattr(sys.modules.get(parent), "__path__", None) or ())
            if not parent_path:
                return True
        stamp = _stamp(origin)
        if stamp is None or max(stamp[1], stamp[2]) > settled:
            return False
        try:
            with open(cached, "rb") as f:
                data = f.read()
            details = {"name": name, "path": cached}
            flags = _external._classify_pyc(data, name, details)
            if flags != 0:
                return True  # a hash-based .pyc: the import system checks it otherwise
            _external._validate_timestamp_pyc(data, stamp[1] // 1_000_000_000, stamp[0], name, details)
        except (OSError, ImportError, EOFError):
            return False
        return (origin, package, parent_path, stamp, data[16:])


def _size(modules: dict[str, Entry]) -> int:
    return sum(len(entry[4]) for entry in modules.values())


def _now_ns() -> int:
    import time

    return time.time_ns()


def start() -> Route | None:
    """The command process's route: the file of the command its arguments name (the first that
    is not an option: ``lint`` of ``meshguard --debug lint x``), in the package's cache folder."""
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if command is None or not command.isidentifier():
        return None
    from meshguard import cachedir

    folder = cachedir.folder(os.path.dirname(os.path.abspath(__file__)))
    return install(os.path.join(folder, f"route.{command}.{sys.implementation.cache_tag}.marshal"), command)


def install(path: str, command: str) -> Route | None:
    """Serve the modules recorded in ``path`` (once per process) and record them at exit."""
    global _ROUTE
    if _ROUTE is not None or "" in sys.path:
        return _ROUTE
    try:
        index = sys.meta_path.index(_external.PathFinder)
    except ValueError:
        return None
    _ROUTE = Route(path, command)
    sys.meta_path.insert(index, _ROUTE)
    import atexit

    atexit.register(_ROUTE.save)
    return _ROUTE
