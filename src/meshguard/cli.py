"""The ``meshguard`` command: a click group whose commands are thin shells over the library.

Commands are registered in :data:`COMMANDS` by import path and imported only
when invoked, so ``meshguard lint`` never pays for polars, pandera or duckdb. The group
itself is built on first use (:func:`group`): ``meshguard lint [FILE…]``, as the pre-commit
hook runs it, is served without click (:func:`_plain_lint`), whose import was about a fifth
of that process.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

#: standard modules a plain lint's imports import and it never uses: ``dataclasses`` imports
#: ``inspect`` (with ``ast``, ``dis``, ``tokenize``: ~20 M instructions) for one use, the
#: signature it writes into a class without a docstring; ``pathlib`` imports ``urllib.parse``,
#: which imports ``ipaddress`` (~5 M) for URLs with a bracketed host; PyYAML's constructor
#: imports ``base64`` (with ``struct``, ~3 M) for ``!!binary`` values; ``dataclasses`` and the
#: results model import ``copy`` (with ``weakref``, ~3.5 M) for deep copies the text report never makes
DEFERRED = ("inspect", "ipaddress", "base64", "copy")


class _Deferred(ModuleType):
    """A standard module (one of :data:`DEFERRED`) that loads when one of its names is first read.

    A plain lint puts it in :data:`sys.modules` before its imports: ``import inspect`` then
    binds this placeholder; the first name read from it imports the real module, which takes
    its place in :data:`sys.modules` and lends the placeholder its names. (``LazyLoader`` does
    not serve: on Python 3.11 an ``import`` of a module already loading lazily reads its
    ``__spec__``, which loads it.)"""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)
        return getattr(module, name)


def _plain_line(args: list[str]) -> bool:
    """Whether ``args`` is ``lint [PATH…]`` as :func:`_plain_lint` may serve it: no argument that
    starts with ``-`` (an option, ``--``, ``-``), and not click's shell completion."""
    return (
        bool(args)
        and args[0] == "lint"
        and not any(a.startswith("-") for a in args[1:])
        and not os.environ.get("_MESHGUARD_COMPLETE")
    )


#: whether this process is the ``meshguard`` command (its console script, ``python -m
#: meshguard``), not a program or a test that imports the command line
COMMAND_PROCESS = os.path.basename(getattr(sys, "argv", [""])[0]).removesuffix(".exe") == "meshguard" or (
    getattr(getattr(sys.modules.get("__main__"), "__spec__", None), "name", None) == "meshguard.__main__"
)
if COMMAND_PROCESS:
    # no cyclic garbage collection while click and the command's modules load: it would only walk
    # the objects they create, again and again (~12 M instructions of a lint); see _settle
    gc.disable()
    if _plain_line(sys.argv[1:]):
        # before this module's imports: ``pathlib`` (imported by the code cache) imports
        # ``urllib.parse``, which imports ``ipaddress``
        for _name in DEFERRED:
            sys.modules.setdefault(_name, _Deferred(_name))

from meshguard import codecache, schemacheck  # noqa: E402
from meshguard.errors import ExitCode, MeshguardError, missing_extra  # noqa: E402
from meshguard.version import __version__  # noqa: E402

if TYPE_CHECKING:
    import click

#: command name → "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "lint": "meshguard.commands.lint:lint",
    "check": "meshguard.commands.check:check",
    "init": "meshguard.commands.init:init",
    "diff": "meshguard.commands.diff:diff",
    "changelog": "meshguard.commands.changelog:changelog",
    "test": "meshguard.commands.test:test",
    "history": "meshguard.commands.history:history",
    "report": "meshguard.commands.report:report",
    "import": "meshguard.commands.importing:import_cmd",
    "policy": "meshguard.commands.policy:policy",
}


def _command_named(args: list[str]) -> str | None:
    """The command a command line runs (``lint`` of ``meshguard --debug lint x``), or None
    (``--help``, ``--version``, a typo): it names that command's own code cache file."""
    for arg in args:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


# before click, PyYAML and the rest compile their patterns; each command keeps its own file, so a
# run loads what its command compiles, not every command's (lint's ~280 KB of a cache that grows
# to ~1 MB once check, test and report have run)
codecache.install_regexes(command=_command_named(sys.argv[1:]) if COMMAND_PROCESS else None)

#: commands that validate contracts (and the configuration) against their JSON Schemas
VALIDATING = frozenset({"lint", "check"})
#: whether commands may fork the schema helper: only a run through :func:`main`
_HELPED = False


def _prepare(cmd_name: str) -> None:
    """What runs before a command's modules load."""
    if _HELPED and cmd_name in VALIDATING and schemacheck.core_free():
        # jsonschema-rs loads in a forked helper while this process imports the command; it
        # builds the schema of the apiVersion ``meshguard init`` writes before it is asked
        from meshguard.contracts import NEWEST, schema_file

        newest = str(schema_file(NEWEST))
        schemacheck.prestart([(newest, newest)])
    codecache.install()  # before the command's modules define their dataclasses


