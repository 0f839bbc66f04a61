"""The standard pack's decisions through regorus's compiled form (its Rego virtual machine).

regorus compiles Rego modules into a program for its virtual machine (RVM): the
pack's decisions for one product then cost about a third of the interpreter's CPU
(references through imports written out first: :func:`direct`).
The two evaluators decide alike wherever evaluation does not fail; where a rule
fails (a builtin error, conflicting values of a complete rule) the interpreter
raises, and meshguard reports the rule as errored, but the VM makes the failing
expression undefined, as OPA's non-strict mode does: a failing ``deny`` would
pass in silence. So the VM only decides for bundles whose evaluation cannot
fail: the standard pack's own modules, unchanged (a subset of them is fine),
with data of the shipped shape. The pack is written to decide every input,
never to fail (``lib.rego``), and the tests hold its decisions through the VM
to OPA's own evaluator on generated inputs. Every other bundle is decided by
the interpreter alone, and so is any product the VM cannot answer: the VM
stops after a fixed number of instructions (products of ~100 fields and
more), or a decision rule of its answer holds its marker of an undefined value.
"""

from __future__ import annotations

import functools
import json
import re

from meshguard.policy.tree import ROOT, is_decision_rule

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the policy worker imports this module, and typing is costly
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from meshguard.policy.bundle import PolicyBundle
    from meshguard.policy.tree import Module

#: the package of the one rule the program runs (outside ``data.meshguard``, so not a decision)
ENTRY = "meshguard_compiled"
#: how the VM writes an undefined value inside an answer
_UNDEFINED = '"<undefined>"'
_PACKAGE = re.compile(r"^package\s+([A-Za-z_][\w.]*)\s*$", re.MULTILINE)
#: the head of a decision rule: at the start of a line, as the METADATA scanner reads rule heads
_DECISION_HEAD = re.compile(r"^(?:default\s+)?([A-Za-z_]\w*)\b", re.MULTILINE)
#: ``import data.a.b`` without ``as``: the path after ``data.``
_IMPORT = re.compile(r"^import\s+data\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)[ \t]*(?:#.*)?$", re.MULTILINE)


def _shape(value: Any) -> Any:
    """The JSON types of ``value``, key by key (lists: the set of their items' shapes)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return ("list", frozenset(json.dumps(_shape(v), sort_keys=True, default=str) for v in value))
    if isinstance(value, bool) or value is None:
        return type(value).__name__
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


@functools.cache
def _standard() -> tuple[frozenset[str], Any]:
    """The texts of the standard pack's modules and the shape of its data, read from its files."""
    from meshguard.policy.bundle import DATA_FILES, builtin_pack_path
    from meshguard.yamlio import load_yaml_file

    pack = builtin_pack_path()
    texts = frozenset(
        p.read_text(encoding="utf-8") for p in pack.glob("*.rego") if not p.name.endswith("_test.rego")
    )
    data: Any = next(
        (load_yaml_file(p, p.name).data for p in map(pack.joinpath, DATA_FILES) if p.exists()), {}
    )
    return texts, _shape(data or {})


def compilable(bundle: PolicyBundle) -> bool:
    """Whether the VM may decide for ``bundle``: only the standard pack's modules, unchanged,
    and data of the shipped shape (see the module's docstring)."""
    texts, shape = _standard()
    return (
        bool(bundle.modules) and all(m.text in texts for m in bundle.modules) and _shape(bundle.data) == shape
    )


def decisions_query(modules: Iterable[Module]) -> str | None:
    """An object of every decision rule of ``modules`` (``{"gdpr": {"deny_region":
    data.meshguard.gdpr.deny_region, …}, …}``): the decisions of the interpreter's tree query
    without its helper rules, so the program evaluates a helper only where a decision needs it
    (the tree cost about 1.4x as much on the pack). None when the modules hold no decision rule
    under ``data.meshguard``. One entry per line: regorus refuses lines over 1,024 columns."""
    tree: dict[str, Any] = {}
    for m in modules:
        package = _PACKAGE.search(m.text)
        parts = package.group(1).split(".") if package else []
        if not parts or parts[0] != ROOT:
            continue
        for name in _DECISION_HEAD.findall(m.text):
            if is_decision_rule(name):
                node = tree
                for part in parts[1:]:
                    node = node.setdefault(part, {})
                node[name] = f"data.{'.'.join(parts)}.{name}"

    def literal(node: dict[str, Any]) -> str:
        items = (f"{json.dumps(k)}: {literal(v) if isinstance(v, dict) else v}" for k, v in node.items())
        return "{\n" + ",\n".join(items) + "\n}"

    return literal(tree) if tree else None


