# Helpers shared by the meshguard policy pack. Functions and helper rules only:
# no deny/warn rules here, so nothing in this package is reported.
package meshguard.lib

# classification levels from least to most strict
levels := {"public": 0, "internal": 1, "confidential": 2, "restricted": 3, "secret": 4}

field_id(f) := sprintf("%s.%s", [f.schema, f.path])

has_category(f, c) if c in f.categories

# Positions in input.fields of the fields in a category. Sets of indices, not of
# field objects: cheaper to build, to compare and to return with every decision.
personal_fields := {i | some i, f in input.fields; "pii" in f.categories}

phi_fields := {i | some i, f in input.fields; "phi" in f.categories}

special_fields := {i | some i, f in input.fields; "special" in f.categories}

public_fields := {i | some i, f in input.fields; "public" in f.categories}

# paths of the contract's fields (to find data columns the contract does not declare)
field_paths := {f.path | some f in input.fields}

holds_pii if count(personal_fields) > 0

holds_phi if count(phi_fields) > 0

# restricted or stricter
restricted(f) if {
	is_string(f.classification)
	levels[lower(f.classification)] >= levels.restricted
}

active if input.product.status == "active"

sla_properties contains lower(p.property) if {
	some p in object.get(input.contract, "slaProperties", [])
	is_string(p.property)
}

contract_custom(name) := value if {
	some p in object.get(input.contract, "customProperties", [])
	p.property == name
	value := p.value
}

non_empty_string(s) if {
	is_string(s)
	trim_space(s) != ""
}
