"""Third-party extensions, found through entry points (the way pytest finds its plugins).

A distribution adds a source, a report format, a detector or a policy engine by
declaring it in its ``pyproject.toml``; no change to meshguard is needed::

    [project.entry-points."meshguard.reporters"]
    csv = "meshguard_csv:CsvReporter"

Each group names what the built-in registry of that kind holds, as
``"module:attribute"``: a source class (``meshguard.sources``, keyed by ODCS
server type), a reporter class (``meshguard.reporters``, keyed by format name),
a :class:`meshguard.detectors.Detector` (``meshguard.detectors``) and an engine
factory (``meshguard.engines``, keyed by engine kind). A plugin may add names;
it never replaces a built-in one. Entry points are read on first need only, so
a run that uses built-ins alone never scans the installed distributions.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from typing import Any

from meshguard.errors import UsageError

SOURCES = "meshguard.sources"
REPORTERS = "meshguard.reporters"
DETECTORS = "meshguard.detectors"
ENGINES = "meshguard.engines"
GROUPS = (SOURCES, REPORTERS, DETECTORS, ENGINES)


@functools.cache
def entry_points(group: str) -> dict[str, str]:
    """name → "module:attribute" of every installed plugin of ``group``."""
    from importlib.metadata import entry_points as installed

    return {ep.name: ep.value for ep in installed(group=group)}


def registry(group: str, builtins: Mapping[str, str]) -> dict[str, str]:
    """The built-in table of a kind, with the plugins' names added (built-ins win)."""
    return {**entry_points(group), **builtins}


def target(group: str, name: str, builtins: Mapping[str, str]) -> str | None:
    """Where ``name`` lives: a built-in first, else a plugin; None when nobody provides it."""
    found = builtins.get(name)
    return found if found is not None else entry_points(group).get(name)


def load(spec: str, *, group: str = "", name: str = "") -> Any:
    """The object ``"module:attribute"`` names; a plugin that cannot load is a clear usage error."""
    module, _, attr = spec.partition(":")
    try:
        obj: Any = importlib.import_module(module)
        for part in attr.split(".") if attr else ():
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        if not group:
            raise
        raise UsageError(f"plugin {name!r} ({group}) cannot be loaded from {spec!r}: {exc}") from None
    return obj
