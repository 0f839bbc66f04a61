"""ODCS quality operators (mustBe, mustBeBetween…) and their evaluation against a measured value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OPERATORS: dict[str, str] = {
    "mustBe": "=",
    "mustNotBe": "!=",
    "mustBeGreaterThan": ">",
    "mustBeGreaterOrEqualTo": ">=",
    "mustBeGreaterThanOrEqualTo": ">=",
    "mustBeLessThan": "<",
    "mustBeLessOrEqualTo": "<=",
    "mustBeLessThanOrEqualTo": "<=",
    "mustBeBetween": "between",
    "mustNotBeBetween": "not between",
}


@dataclass(frozen=True)
class Condition:
    operator: str
    value: Any

    @property
    def text(self) -> str:
        sign = OPERATORS[self.operator]
        if sign in ("between", "not between"):
            lo, hi = self.value
            return f"{sign} {lo} and {hi}"
        return f"{sign} {self.value}"

    def holds(self, measured: float) -> bool:
        sign = OPERATORS[self.operator]
        v = self.value
        if sign == "=":
            return bool(measured == v)
        if sign == "!=":
            return bool(measured != v)
        if sign == ">":
            return bool(measured > v)
        if sign == ">=":
            return bool(measured >= v)
        if sign == "<":
            return bool(measured < v)
        if sign == "<=":
            return bool(measured <= v)
        lo, hi = v
        inside = bool(lo <= measured <= hi)
        return inside if sign == "between" else not inside


class BadCondition(ValueError):
    pass


def condition(rule: Mapping[str, Any], default: Condition | None) -> Condition | None:
    """The rule's operator (at most one), validated; ``default`` when none is given."""
    found = [k for k in OPERATORS if k in rule]
    if len(found) > 1:
        raise BadCondition(f"more than one operator: {', '.join(found)}")
    if not found:
        return default
    op = found[0]
    value = rule[op]
    if OPERATORS[op] in ("between", "not between"):
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)
        ):
            raise BadCondition(f"{op} needs a list of two numbers")
        return Condition(op, (min(value), max(value)))
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise BadCondition(f"{op} needs a number")
    return Condition(op, value)
