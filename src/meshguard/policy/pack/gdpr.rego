# METADATA
# title: GDPR
# description: Personal data (GDPR) obligations for every data product.
# custom:
#   regulation: GDPR
package meshguard.gdpr

import data.meshguard.lib

# METADATA
# title: Personal data is classified
# description: Every field holding personal data carries an explicit classification.
# custom:
#   id: GDPR-001
#   severity: error
#   regulation: GDPR
#   article: Art. 5(1)(f), Art. 32
#   remediation: Set `classification` (confidential or restricted) on the property.
deny_pii_classification contains {"msg": msg, "field": id} if {
	some i in lib.personal_fields
	f := lib.fields[i]
	not lib.non_empty_string(object.get(f, "classification", null))
	id := lib.field_id(f)
	msg := sprintf("personal-data field %v has no classification", [id])
}

# METADATA
# title: Personal data has a lawful basis or purpose
# description: A product holding personal data states why it processes it (ODCS description.purpose, or a lawfulBasis custom property on the contract or the field).
# custom:
#   id: GDPR-002
#   severity: error
#   regulation: GDPR
#   article: Art. 5(1)(b), Art. 6
#   remediation: Fill `description.purpose` or add a `lawfulBasis` custom property.
deny_lawful_basis contains {"msg": msg, "field": id} if {
	lib.holds_pii
	not contract_purpose
	some i in lib.personal_fields
	f := lib.fields[i]
	props := object.get(f, "custom_properties", {})
	not lib.non_empty_string(lib.get(props, "lawfulBasis", null))
	not lib.non_empty_string(lib.get(props, "purpose", null))
	id := lib.field_id(f)
	msg := sprintf("personal-data field %v has no lawful basis or purpose (contract or field)", [id])
}

# (each alternative only where the product holds personal data: a helper rule is
# evaluated with every decision, so it stops early where no rule needs it)
contract_purpose if {
	lib.holds_pii
	d := lib.contract.description
	is_object(d)
	lib.non_empty_string(d.purpose)
}

contract_purpose if {
	lib.holds_pii
	lib.non_empty_string(lib.contract.description)
}

contract_purpose if {
	lib.holds_pii
	lib.non_empty_string(lib.contract_custom("lawfulBasis"))
}

# METADATA
# title: Retention period for personal data
# description: A product holding personal data declares how long it is kept (storage limitation).
# custom:
#   id: GDPR-003
#   severity: error
#   regulation: GDPR
#   article: Art. 5(1)(e)
#   remediation: Add a `retention` entry to `slaProperties`.
deny_retention contains {"msg": "holds personal data but declares no retention SLA", "pointer": "/slaProperties"} if {
	lib.holds_pii
	not "retention" in lib.sla_properties
}

# METADATA
# title: Special-category data is restricted
# description: Special-category personal data (health, biometric, genetic…) is classified restricted or stricter.
# custom:
#   id: GDPR-004
#   severity: error
#   regulation: GDPR
#   article: Art. 9
#   remediation: Set the property classification to `restricted`.
deny_special_classification contains {"msg": msg, "field": id} if {
	some i in lib.special_fields
	f := lib.fields[i]
	not lib.restricted(f)
	id := lib.field_id(f)
	msg := sprintf("special-category field %v must be classified restricted or stricter", [id])
}

# METADATA
# title: Named data-protection contact
# description: A product holding special-category data names a data-protection contact (a team member with a DPO role, or a dataProtectionContact custom property).
# custom:
#   id: GDPR-005
#   severity: error
#   regulation: GDPR
#   article: Art. 9, Art. 37-39
#   remediation: Add a team member with role `dpo` or a `dataProtectionContact` custom property.
deny_special_contact contains {"msg": "holds special-category data but names no data-protection contact", "pointer": "/team"} if {
	count(lib.special_fields) > 0
	not dpo_named
}

dpo_named if {
	count(lib.special_fields) > 0
	some m in lib.items(object.get(lib.contract, "team", {}), "members")
	role := object.get(m, "role", null)
	is_string(role)
	lower(role) in data.meshguard.config.dpo_roles
}

