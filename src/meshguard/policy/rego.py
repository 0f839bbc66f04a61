"""The in-process Rego core over regorus (PyPI ``gordon-to-regorus``, imported lazily).

Loads a bundle's modules and data once; :meth:`RegoCore.clone` gives an
independent copy without re-parsing (one per thread). ``http.send`` is
replaced by a function that always fails, so a policy can never reach the
network; regorus has no file-reading builtins. Error messages lose the Rust
backtrace that regorus appends when ``RUST_BACKTRACE`` is set.
"""

from __future__ import annotations

import json
import re

from meshguard.errors import PolicyError
from meshguard.policy.tree import ROOT, flatten_tree, per_rule

# The policy worker imports this module: no typing, dataclasses or engine module at run time.
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would double the worker's imports
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from meshguard.policy.compiled import CompiledTree
    from meshguard.policy.engine import Decisions
    from meshguard.policy.tree import Module


#: builtins that could reach outside the process; each is replaced by a failing function
DISABLED_BUILTINS: dict[str, int] = {"http.send": 1}

#: the pack's helper package (``data.meshguard.lib``): functions and helper rules only
HELPERS = "lib"
_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)", re.MULTILINE)
_DECISION_HEAD = re.compile(r"^\s*(?:deny|warn|violation)", re.MULTILINE)

_LOCATION = re.compile(r"-->\s*(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+)")
_ERROR_LINE = re.compile(r"^error:\s*(?P<msg>.+)$", re.MULTILINE)


def clean_error(text: str) -> str:
    """Drop the Rust backtrace (and blank lines) regorus appends to its messages."""
    head = re.split(r"\n\s*(?:Stack backtrace:|stack backtrace:)", text, maxsplit=1)[0]
    return "\n".join(line for line in head.splitlines() if line.strip()).strip()


def error_summary(text: str) -> tuple[str, str | None, int | None, int | None]:
    """One-line message and (path, line, column) of a regorus error, when it names them."""
    cleaned = clean_error(text)
    loc = _LOCATION.search(cleaned)
    msg = _ERROR_LINE.search(cleaned)
    message = msg.group("msg").strip() if msg else (cleaned.splitlines()[-1] if cleaned else "error")
    if loc:
        return message, loc.group("path").strip(), int(loc.group("line")), int(loc.group("col"))
    return message, None, None, None


def tree_query(modules: Iterable[Module]) -> str:
    """The query for every decision of one input: ``data.meshguard``, less the helper package
    when no module of it has a line starting like a decision rule. The helpers (typed copies of
    the input, field sets) are most of the answer, and parsing them back cost ~9 % of a decision."""
    helpers = f"{ROOT}.{HELPERS}"
    for m in modules:
        found = _PACKAGE.search(m.text)
        package = found.group(1) if found else ""
        if (package == helpers or package.startswith(helpers + ".")) and _DECISION_HEAD.search(m.text):
            return f"data.{ROOT}"
    return f'{{k: v | some k, v in data.{ROOT}; k != "{HELPERS}"}}'


def _disabled(name: str) -> Any:
    def fail(*_args: Any) -> Any:
        raise PermissionError(f"{name} is disabled in meshguard policies")

    return fail


def _interpreter(modules: list[Module], data: dict[str, Any]) -> Any:
    """regorus's interpreter loaded with ``modules`` and ``data`` (syntax errors: PolicyError)."""
    import regorus

    engine = regorus.Engine()
    for name, nargs in DISABLED_BUILTINS.items():
        engine.add_extension(name, nargs, _disabled(name))
    for m in modules:
        try:
            engine.add_policy(m.path, m.text)
        except Exception as exc:  # regorus raises plain RuntimeError/ValueError
            message, path, line, col = error_summary(str(exc))
            raise PolicyError(message, path=path or m.path, line=line, column=col) from None
    if data:
        engine.add_data_json(json.dumps(data))
    return engine


