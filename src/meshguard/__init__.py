"""meshguard: executable federated governance for a data mesh.

The public Python API (typed; see :mod:`meshguard.api` and docs/architecture.md)::

    import meshguard

    mesh = meshguard.check("governance-repo")          # -> MeshResult
    report = meshguard.lint("governance-repo")         # -> LintResult
    change = meshguard.diff("v1.odcs.yaml", "v2.odcs.yaml")  # -> DiffResult
    exit_code = meshguard.gate(mesh)                   # 0 passed, 1 failed, ...

Importing this package stays cheap: the API is loaded on first use, and heavy
libraries (polars, pandera, duckdb, ibis, opa_client, regorus) are imported only
inside the modules that need them.
"""

from __future__ import annotations

from meshguard.version import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would double this module's cost
if TYPE_CHECKING:
    from typing import Any

    from meshguard.api import (
        CheckOptions,
        DiffResult,
        LintResult,
        check,
        diff,
        gate,
        lint,
    )
    from meshguard.results.model import MeshResult, ProductResult

__all__ = [
    "CheckOptions",
    "DiffResult",
    "LintResult",
    "MeshResult",
    "ProductResult",
    "__version__",
    "check",
    "diff",
    "gate",
    "lint",
]

#: public name → the module it lives in (imported on first use)
_LAZY = {
    "check": "meshguard.api",
    "lint": "meshguard.api",
    "diff": "meshguard.api",
    "gate": "meshguard.api",
    "CheckOptions": "meshguard.api",
    "LintResult": "meshguard.api",
    "DiffResult": "meshguard.api",
    "MeshResult": "meshguard.results.model",
    "ProductResult": "meshguard.results.model",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'meshguard' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