dpo_named if {
	count(lib.special_fields) > 0
	lib.non_empty_string(lib.contract_custom("dataProtectionContact"))
}

# METADATA
# title: Personal data served from an approved region
# description: Servers of a product holding personal data are in an approved region (server `region`, or a region/location custom property; allowed values in data.meshguard.config.approved_regions).
# custom:
#   id: GDPR-006
#   severity: error
#   regulation: GDPR
#   article: Chapter V (Art. 44-49)
#   remediation: Serve the product from an approved region, or get the region approved by the governance council.
deny_region contains {"msg": msg, "pointer": sprintf("/servers/%d", [i])} if {
	lib.holds_pii
	some i, server in lib.array(object.get(lib.contract, "servers", []))
	is_object(server)
	some region in server_regions(server)
	not lower(region) in data.meshguard.config.approved_regions
	msg := sprintf("personal data served from server %v in non-approved region %v", [object.get(server, "server", i), region])
}

server_regions(server) := {r |
	r := object.get(server, "region", null)
	is_string(r)
} | {r |
	some p in lib.items(server, "customProperties")
	object.get(p, "property", null) in {"region", "location"}
	r := object.get(p, "value", null)
	is_string(r)
}

# METADATA
# title: Undeclared personal data
# description: A column whose values look like personal data (e-mails, phone numbers, national ids…) is declared as personal data in the contract.
# custom:
#   id: GDPR-007
#   severity: error
#   regulation: GDPR
#   article: Art. 5(1)(a), Art. 30
#   remediation: Tag the property `pii` (and classify it), or stop collecting the values.
deny_undeclared_pii contains {"msg": msg, "field": id} if {
	some name, column in columns
	found := personal_detections(column)
	count(found) > 0
	some f in lib.fields
	f.path == name
	not lib.has_category(f, "pii")
	id := lib.field_id(f)
	msg := sprintf("column %v holds values that look like %v%v but is not declared as personal data", [id, concat(", ", sort(found)), counted(column, found)])
}

deny_undeclared_pii contains {"msg": msg, "field": name} if {
	some name, column in columns
	not name in lib.field_paths
	found := personal_detections(column)
	count(found) > 0
	msg := sprintf("column %v (not in the contract) holds values that look like %v%v", [name, concat(", ", sort(found)), counted(column, found)])
}

columns := c if {
	c := lib.get(lib.get(input, "data", {}), "columns", {})
	is_object(c)
} else := {}

personal_detections(column) := {d |
	some d in lib.array(lib.get(column, "detected", []))
	d in data.meshguard.config.personal_data_detections
}

# " (12 of 120 sampled values)": how many values matched, never which
counted(column, found) := sprintf(" (%v of %v sampled values)", [max(hits), sampled]) if {
	counts := lib.get(column, "detected_counts", {})
	hits := [n | some d in found; n := counts[d]; is_number(n)]
	count(hits) > 0
	sampled := lib.get(column, "sampled", null)
	is_number(sampled)
} else := ""

# METADATA
# title: Personal data by name is classified
# description: A field whose name, description or type says it holds personal data (e-mail, phone, national id, date of birth, postal address, IP address, IBAN, card number, person name) declares a classification, so it is caught before any data is read.
# custom:
#   id: GDPR-008
#   severity: error
#   regulation: GDPR
#   article: Art. 5(1)(f), Art. 30
#   remediation: Classify the property (and tag it `pii`), or rename/describe it if it holds no personal data.
deny_unclassified_personal_name contains {"msg": msg, "field": id} if {
	some [i, suspected] in lib.suspected_fields
	kinds := {k | some k in suspected; k in data.meshguard.config.personal_data_names}
	count(kinds) > 0
	f := lib.fields[i]
	not lib.non_empty_string(object.get(f, "classification", null))
	not lib.has_category(f, "pii")
	id := lib.field_id(f)
	msg := sprintf("field %v looks like %v by its name or description but has no classification", [id, concat(", ", sort(kinds))])
}