def direct(text: str) -> str:
    """``text`` with each reference through an import (``lib.fields`` under ``import
    data.meshguard.lib``) written as its full path (``data.meshguard.lib.fields``), which is
    what the import means. regorus compiles a reference through an import as a lookup of the
    whole imported package: every helper rule of ``lib`` evaluated and gathered into one object
    per decision, about half the pack's cost; the full path is one call of one cached rule.
    Strings and comments are left alone, and so are imports with ``as`` (the standard pack, the
    only one compiled, has none)."""
    for path in _IMPORT.findall(text):
        name = path.rpartition(".")[2]
        ref = re.compile(rf'("(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*)|(?<![\w.]){name}\.')
        text = ref.sub(functools.partial(_written, f"data.{path}."), text)
    return text


def _written(full: str, match: re.Match[str]) -> str:
    """A string or comment as it is; a reference through the import as ``full`` (:func:`direct`)."""
    return match.group(1) or full


def sources(modules: Iterable[Module], query: str) -> list[tuple[str, str]]:
    """What the program is compiled from: the modules (references through imports written out,
    :func:`direct`), and the one rule answering the decisions of ``query`` (the interpreter's
    tree query): its decision rules alone, :func:`decisions_query`."""
    out = [(m.path, direct(m.text)) for m in modules]
    entry = decisions_query(modules) or query
    out.append((f"{ENTRY}.rego", f"package {ENTRY}\n\ndecisions := {entry}\n"))
    return out


def build(modules: Iterable[Module], data: dict[str, Any], query: str) -> Any | None:
    """regorus's program answering ``query`` over ``modules`` and ``data``, or None when its
    compiler refuses them."""
    import regorus

    try:
        return regorus.Program.compile_from_modules(
            json.dumps(data), sources(modules, query), [f"data.{ENTRY}.decisions"]
        )
    except Exception:  # regorus raises plain RuntimeError for what its compiler lacks
        return None


class CompiledTree:
    """One compiled program and its VM: the decisions tree of one input document at a time."""

    def __init__(self, vm: Any) -> None:
        self._vm = vm

    @classmethod
    def compile(cls, modules: Iterable[Module], data: dict[str, Any], query: str) -> CompiledTree | None:
        """The program answering ``query`` (the interpreter's tree query), or None when regorus
        cannot compile the modules (the interpreter then decides alone)."""
        program = build(modules, data, query)
        return cls.run(program, data) if program is not None else None

    @classmethod
    def run(cls, program: Any, data: dict[str, Any]) -> CompiledTree | None:
        """A VM running ``program`` (compiled here, or read back by :mod:`meshguard.policy.programcache`)
        over ``data``; None when regorus refuses it."""
        import regorus

        try:
            vm = regorus.Rvm()
            vm.load_program(program)
            vm.set_data_json(json.dumps(data))
        except Exception:  # regorus raises plain RuntimeError
            return None
        return cls(vm)

    def tree(self, input_json: str) -> Any | None:
        """The decisions tree for one input, or None when the VM cannot answer it."""
        raw = self._execute(input_json)
        if raw is None:
            return None
        tree = json.loads(raw)
        if _UNDEFINED in raw and not _defined(tree):
            return None
        return tree

    def raw(self, input_json: str) -> str | None:
        """The decisions tree for one input as the VM writes it (a JSON object), or None when it
        is no object, holds the VM's undefined marker anywhere (:meth:`tree` then tells) or the
        VM cannot answer."""
        raw = self._execute(input_json)
        return raw if raw is not None and raw.startswith("{") and _UNDEFINED not in raw else None

    def _execute(self, input_json: str) -> str | None:
        try:
            self._vm.set_input_json(input_json)
            raw: str = self._vm.execute_entry_point(f"data.{ENTRY}.decisions")
        except Exception:  # its instruction limit, or anything else: the interpreter decides
            return None
        return raw


def _defined(tree: Any) -> bool:
    """Whether no decision rule of the tree holds the VM's undefined marker (helper rules may:
    an undefined helper is left out of the interpreter's answer, and ignored)."""
    if not isinstance(tree, dict):
        return True
    for key, value in tree.items():
        if is_decision_rule(key) and not isinstance(value, dict):
            if _UNDEFINED in json.dumps(value):
                return False
        elif not _defined(value):
            return False
    return True