def _settle() -> None:
    """Once the command's modules are loaded: what is loaded now lives as long as the process, so
    later collections (and the last one at exit) leave it alone, as do forked children's; then
    collect as usual."""
    if COMMAND_PROCESS:
        gc.freeze()
        gc.enable()


_GROUP: click.Group | None = None


def group() -> click.Group:
    """The ``meshguard`` click group (built on first use)."""
    global _GROUP
    if _GROUP is None:
        _GROUP = _build_group()
    return _GROUP


def __getattr__(name: str) -> Any:
    """``meshguard.cli.cli``: the click group, built when first asked for."""
    if name == "cli":
        return group()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _build_group() -> click.Group:
    import click

    class LazyGroup(click.Group):
        def list_commands(self, ctx: click.Context) -> list[str]:
            return sorted(COMMANDS)

        def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
            target = COMMANDS.get(cmd_name)
            if target is None:
                return None
            module, _, attr = target.partition(":")
            _prepare(cmd_name)
            command = getattr(importlib.import_module(module), attr)
            _settle()
            assert isinstance(command, click.Command)
            from meshguard.commands.examples import with_examples

            return with_examples(command, cmd_name)

        def invoke(self, ctx: click.Context) -> Any:
            # click ends a run whose standard output was closed (``meshguard check | head``) with
            # exit 1, the code of a failed gate: here it is the output that is unavailable
            try:
                return super().invoke(ctx)
            except BrokenPipeError as exc:
                from meshguard import standardio

                raise standardio.closed_output(exc) from exc

    @click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="meshguard")
    @click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
    @click.pass_context
    def cli(ctx: click.Context, debug: bool) -> None:
        """meshguard: federated computational governance for a data mesh.

        Exit codes: 0 gate passed, 1 gate failed, 2 bad input or usage,
        3 engine, data source or output unavailable (or an optional extra or a required module missing),
        4 internal error (rerun with --debug).
        """
        ctx.ensure_object(dict)
        ctx.obj["debug"] = debug
        if debug:
            os.environ["MESHGUARD_DEBUG"] = "1"

    return cli


