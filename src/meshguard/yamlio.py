"""Safe YAML loading that keeps the line of every node.

Used for contracts, the config file and waivers. Only JSON-compatible values
come out (timestamps stay strings, as ODCS is defined over JSON), duplicate
keys are an error, and alias expansion, nesting depth and file size are
bounded so a hostile file cannot exhaust the machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from meshguard.errors import MeshguardError

Pointer = tuple[str | int, ...]

_TS = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_VALUE = "tag:yaml.org,2002:value"
#: the safe loader's implicit tags of a plain scalar, by its first character ("" for an empty
#: one), each entry followed by the resolvers of any first character (none in PyYAML's own)
_IMPLICIT: dict[str | None, list[tuple[str, Any]]] = yaml.resolver.Resolver.yaml_implicit_resolvers
_ANY_FIRST: tuple[tuple[str, Any], ...] = tuple(_IMPLICIT.get(None, ()))
_BY_FIRST: dict[str, tuple[tuple[str, Any], ...]] = {
    first: (*resolvers, *_ANY_FIRST) for first, resolvers in _IMPLICIT.items() if first is not None
}


class _Tags:
    """The safe loader's tag resolution (``yaml.resolver.Resolver.resolve`` for a loader without
    path resolvers), called by the C composer for every node that has no explicit tag: the same
    regular expressions, picked by the first character, without the generic resolver's per-call
    list building; it also notes whether a merge (``<<``) or value (``=``) key was resolved, the
    only keys ``flatten_mapping`` changes."""

    merges = False

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                assert value is not None
                for tag, regexp in _BY_FIRST.get(value[:1], _ANY_FIRST):
                    if regexp.match(value):
                        if tag in (_MERGE, _VALUE):
                            self.merges = True
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path resolvers: nothing to track."""

    def ascend_resolver(self) -> None:
        """No path resolvers: nothing to track."""


try:  # libyaml's parser and composer: PyYAML's CSafeLoader without its constructor and resolver
    import yaml.cyaml as _cyaml

    _Parser: Any = vars(_cyaml)["CParser"]
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = yaml.SafeLoader


class _Loader(_Tags, _Parser):  # type: ignore[misc]
    """The parser and composer with :class:`_Tags`."""


@dataclass(frozen=True)
class Limits:
    """Size limits a YAML document must stay within (bytes, nesting depth, nodes)."""

    max_bytes: int = 20 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 1_000_000


DEFAULT_LIMITS = Limits()


