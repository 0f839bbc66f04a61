# Helpers shared by the meshguard policy pack. Functions and helper rules only:
# no deny/warn rules here, so nothing in this package is reported.
package meshguard.lib

# classification levels from least to most strict
levels := {"public": 0, "internal": 1, "confidential": 2, "restricted": 3, "secret": 4}

field_id(f) := sprintf("%s.%s", [f.schema, f.path])

has_category(f, c) if c in f.categories

personal_fields contains f if {
	some f in input.fields
	has_category(f, "pii")
}

phi_fields contains f if {
	some f in input.fields
	has_category(f, "phi")
}

special_fields contains f if {
	some f in input.fields
	has_category(f, "special")
}

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