#: the environment variable polars' allocator (jemalloc, prefixed) reads its options from
ALLOCATOR = "_RJEM_MALLOC_CONF"


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the group and maps every error to one line and an exit code.

    Run as the process's own command (``argv`` None: the console script, ``python -m
    meshguard``), it then ends the process through :func:`_leave`; called with arguments
    (the tests, a program embedding the command line) it raises :class:`SystemExit`."""
    global _HELPED
    _HELPED = True
    if argv is None:  # this process is meshguard's: no linear algebra in it
        # numpy (pandera imports it) starts a BLAS thread per further core, spinning for a
        # while once started: ~0.05 CPU s of a data check's ~1.2 (read when numpy loads)
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        # polars' allocator (jemalloc, read when polars loads) in one arena: by default each
        # thread of polars' engine takes one of 4 per core, and memory one frees another cannot
        # reuse, so a streamed check's peak RSS grew with the rows (the benchmark's 50M rows:
        # 340 MiB, 1.18x its 5M rows' 289; in one arena, the keys found in place: 268, 1.10x)
        os.environ.setdefault(ALLOCATOR, "narenas:1")
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:  # started with the descriptor closed (``>&-``): discard it
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    code: str | int | None = 0
    try:
        _main(argv)
    except SystemExit as exc:
        if argv is not None:
            raise
        code = exc.code
    finally:
        _HELPED = False
        schemacheck.stop()
    _leave(code)


def _leave(code: str | int | None) -> NoReturn:
    """End the process as the interpreter's exit does, less its teardown.

    At exit the interpreter runs the ``atexit`` callbacks, flushes the standard streams, then
    frees every module and object one by one: about a tenth of a `meshguard lint` or
    pre-commit hook process (~33 M of its ~350 M instructions), for memory the operating
    system takes back anyway. Here the callbacks run, a garbage collection finalizes what
    only reference cycles still hold (an unclosed file flushes, as at exit), the streams are
    flushed and the process ends with ``code``. An exit with a message, live threads to wait
    for or a stream that cannot be flushed (a closed pipe) goes the interpreter's own way,
    which reports it as it always did."""
    threading = sys.modules.get("threading")
    if not isinstance(code, int) or (threading is not None and threading.active_count() > 1):
        sys.exit(code)
    import atexit
    import gc

    atexit._run_exitfuncs()
    gc.collect()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


def _main(argv: list[str] | None) -> None:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:]) or bool(
        os.environ.get("MESHGUARD_DEBUG")
    )
    try:
        rv: Any = _plain_lint(list(argv if argv is not None else sys.argv[1:]))
        if rv is None:
            rv = group().main(args=argv, prog_name="meshguard", standalone_mode=False)
    except (Exception, KeyboardInterrupt) as exc:
        _fail(exc, debug)
        raise  # with --debug: the traceback
    sys.exit(int(rv) if isinstance(rv, int) else 0)


def _fail(exc: BaseException, debug: bool) -> None:
    """Map ``exc`` to one line and an exit code (``sys.exit``); return when it is to be raised
    as it is (``--debug``). click is imported here, not before: a plain lint never loads it
    unless it fails."""
    if isinstance(exc, MeshguardError) and debug:
        return
    import click

    from meshguard import standardio

    standardio.silence(sys.stderr)  # a closed pipe there must not turn the exit code into 1
    if isinstance(exc, MeshguardError):
        click.echo(f"meshguard: error: {exc}", err=True)
        sys.exit(int(exc.exit_code))
    if isinstance(exc, click.exceptions.Abort):
        click.echo("meshguard: aborted", err=True)
        sys.exit(int(ExitCode.BAD_INPUT))
    if isinstance(exc, click.ClickException):
        exc.show()
        sys.exit(int(ExitCode.BAD_INPUT))
    if isinstance(exc, ImportError):  # an optional dependency that is not installed: name its extra
        if debug:
            return
        extra = missing_extra(exc)
        top = (exc.name or "meshguard").partition(".")[0]
        if extra is None and top == "meshguard":  # our own import failing is a bug
            _internal_error(exc)
        if extra is None:  # a required dependency: the installation itself is broken
            click.echo(
                f"meshguard: error: the installation is incomplete: {_one_line(str(exc))} "
                "(reinstall meshguard-odcs)",
                err=True,
            )
            sys.exit(int(ExitCode.UNAVAILABLE))
        click.echo(f"meshguard: error: {extra}", err=True)
        sys.exit(int(extra.exit_code))
    if isinstance(exc, KeyboardInterrupt):
        click.echo("meshguard: interrupted", err=True)
        sys.exit(130)
    if isinstance(exc, UnicodeEncodeError) and not debug:
        if not standardio.encoding_refuses(exc):
            _internal_error(exc)
        char = exc.object[exc.start : exc.start + 1]
        click.echo(
            f"meshguard: error: standard output's encoding ({exc.encoding}) cannot write "
            f"{char!r} (U+{ord(char):04X}): set PYTHONIOENCODING=utf-8, or write the report to a "
            "file (--output FORMAT=PATH)",
            err=True,
        )
        sys.exit(int(ExitCode.UNAVAILABLE))
    if not debug:  # never a traceback for the user unless --debug
        _internal_error(exc)


def _plain_lint(args: list[str]) -> int | None:
    """``meshguard lint [PATH…]`` (no option: the pre-commit hook's command line) run as click
    runs it, without importing click; None for any other command line, which click parses.

    click would convert each PATH to a :class:`~pathlib.Path` after a ``stat``, refusing one
    that exists and cannot be read (that error is click's: such a command line goes to click),
    then run the command with its defaults (``--format text``, no ``--output``, no
    ``--fail-on``, ``--root`` and ``--config``); an interrupt or end of input becomes its
    ``Abort`` after a blank line on stderr, and a closed stdout (``EPIPE``) is the group's
    :class:`~meshguard.errors.OutputUnavailable` (exit 3). So does this."""
    if not _plain_line(args):
        return None
    for arg in args[1:]:
        try:
            os.stat(arg)
        except OSError:
            continue  # click takes it as it is; the lint says what is wrong with it
        except ValueError:
            return None
        if not os.access(arg, os.R_OK):
            return None
    try:
        _prepare("lint")
        from pathlib import Path

        from meshguard.commands.linting import lint_paths
        from meshguard.commands.shared import Outputs, check_formats

        _settle()
        outputs = Outputs("lint")
        check_formats("lint", outputs)
        return lint_paths(tuple(Path(arg) for arg in args[1:]), outputs, None, None, None)
    except (EOFError, KeyboardInterrupt) as exc:
        import click

        click.echo(file=sys.stderr)
        raise click.exceptions.Abort() from exc
    except BrokenPipeError as exc:  # as the group's invoke: an output unavailable
        from meshguard import standardio

        raise standardio.closed_output(exc) from exc


def _internal_error(exc: BaseException) -> NoReturn:
    """One line naming a bug, and exit 4."""
    import click

    detail = _one_line(str(exc))
    click.echo(
        f"meshguard: internal error: {type(exc).__name__}: {detail} "
        "(a bug: rerun with --debug for the traceback)",
        err=True,
    )
    sys.exit(int(ExitCode.INTERNAL))


def _one_line(text: str) -> str:
    """An exception's text on one line, cut to 300 characters."""
    return text[:300].replace("\r", "\\r").replace("\n", "\\n")