class RegoCore:
    """A loaded regorus engine: modules + data, ready to evaluate inputs."""

    def __init__(
        self,
        engine: Any,
        rules: tuple[str, ...],
        tree_query: str = f"data.{ROOT}",
        compiled: CompiledTree | None = None,
    ) -> None:
        self._engine = engine  # None until needed when a stored program decides (see load)
        self.rules = rules  # "meshguard.pkg.rule" of every decision rule
        self._tree_query = tree_query
        self._compiled = compiled
        self._pending: str | None = None  # the input the compiled program last decided
        #: modules, data and how many more decisions before the program is compiled
        self._sources: tuple[list[Module], dict[str, Any], int] | None = None
        #: what the interpreter is loaded from when it is first needed
        self._deferred: tuple[list[Module], dict[str, Any]] | None = None

    @classmethod
    def load(
        cls,
        modules: Iterable[Module],
        data: dict[str, Any],
        rules: Iterable[str] = (),
        *,
        compiled: bool = False,
        compile_after: int = 0,
        program: str | None = None,
    ) -> RegoCore:
        """``compiled``: decide through regorus's compiled program too (only for bundles
        :func:`meshguard.policy.compiled.compilable` accepts: see that module), compiled once
        ``compile_after`` decisions were made by the interpreter (compiling costs about as
        much as 15 decisions: a run of one product, the pre-commit hook's, does not pay it).
        ``program``: the bundle's hash, under which :mod:`meshguard.policy.programcache` keeps
        the program between runs: read back (or compiled now and stored), it decides from the
        first product, and the interpreter is loaded only when the program cannot answer."""
        modules = list(modules)
        query = tree_query(modules)
        if compiled and program:
            stored = _stored_program(modules, data, query, program)
            if stored is not None:
                core = cls(None, tuple(rules), query, stored)
                core._deferred = (modules, data)
                return core
        core = cls(_interpreter(modules, data), tuple(rules), query)
        if compiled:
            core._sources = (modules, data, compile_after)
            if compile_after <= 0:
                core._compile_when_due()
        return core

    def _interpreter(self) -> Any:
        if self._engine is None:
            assert self._deferred is not None
            self._engine = _interpreter(*self._deferred)
            self._deferred = None
        return self._engine

    def _compile_when_due(self) -> None:
        assert self._sources is not None
        modules, data, left = self._sources
        if left > 0:
            self._sources = (modules, data, left - 1)
            return
        from meshguard.policy.compiled import CompiledTree

        self._sources = None
        self._compiled = CompiledTree.compile(modules, data, self._tree_query)

    def clone(self) -> RegoCore:
        """An independent copy of the interpreter (the compiled program is not copied)."""
        if self._pending is not None:
            self._interpreter().set_input_json(self._pending)
        return RegoCore(self._interpreter().clone(), self.rules, self._tree_query)

    def query(self, query: str, input_json: str | None = None) -> Any:
        """Evaluate ``query``; returns its value, or None when undefined. Errors raise RuntimeError
        with the cleaned message."""
        if input_json is None:
            input_json = self._pending  # the input of the last evaluate(), when the program decided it
        self._pending = None
        engine = self._interpreter()
        if input_json is not None:
            engine.set_input_json(input_json)
        try:
            raw = engine.eval_query_as_json(query)
        except Exception as exc:
            raise RuntimeError(clean_error(str(exc))) from None
        result = json.loads(raw).get("result")
        if not result:
            return None
        return result[0]["expressions"][0]["value"]

    def evaluate(self, input_json: str) -> Decisions:
        """Every decision rule under ``data.meshguard`` for one input (see :meth:`decide`)."""
        from meshguard.policy.engine import Decisions

        values, errors = self.decide(input_json)
        return Decisions(values=values, errors=errors)

    def decide_raw(self, input_json: str) -> str | None:
        """The compiled program's decisions tree for one input, as JSON, when it answers it
        whole (no undefined value anywhere): what :meth:`decide` flattens, left to the reader
        (:func:`meshguard.policy.tree.flatten_tree`) so the worker neither reads nor rewrites it.
        None when :meth:`decide` must decide (no program yet, or one it cannot answer)."""
        if self._sources is not None or self._compiled is None:
            return None
        raw = self._compiled.raw(input_json)
        if raw is not None:
            self._pending = input_json
        return raw

    def decide(self, input_json: str) -> tuple[dict[str, list[Any]], dict[str, str]]:
        """Every decision rule under ``data.meshguard`` for one input, in one query:
        (findings by rule, errors by rule).

        When the query fails (a builtin error in some rule), each rule is
        evaluated on its own so the failing ones are reported as errored and
        the others still give their findings. The compiled program, when there is one,
        answers first; the interpreter decides what it cannot answer.
        """
        if self._sources is not None:
            self._compile_when_due()
        tree = self._compiled.tree(input_json) if self._compiled is not None else None
        if tree is not None:
            self._pending = input_json
        else:
            self._pending = None
            self._interpreter().set_input_json(input_json)
            try:
                tree = self.query(self._tree_query)
            except RuntimeError:
                return per_rule(self.rules, self.query, lambda e: error_summary(e)[0])
        values = flatten_tree(tree if tree is not None else {})
        if values is None:
            raise RuntimeError(f"data.{ROOT} is not an object of rule sets")
        return values, {}


def _stored_program(
    modules: list[Module], data: dict[str, Any], query: str, bundle_hash: str
) -> CompiledTree | None:
    """The program of this bundle: read back from :mod:`meshguard.policy.programcache`, or compiled
    now and stored there; None when nothing can be stored (the caller compiles later, if at all)."""
    from meshguard.policy import programcache
    from meshguard.policy.compiled import CompiledTree, build, sources

    wanted = programcache.key(sources(modules, query), json.dumps(data))
    program = programcache.fetch(bundle_hash, wanted)
    if program is None:
        if not programcache.writable():
            return None
        program = build(modules, data, query)
        if program is None:
            return None
        programcache.store(bundle_hash, wanted, program)
    return CompiledTree.run(program, data)
