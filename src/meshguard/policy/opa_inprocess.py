"""The ``opa-inprocess`` engine: OPA's own evaluator, with no server.

OPA's Go ``rego`` package, embedded as a shared library by the optional
``opa-golib-python-bindings`` package (imported lazily; it is not a
dependency of meshguard). It gives exactly OPA's semantics — the same
compiler, type checker and evaluator as an OPA server — without running one.

Install it with ``pip install --no-deps --ignore-requires-python
opa-golib-python-bindings`` (its metadata asks for Python 3.14; its
stdlib-only ctypes wrapper runs on 3.11). Evaluations run in the same worker
processes as the embedded engine (see :mod:`meshguard.policy.worker`), so a
runaway policy is stopped by ``engine.timeout`` the same way.

:class:`OpaCore` is also the oracle the test suite holds the embedded engine
(regorus) to: same modules, same data, same input, same ``data.meshguard``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from meshguard.config import Config
from meshguard.errors import EngineUnavailable, PolicyError
from meshguard.policy.bundle import Module, PolicyBundle
from meshguard.policy.engine import ROOT, Decisions, decide_per_rule, flatten_tree
from meshguard.stages import PolicyContext

INSTALL_HINT = (
    "the opa-inprocess engine needs OPA's evaluator: "
    "pip install --no-deps --ignore-requires-python opa-golib-python-bindings"
)

#: builtins that could reach outside the process: OPA's own definitions cannot be replaced
#: from the bindings, so a module calling one is refused when it is loaded
DISABLED_BUILTINS: tuple[str, ...] = ("http.send", "net.lookup_ip_addr")

_STRINGS = re.compile(r'"(?:\\.|[^"\\\n])*"|`[^`]*`')
_COMMENT = re.compile(r"#[^\n]*")
_CALL = re.compile(r"\b(" + "|".join(re.escape(b) for b in DISABLED_BUILTINS) + r")\s*\(")


def disabled_call(text: str) -> tuple[str, int] | None:
    """The first call of a disabled builtin in a module's text (strings and comments ignored)."""
    blank = _STRINGS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    blank = _COMMENT.sub("", blank)
    m = _CALL.search(blank)
    return (m.group(1), blank.count("\n", 0, m.start()) + 1) if m else None


# "path/file.rego:12: rego_type_error: undefined function data.lib.f"
_LOCATED = re.compile(
    r"(?P<path>[^\s:][^:\n]*?):(?P<line>\d+):\s*(?P<code>rego_\w+|eval_\w+):\s*(?P<msg>[^\n]+)"
)


def compile_error(text: str) -> tuple[str, str | None, int | None]:
    """``(message, path, line)`` of the first error in an OPA error text."""
    m = _LOCATED.search(text)
    if m is None:
        head = text.split("error occurred:", 1)[-1].strip()
        return (head.splitlines()[0] if head else "error"), None, None
    return f"{m.group('code')}: {m.group('msg').strip()}", m.group("path"), int(m.group("line"))


def _bindings() -> Any:
    try:
        import opa_bindings
    except (ImportError, OSError) as exc:  # OSError: the shared library cannot be loaded
        raise EngineUnavailable(f"{INSTALL_HINT} ({type(exc).__name__}: {exc})") from None
    return opa_bindings


class OpaCore:
    """OPA's evaluator loaded with modules + data: the same role as :class:`~meshguard.policy.rego.RegoCore`."""

    def __init__(self, engine: Any, rules: tuple[str, ...]) -> None:
        self._engine = engine
        self._error = _bindings().OpaError
        self.rules = rules

    @classmethod
    def load(cls, modules: Iterable[Module], data: dict[str, Any], rules: Iterable[str] = ()) -> OpaCore:
        """Parse and compile every module together (as OPA does for a bundle); a parse,
        compile or type error is a :class:`PolicyError` naming the module and line."""
        lib = _bindings()
        engine = lib.OpaEngine()
        for m in modules:
            call = disabled_call(m.text)
            if call is not None:
                raise PolicyError(f"{call[0]} is disabled in meshguard policies", path=m.path, line=call[1])
            try:
                engine.add_policy(m.path, m.text)
            except lib.OpaError as exc:
                message, path, line = compile_error(exc.message)
                raise PolicyError(message, path=path or m.path, line=line) from None
        if data:
            engine.add_data(data)
        try:  # compiles the whole set, as an OPA server does on each policy upload
            engine.eval_query("true")
        except lib.OpaError as exc:
            message, path, line = compile_error(exc.message)
            raise PolicyError(message, path=path, line=line) from None
        return cls(engine, tuple(rules))

    def query(self, query: str, input_json: str | None = None) -> Any:
        """The value of a reference such as ``data.pkg.rule``; None when undefined.
        An evaluation error raises RuntimeError with OPA's message."""
        doc = json.loads(input_json) if input_json is not None else None
        try:
            rows = self._engine.eval_query(f"__value__ = {query}", doc)
        except self._error as exc:
            raise RuntimeError(exc.message) from None
        if not rows:
            return None
        return rows[0].get("__value__")

    def evaluate(self, input_json: str) -> Decisions:
        """Every decision rule under ``data.meshguard`` for one input; on an evaluation
        error, rule by rule (the failing ones reported as errored)."""
        try:
            tree = self.query(f"data.{ROOT}", input_json)
        except RuntimeError:
            return self._per_rule(input_json)
        values = flatten_tree(tree if tree is not None else {})
        if values is None:
            raise RuntimeError(f"data.{ROOT} is not an object of rule sets")
        return Decisions(values=values)

    def _per_rule(self, input_json: str) -> Decisions:
        return decide_per_rule(self.rules, lambda q: self.query(q, input_json), lambda e: compile_error(e)[0])

    def close(self) -> None:
        self._engine.close()


def open_opa_inprocess(bundle: PolicyBundle, config: Config, run: PolicyContext) -> Any:
    from meshguard.policy.embedded import EmbeddedEngine

    _bindings()  # a missing install is a clear exit 3 before any worker starts
    core = f"{OpaCore.__module__}:{OpaCore.__name__}"
    return EmbeddedEngine(bundle, config.engine.timeout, core=core, name="opa-inprocess")