@dataclass
class LineMap:
    """Maps a JSON pointer (tuple of keys/indexes) to a 1-based (line, column)."""

    positions: dict[Pointer, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Pointer, tuple[int, int]] = field(default_factory=dict)

    def locate(self, pointer: Pointer, *, key: bool = False) -> tuple[int, int] | None:
        """Position of ``pointer``; falls back to its nearest ancestor."""
        table = self.key_positions if key else self.positions
        p = tuple(pointer)
        while True:
            if p in table:
                return table[p]
            if p in self.positions:
                return self.positions[p]
            if not p:
                return None
            p = p[:-1]

    def line(self, pointer: Pointer) -> int | None:
        pos = self.locate(pointer)
        return pos[0] if pos else None


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML document, with the line of every value."""

    data: Any
    lines: LineMap
    path: str


class YamlError(MeshguardError):
    """A YAML file could not be parsed safely."""


#: the constructors of the plain scalars (str and timestamps stay text)
_CONSTRUCTORS: dict[str, Any] = {
    f"tag:yaml.org,2002:{t}": yaml.constructor.SafeConstructor.yaml_constructors[f"tag:yaml.org,2002:{t}"]
    for t in ("null", "bool", "int", "float")
}


_ScalarNode = yaml.ScalarNode
_MappingNode = yaml.MappingNode
_SequenceNode = yaml.SequenceNode


class _Builder:
    def __init__(self, path: str, limits: Limits, *, merges: bool = True) -> None:
        self.path = path
        self.limits = limits
        self.lines = LineMap()
        self.nodes = 0
        self.constructor = yaml.constructor.SafeConstructor()
        #: whether a mapping may hold a merge or value key (``flatten_mapping`` changes nothing else)
        self.merges = merges
        self.max_nodes = limits.max_nodes
        self.max_depth = limits.max_depth

    def _err(self, msg: str, node: yaml.Node, hint: str | None = None) -> YamlError:
        m = node.start_mark
        return YamlError(msg, path=self.path, line=m.line + 1, column=m.column + 1, hint=hint)

    def _count(self, node: yaml.Node, depth: int) -> None:
        """One node more, at ``depth``: within the limits or an error."""
        self.nodes += 1
        if self.nodes > self.max_nodes or depth > self.max_depth:
            self._over(node, depth)

    def _over(self, node: yaml.Node, depth: int) -> None:
        if self.nodes > self.limits.max_nodes:
            raise self._err(
                f"document expands to more than {self.limits.max_nodes} nodes (alias bomb or oversized file)",
                node,
                hint="raise limits.max_nodes in meshguard.yaml if this is intended",
            )
        if depth > self.limits.max_depth:
            raise self._err(
                f"nesting deeper than {self.limits.max_depth} levels",
                node,
                hint="raise limits.max_depth in meshguard.yaml if this is intended",
            )

    def build(self, node: yaml.Node, pointer: Pointer, depth: int) -> Any:
        self._count(node, depth)
        mark = node.start_mark
        positions = self.lines.positions
        positions[pointer] = (mark.line + 1, mark.column + 1)
        kind = type(node)
        if kind is _MappingNode:
            if node.tag != _MAP:
                raise self._err(f"unsupported YAML tag {node.tag}", node)
            if self.merges:
                self.constructor.flatten_mapping(node)  # type: ignore[arg-type]
            key_positions = self.lines.key_positions
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if type(key_node) is not _ScalarNode:
                    raise self._err("mapping keys must be plain scalars", key_node)
                if key_node.tag == _STR:
                    skey = key_node.value
                else:
                    key = self._scalar(key_node)
                    if key is None or isinstance(key, (dict, list)):
                        raise self._err("mapping keys must be strings", key_node)
                    skey = str(key) if not isinstance(key, bool) else str(key).lower()
                if skey in out:
                    raise self._err(
                        f"duplicate key {skey!r}",
                        key_node,
                        hint="YAML would silently keep only the last value",
                    )
                km = key_node.start_mark
                child = (*pointer, skey)
                key_positions[child] = (km.line + 1, km.column + 1)
                if type(value_node) is _ScalarNode:  # most values: built here, not by a call
                    self.nodes += 1
                    if self.nodes > self.max_nodes or depth >= self.max_depth:
                        self._over(value_node, depth + 1)
                    vm = value_node.start_mark
                    positions[child] = (vm.line + 1, vm.column + 1)
                    out[skey] = value_node.value if value_node.tag == _STR else self._scalar(value_node)
                else:
                    out[skey] = self.build(value_node, child, depth + 1)
            return out
        if kind is _SequenceNode:
            if node.tag != _SEQ:
                raise self._err(f"unsupported YAML tag {node.tag}", node)
            return [self.build(v, (*pointer, i), depth + 1) for i, v in enumerate(node.value)]
        if kind is not _ScalarNode:  # pragma: no cover - the composer makes only these three
            raise self._err(f"unsupported YAML node {kind.__name__}", node)
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag in (_STR, _TS):
            return str(node.value)
        construct = _CONSTRUCTORS.get(tag)
        if construct is None:
            raise self._err(f"unsupported YAML tag {node.tag}", node)
        # the scalar constructors directly: construct_object's bookkeeping is for collections
        try:
            value = construct(self.constructor, node)
        except ValueError:  # '0x_' matches YAML 1.1's int pattern, but int('', 16) fails
            raise self._err(
                f"invalid YAML value: {node.value!r} is not a valid {tag.rsplit(':', 1)[1]}", node
            ) from None
        if isinstance(value, float) and not math.isfinite(value):  # NaN and ±inf are not JSON
            return str(node.value)
        return value


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many nodes ``node`` becomes once every alias is expanded (shared subtrees counted once
    each time they are referenced, computed once): O(distinct nodes), not O(expanded size)."""
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = 1  # a cycle counts once (the composer refuses recursive aliases anyway)
    total = 1
    if isinstance(node, yaml.MappingNode):
        for _k, v in node.value:
            total += _expanded_size(v, memo)  # keys are scalars, not counted (as in build)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            total += _expanded_size(v, memo)
    memo[id(node)] = total
    return total


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _compose(text: str) -> tuple[list[yaml.Node | None], bool]:
    """The documents' nodes, and whether a mapping may hold a merge or value key: one resolved
    implicitly, or any explicit tag (every tag starts with ``!``)."""
    loader = _Loader(text)
    try:
        docs = []
        while loader.check_node():
            docs.append(loader.get_node())
        return docs, loader.merges or "!" in text
    finally:
        loader.dispose()


