"""One exception hierarchy; every class carries the exit code it maps to.

Exit codes (stable, documented in README and docs/ci.md):
    0  gate passed
    1  gate failed (findings that block)
    2  bad input or usage (malformed contract, config, policy, arguments)
    3  an engine or a data source is unavailable (fail closed), or an optional extra
       it needs is not installed
    4  internal error (a bug in meshguard: one line, rerun with --debug for the traceback;
       the run is not recorded in the history)
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    PASSED = 0
    FAILED = 1
    BAD_INPUT = 2
    UNAVAILABLE = 3
    INTERNAL = 4


#: the distribution name on the package index (the command and the import package are ``meshguard``)
DIST = "meshguard-odcs"


class MeshguardError(Exception):
    """Base class. ``str(err)`` is the one line shown to the user."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        # always one line, even when the message quotes a hostile key or value with line breaks,
        # and no command to a CI runner in it (:mod:`meshguard.printsafe`)
        from meshguard.printsafe import inert

        return inert(text.replace("\r", "\\r").replace("\n", "\\n"))


class UsageError(MeshguardError):
    """Wrong arguments or options."""


class ConfigError(MeshguardError):
    """meshguard.yaml / [tool.meshguard] is malformed."""


class ContractError(MeshguardError):
    """A contract file cannot be read or parsed at all."""


class PolicyError(MeshguardError):
    """A policy file cannot be parsed or a policy test setup is broken."""


class WaiverError(MeshguardError):
    """waivers.yaml is malformed."""


class DataError(MeshguardError):
    """Data exists but cannot be read as the contract describes (bad encoding, empty...)."""


class UnavailableError(MeshguardError):
    """An engine or source cannot be reached. Fails the gate closed."""

    exit_code = ExitCode.UNAVAILABLE


class MissingExtra(UnavailableError):
    """An optional dependency is not installed: one line naming the extra that installs it."""

    def __init__(
        self, what: str, extra: str | None = None, *, path: str | None = None, line: int | None = None
    ) -> None:
        # ``extra`` None: ``what`` is the whole message (an exception unpickled from a pool worker)
        message = (
            what if extra is None else f"{what} needs the {extra!r} extra: pip install '{DIST}[{extra}]'"
        )
        super().__init__(message, path=path, line=line)
        self.extra = extra


#: top-level module of an optional dependency → the extra that installs it
OPTIONAL_MODULES: dict[str, str] = {
    "psycopg": "postgres",
    "psycopg_binary": "postgres",
    "pyspark": "spark",
    "datacontract": "datacontract",
}


def missing_extra(exc: ImportError, what: str | None = None) -> MissingExtra | None:
    """The :class:`MissingExtra` for an import of an optional dependency that failed, else None."""
    top = (exc.name or "").partition(".")[0]
    extra = OPTIONAL_MODULES.get(top)
    if extra is None:
        return None
    return MissingExtra(what or f"this needs {top}, which", extra)


class EngineUnavailable(UnavailableError):
    """The policy engine failed, timed out or answered garbage."""


class SourceUnavailable(UnavailableError):
    """A data source (database, file system) cannot be reached."""


class OutputUnavailable(UnavailableError):
    """A report or the run history cannot be written (disk full, read-only file system...)."""
