"""A finding's field is found through an index of the contract's properties (built once per
product, not a scan of every property per finding): the same property as the scans found, for
every way a policy names a field, nested, repeated and absent ones included."""

from __future__ import annotations

import copy
from pathlib import Path

from meshguard.contracts.model import Contract, Property
from meshguard.policy.decide import _Fields
from policykit import compliant, contract_of, make_repo


def _scanned(contract: Contract, field_: str) -> Property | None:
    """The look-up as it was: the schema's property by path, else the first by path or name."""
    schema, _, path = field_.partition(".")
    prop = contract.find_property(schema, path) if path else None
    if prop is None:
        prop = next((p for p in contract.properties if field_ in (p.path, p.name)), None)
    return prop


def test_the_index_finds_what_the_scans_found(tmp_path: Path) -> None:
    doc = compliant()
    first = doc["schema"][0]
    second = copy.deepcopy(first)
    second["name"] = "other"
    # a nested object, and a name that is another property's path
    second["properties"].append(
        {
            "name": "address",
            "logicalType": "object",
            "properties": [{"name": "city", "logicalType": "string"}],
        }
    )
    second["properties"].append({"name": "address.city", "logicalType": "string"})
    doc["schema"].append(second)
    contract = contract_of(make_repo(tmp_path / "gov", {"c": doc}), "c")
    names = {p.name for p in contract.properties} | {p.path for p in contract.properties}
    fields = [f"{s}.{n}" for s in (first["name"], "other", "nope") for n in names]
    fields += [*names, "nope", "", ".", "other.", "other.address.city.x"]
    index = _Fields(contract)
    for field_ in fields:
        assert index.find(field_) is _scanned(contract, field_), field_
    assert index.find("other.address.city") is not None
