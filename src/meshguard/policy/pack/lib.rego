# Helpers shared by the meshguard policy pack. Functions and helper rules only:
# no deny/warn rules here, so nothing in this package is reported.
#
# Portability: the pack decides identically under OPA and under the embedded
# engine (regorus), whatever the input holds. So an optional key is read with
# object.get or get(x, key, default), never looked up inside a negated call
# (OPA makes such a call undefined when the key is missing, regorus evaluates
# the negation: OPA issue #7558), and a value is only iterated when its type
# is checked first (iterating a value of the wrong type is an error in one
# engine and undefined in the other): fields, items(x, k), array(x).
package meshguard.lib

# classification levels from least to most strict
levels := {"public": 0, "internal": 1, "confidential": 2, "restricted": 3, "secret": 4}

# x[k] when x is an object that has k, else d: never undefined, never an error
get(x, k, d) := v if {
	is_object(x)
	v := object.get(x, k, d)
} else := d

# x when it is an array, else the empty array
array(x) := x if is_array(x)

else := []

# the objects in the array x[k] (none when x is not an object or x[k] not an array)
items(x, k) := [i | is_object(x); v := object.get(x, k, []); is_array(v); some i in v; is_object(i)]

# Typed views of the input, built once per decision: rules index and iterate these.
#
# Speed: the embedded engine (regorus) spends about as much on one builtin call as
# on ten comparisons, and four times that on a user-function call. So per-field work
# is done here, once per decision and not once per rule: a reference (f.path) where a
# missing key may simply skip the field, a cheap comparison before a builtin, and
# sets of field positions that rules look up instead of calling a function per field.
contract := c if {
	c := input.contract
	is_object(c)
} else := {}

product := p if {
	p := input.product
	is_object(p)
} else := {}

fields := [f | fs := input.fields; is_array(fs); some f in fs; is_object(f)]

field_id(f) := sprintf("%v.%v", [object.get(f, "schema", ""), object.get(f, "path", "")])

has_category(f, c) if {
	cats := object.get(f, "categories", [])
	is_array(cats)
	c in cats
}

# [category, position] of every category of every field (a field whose categories are
# missing, empty or not an array has none)
field_categories := {[c, i] |
	some i, f in fields
	cats := f.categories
	cats != []
	is_array(cats)
	some c in cats
}

# Positions in fields of the fields in a category. Sets of indices, not of field
# objects: cheaper to build, to compare and to return with every decision.
personal_fields := {i | some [c, i] in field_categories; c == "pii"}

phi_fields := {i | some [c, i] in field_categories; c == "phi"}

special_fields := {i | some [c, i] in field_categories; c == "special"}

public_fields := {i | some [c, i] in field_categories; c == "public"}

# positions of the fields whose description is a non-blank string
described_fields := {i |
	some i, f in fields
	d := f.description
	is_string(d)
	trim_space(d) != ""
}

# [position, kinds] of the fields whose name, description or type suggests a kind of
# sensitive data (a non-empty `suspected` array)
suspected_fields := [[i, s] |
	some i, f in fields
	s := f.suspected
	s != []
	is_array(s)
]

# paths of the contract's fields (to find data columns the contract does not declare)
field_paths := {p | some f in fields; p := f.path}

holds_pii if count(personal_fields) > 0

holds_phi if count(phi_fields) > 0

# restricted or stricter
restricted(f) if {
	c := object.get(f, "classification", null)
	is_string(c)
	levels[lower(c)] >= levels.restricted
}

active if object.get(product, "status", null) == "active"

sla_properties contains lower(p) if {
	some entry in items(contract, "slaProperties")
	p := object.get(entry, "property", null)
	is_string(p)
}

contract_custom(name) := value if {
	some p in items(contract, "customProperties")
	object.get(p, "property", null) == name
	value := object.get(p, "value", null)
}

non_empty_string(s) if {
	is_string(s)
	trim_space(s) != ""
}