def parse_yaml(text: str, path: str, limits: Limits = DEFAULT_LIMITS) -> YamlDocument:
    """Parse one YAML document from ``text``. Errors are :class:`YamlError`."""
    if len(text) > limits.max_bytes:
        raise YamlError(
            f"file is {len(text)} bytes, over the {limits.max_bytes}-byte limit",
            path=path,
            hint="raise limits.max_bytes in meshguard.yaml if this is intended",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    builder = _Builder(path, limits)
    try:
        docs, builder.merges = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        ctx_mark = exc.context_mark
        if exc.context and ctx_mark is not None and mark is not None and ctx_mark.line != mark.line:
            problem += f" ({exc.context.strip()} started at line {ctx_mark.line + 1})"
        if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
            problem += " (a tab: YAML indentation must use spaces)"
        raise YamlError(
            f"invalid YAML: {problem}",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        ch = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise YamlError(
            f"invalid YAML: character U+{ch:04X} is not allowed ({exc.reason})", path=path, line=line
        ) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {_one_line(exc)}", path=path) from None
    except RecursionError:
        raise YamlError("invalid YAML: nesting too deep", path=path) from None
    if len(docs) > 1:
        raise YamlError("expected one YAML document, found several", path=path)
    if not docs or docs[0] is None:
        return YamlDocument(data=None, lines=builder.lines, path=path)
    try:
        # without a '*' the document has no alias: it expands to the nodes the builder counts
        expanded = _expanded_size(docs[0], {}) if "*" in text else 0
        if expanded > limits.max_nodes:  # an alias bomb is refused before anything is expanded
            raise builder._err(
                f"document expands to more than {limits.max_nodes} nodes (alias bomb or oversized file)",
                docs[0],
                hint="raise limits.max_nodes in meshguard.yaml if this is intended",
            )
        data = builder.build(docs[0], (), 0)
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML value: {_one_line(exc)}", path=path) from None
    except RecursionError:
        raise YamlError("invalid YAML: nesting too deep", path=path) from None
    return YamlDocument(data=data, lines=builder.lines, path=path)


def read_text(path: Path, display: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Read a UTF-8 text file with a size limit and clear errors."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise YamlError("file not found", path=display) from None
    except OSError as exc:
        raise YamlError(f"cannot read file: {exc.strerror}", path=display) from None
    if path.is_dir():
        raise YamlError("is a directory, expected a file", path=display)
    if size > limits.max_bytes:
        raise YamlError(
            f"file is {size} bytes, over the {limits.max_bytes}-byte limit",
            path=display,
            hint="raise limits.max_bytes in meshguard.yaml if this is intended",
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlError(f"cannot read file: {exc.strerror}", path=display) from None
    if b"\x00" in raw[:8192]:
        raise YamlError("binary file, expected UTF-8 YAML text", path=display)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            path=display,
            line=line,
            hint="save the file as UTF-8",
        ) from None


def load_yaml_file(path: Path, display: str | None = None, limits: Limits = DEFAULT_LIMITS) -> YamlDocument:
    shown = display or str(path)
    return parse_yaml(read_text(path, shown, limits), shown, limits)
