"""ODCS quality operators, in-process: every operator on both sides of its boundary, its wording,
and the validation of the rule that carries it."""

from __future__ import annotations

from typing import Any

import pytest

from meshguard.quality.operators import OPERATORS, BadCondition, Condition, condition

# operator, value, measured values that hold, measured values that do not
CASES: list[tuple[str, Any, list[float], list[float]]] = [
    ("mustBe", 5, [5, 5.0], [4, 6, 4.999]),
    ("mustNotBe", 5, [4, 6], [5]),
    ("mustBeGreaterThan", 5, [5.001, 6], [5, 4]),
    ("mustBeGreaterOrEqualTo", 5, [5, 6], [4.999]),
    ("mustBeGreaterThanOrEqualTo", 5, [5, 6], [4.999]),
    ("mustBeLessThan", 5, [4.999, 4], [5, 6]),
    ("mustBeLessOrEqualTo", 5, [5, 4], [5.001]),
    ("mustBeLessThanOrEqualTo", 5, [5, 4], [5.001]),
    ("mustBeBetween", (2, 5), [2, 3, 5], [1.999, 5.001]),
    ("mustNotBeBetween", (2, 5), [1.999, 5.001], [2, 3, 5]),
]


@pytest.mark.parametrize(("op", "value", "holds", "fails"), CASES, ids=[c[0] for c in CASES])
def test_each_operator_on_both_sides_of_its_boundary(
    op: str, value: Any, holds: list[float], fails: list[float]
) -> None:
    c = Condition(op, value)
    assert [c.holds(m) for m in holds] == [True] * len(holds)
    assert [c.holds(m) for m in fails] == [False] * len(fails)


def test_every_operator_is_covered_and_worded() -> None:
    assert {c[0] for c in CASES} == set(OPERATORS)
    assert [Condition(op, v).text for op, v, _, _ in CASES] == [
        "= 5",
        "!= 5",
        "> 5",
        ">= 5",
        ">= 5",
        "< 5",
        "<= 5",
        "<= 5",
        "between 2 and 5",
        "not between 2 and 5",
    ]


def test_holds_returns_a_real_bool() -> None:
    assert Condition("mustBe", 1).holds(1) is True
    assert Condition("mustBeBetween", (1, 2)).holds(3) is False


def test_condition_reads_one_operator_or_the_default() -> None:
    default = Condition("mustBe", 0)
    assert condition({"metric": "nullValues"}, default) is default
    assert condition({"metric": "nullValues"}, None) is None
    assert condition({"mustBeLessThan": 3}, default) == Condition("mustBeLessThan", 3)
    assert condition({"mustBe": 2.5}, None) == Condition("mustBe", 2.5)
    # the bounds of a range are put in order
    assert condition({"mustBeBetween": [9, 1]}, None) == Condition("mustBeBetween", (1, 9))
    assert condition({"mustNotBeBetween": [0, 0.5]}, None) == Condition("mustNotBeBetween", (0, 0.5))


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"mustBe": 1, "mustNotBe": 2}, "more than one operator: mustBe, mustNotBe"),
        ({"mustBe": "1"}, "mustBe needs a number"),
        ({"mustBe": True}, "mustBe needs a number"),
        ({"mustBe": None}, "mustBe needs a number"),
        ({"mustBeBetween": [1]}, "mustBeBetween needs a list of two numbers"),
        ({"mustBeBetween": [1, 2, 3]}, "mustBeBetween needs a list of two numbers"),
        ({"mustBeBetween": (1, 2)}, "mustBeBetween needs a list of two numbers"),
        ({"mustBeBetween": [1, "2"]}, "mustBeBetween needs a list of two numbers"),
        ({"mustNotBeBetween": [True, 2]}, "mustNotBeBetween needs a list of two numbers"),
    ],
)
def test_bad_conditions_are_named(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(BadCondition) as err:
        condition(rule, None)
    assert str(err.value) == message
