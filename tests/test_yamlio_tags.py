"""The YAML reader resolves implicit tags itself (``yamlio._Tags``, not PyYAML's generic resolver)
and builds most scalar values inline: every node must get the tag PyYAML's safe loader gives it,
and every value the type and value PyYAML's safe constructor makes of it (timestamps and NaN
kept as text), on real contracts and on generated awkward scalars."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ODCS_EXAMPLES
from meshguard.yamlio import Limits, YamlError, parse_yaml

ROOT = Path(__file__).resolve().parent.parent

#: pieces of plain scalars YAML 1.1 (PyYAML) reads as something other than text, and near misses
_PIECES = """
yes Yes YES no No NO y n on On ON off Off OFF true True TRUE false False FALSE
null Null NULL ~ nULL tRUE
.inf .Inf .INF -.inf +.inf .nan .NaN .NAN .infinity
0 1 -1 +1 007 0o17 0x1F 0x 0b101 0b2 1_000 1__0 190:20:30 1:20 -1:30
1.5 -1.5 1e3 1.0e3 1.0e+3 6.8523015e+5 685.230_15e+03 .5 5. 1.2.3 1,000
2001-12-14 2001-12-14t21:59:43.10-05:00 2001-12-14 21:59:43.10 -5 2002-1-1 2001-13-40
<< = ! & * - + . _ e E x o b : a z
"""
PIECES = _PIECES.split()
MAKERS = (str.lower, str.upper, lambda s: s, lambda s: s.capitalize())


def _safe_tags(node: yaml.Node) -> list[tuple[str, Any]]:
    if isinstance(node, yaml.MappingNode):
        return [("map", node.tag), *(t for k, v in node.value for t in (*_safe_tags(k), *_safe_tags(v)))]
    if isinstance(node, yaml.SequenceNode):
        return [("seq", node.tag), *(t for v in node.value for t in _safe_tags(v))]
    return [(node.value, node.tag)]


def _tags(text: str, loader: Any) -> list[tuple[str, Any]]:
    node = yaml.compose(text, Loader=loader)
    return _safe_tags(node) if node is not None else []


def _expected(text: str) -> Any:
    """What PyYAML's safe constructor makes of the one scalar of ``text`` (as meshguard keeps it:
    NaN and ±inf, which JSON has not, as their text)."""
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    assert isinstance(node, yaml.SequenceNode)
    scalar = node.value[0]
    if not isinstance(scalar, yaml.ScalarNode):
        raise yaml.YAMLError("not one scalar")
    if scalar.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
        return scalar.value
    value = yaml.constructor.SafeConstructor().construct_object(scalar)
    return scalar.value if isinstance(value, float) and not math.isfinite(value) else value


def _candidates(rng: random.Random, count: int) -> list[str]:
    out = list(PIECES)
    for _ in range(count):
        parts = [rng.choice(MAKERS)(rng.choice(PIECES)) for _ in range(rng.randint(1, 3))]
        out.append(rng.choice(("", "", "+", "-", ".", "0", "~")).join(parts))
    return out


def _our_loader() -> Any:
    from meshguard import yamlio

    return yamlio._Loader


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_scalars_get_the_safe_loaders_tags_and_values(seed: int) -> None:
    rng = random.Random(seed)
    checked = 0
    for s in _candidates(rng, 1500):
        for text in (f"- {s}\n", f"{s}: v\nk: {s}\n", f"[{s}, '{s}', x]\n"):
            try:
                expected = _tags(text, yaml.CSafeLoader)
            except yaml.YAMLError:
                with pytest.raises(yaml.YAMLError):
                    _tags(text, _our_loader())
                continue
            assert _tags(text, _our_loader()) == expected, text
            checked += 1
        try:
            want = _expected(f"- {s}\n")
        except yaml.YAMLError:
            continue
        got = parse_yaml(f"- {s}\n", "x.yaml").data[0]
        assert (type(got), got) == (type(want), want), s
    assert checked > 3000


def test_contracts_get_the_safe_loaders_tags() -> None:
    own = [
        *sorted((ROOT / "contracts").rglob("*.yaml")),
        *sorted((ROOT / "tests" / "fixtures").rglob("*.yaml")),
        ROOT / "meshguard.yaml",
        ROOT / "waivers.yaml",
    ]
    assert len(own) >= 10
    # the official examples, where the checkout has them beside it (a clean clone in CI has not)
    examples = sorted(ODCS_EXAMPLES.rglob("*.yaml"))
    assert examples or not ODCS_EXAMPLES.is_dir()
    files = own + examples
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert _tags(text, _our_loader()) == _tags(text, yaml.CSafeLoader), f


def test_keys_merges_and_value_keys_build_as_before() -> None:
    doc = parse_yaml(
        "base: &b {a: 1, on: 2}\nx:\n  <<: *b\n  c: [yes, 0x1F, '0x1F', .inf, ~, 2001-12-14]\n=: 3\n1: one\n",
        "m.yaml",
    )
    assert doc.data == {
        "base": {"a": 1, "true": 2},
        "x": {"a": 1, "true": 2, "c": [True, 31, "0x1F", ".inf", None, "2001-12-14"]},
        "=": 3,
        "1": "one",
    }
    # explicit tags: a merge written as a tag is flattened too
    tagged = parse_yaml("b: &b {a: 1}\nx: {!!merge '<<': *b, c: 2}\n", "t.yaml")
    assert tagged.data["x"] == {"a": 1, "c": 2}


def test_scalar_values_keep_their_positions_and_limits() -> None:
    doc = parse_yaml("a:\n  b: 1\n  c:\n    - x\n", "p.yaml")
    assert doc.lines.positions[("a", "b")] == (2, 6)
    assert doc.lines.key_positions[("a", "b")] == (2, 3)
    assert doc.lines.positions[("a", "c", 0)] == (4, 7)
    assert parse_yaml("a: {b: 1}\n", "d.yaml", Limits(max_depth=2)).data == {"a": {"b": 1}}
    with pytest.raises(YamlError) as deep:
        parse_yaml("a: {b: {c: 1}}\n", "d.yaml", Limits(max_depth=2))
    assert (deep.value.line, deep.value.column, "deeper than 2" in str(deep.value)) == (1, 12, True)
    with pytest.raises(YamlError) as many:
        parse_yaml("a: 1\nb: 2\nc: 3\n", "n.yaml", Limits(max_nodes=3))
    assert (many.value.line, many.value.column, "more than 3 nodes" in str(many.value)) == (3, 4, True)


@pytest.mark.parametrize(
    ("text", "where"),
    [("a: 0x_\n", (1, 4)), ("- -0b_\n", (1, 3)), ("k:\n  +0x__: 1\n", (2, 3)), ("[1, 0b_]\n", (1, 5))],
)
def test_a_scalar_the_safe_constructor_cannot_build_is_a_clear_error(
    text: str, where: tuple[int, int]
) -> None:
    """``0x_`` and ``0b_`` match YAML 1.1's int pattern, but PyYAML's constructor then raises a
    bare ValueError (``int('', 16)``): a YamlError at the scalar, not an internal error."""
    with pytest.raises(ValueError):
        yaml.load(text, Loader=yaml.CSafeLoader)  # PyYAML itself cannot build it
    with pytest.raises(YamlError) as bad:
        parse_yaml(text, "v.yaml")
    assert (bad.value.line, bad.value.column) == where
    assert "not a valid int" in str(bad.value)
