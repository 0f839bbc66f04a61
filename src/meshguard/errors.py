"""One exception hierarchy; every class carries the exit code it maps to.

Exit codes (stable, documented in README and docs/ci.md):
    0  gate passed
    1  gate failed (findings that block)
    2  bad input or usage (malformed contract, config, policy, arguments)
    3  an engine or a data source is unavailable (fail closed)
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    PASSED = 0
    FAILED = 1
    BAD_INPUT = 2
    UNAVAILABLE = 3


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
        # always one line, even when the message quotes a hostile key or value with line breaks
        return text.replace("\r", "\\r").replace("\n", "\\n")


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


class EngineUnavailable(UnavailableError):
    """The policy engine failed, timed out or answered garbage."""


class SourceUnavailable(UnavailableError):
    """A data source (database, file system) cannot be reached."""


class OutputUnavailable(UnavailableError):
    """A report or the run history cannot be written (disk full, read-only file system...)."""
