# METADATA
# title: HIPAA
# description: Protected health information (HIPAA Security Rule) safeguards.
# custom:
#   regulation: HIPAA
#   applies_to: [phi]
package meshguard.hipaa

import data.meshguard.lib

# METADATA
# title: PHI is restricted
# description: Every field holding protected health information is classified restricted or stricter.
# custom:
#   id: HIPAA-001
#   severity: error
#   regulation: HIPAA
#   article: 45 CFR 164.308(a)(4), 164.514(d)
#   remediation: Set the property classification to `restricted`.
deny_phi_classification contains {"msg": msg, "field": id} if {
	some i in lib.phi_fields
	f := lib.fields[i]
	not lib.restricted(f)
	id := lib.field_id(f)
	msg := sprintf("PHI field %v must be classified restricted or stricter", [id])
}

# METADATA
# title: PHI is encrypted
# description: A PHI field names its encrypted column (encryptedName), or the product's servers declare encryption at rest.
# custom:
#   id: HIPAA-002
#   severity: error
#   regulation: HIPAA
#   article: 45 CFR 164.312(a)(2)(iv)
#   remediation: Set `encryptedName` on the property, or an `encryption` custom property on the server.
deny_phi_encryption contains {"msg": msg, "field": id} if {
	lib.holds_phi
	not servers_encrypted
	some i in lib.phi_fields
	f := lib.fields[i]
	not lib.non_empty_string(object.get(f, "encrypted_name", null))
	id := lib.field_id(f)
	msg := sprintf("PHI field %v is not noted as encrypted", [id])
}

servers_encrypted if {
	lib.holds_phi
	servers := lib.array(object.get(lib.contract, "servers", []))
	count(servers) > 0
	every server in servers {
		server_encrypted(server)
	}
}

# an encryption property with a value that names encryption (a property without a
# value, or with false/none/empty, is not encryption)
server_encrypted(server) if {
	some p in lib.items(server, "customProperties")
	object.get(p, "property", null) in {"encryption", "encryptedAtRest", "encryption_at_rest"}
	value := object.get(p, "value", null)
	not value in {false, "none", "false", "", null}
	not blank(value)
}

blank(value) if {
	is_string(value)
	trim_space(value) == ""
}

# METADATA
# title: PHI access is role-based with approvers
# description: A product holding PHI declares an access role (ODCS roles) with at least one approver.
# custom:
#   id: HIPAA-003
#   severity: error
#   regulation: HIPAA
#   article: 45 CFR 164.308(a)(4), 164.312(a)(1)
#   remediation: Add a `roles` entry with `firstLevelApprovers` (and optionally `secondLevelApprovers`).
deny_phi_access_role contains {"msg": "holds PHI but declares no access role with approvers", "pointer": "/roles"} if {
	lib.holds_phi
	not approved_role
}

approved_role if {
	lib.holds_phi
	some r in lib.items(lib.contract, "roles")
	some key in ["firstLevelApprovers", "secondLevelApprovers"]
	lib.non_empty_string(object.get(r, key, null))
}

# METADATA
# title: No PHI in a public active product
# description: An active product that is classified public (contract custom property classification/visibility, or a public field) holds no PHI.
# custom:
#   id: HIPAA-004
#   severity: error
#   regulation: HIPAA
#   article: 45 CFR 164.502(a)
#   remediation: Move the PHI to a restricted product, or withdraw the public classification.
deny_phi_public contains {"msg": msg, "field": id} if {
	lib.holds_phi
	lib.active
	public_product
	some i in lib.phi_fields
	id := lib.field_id(lib.fields[i])
	msg := sprintf("active public product exposes PHI field %v", [id])
}

public_product if {
	lib.holds_phi
	some key in ["classification", "visibility"]
	value := lib.contract_custom(key)
	is_string(value)
	lower(value) == "public"
}

public_product if {
	lib.holds_phi
	count(lib.public_fields) > 0
}

# METADATA
# title: Health data by name is classified
# description: A field whose name or description says it holds health information (diagnosis, ICD-10, medication, treatment…) declares a classification.
# custom:
#   id: HIPAA-005
#   severity: error
#   regulation: HIPAA
#   article: 45 CFR 164.308(a)(1)(ii)(A), 164.514
#   remediation: Classify the property `restricted` and tag it `phi`, or rename/describe it if it holds no health data.
deny_unclassified_health_name contains {"msg": msg, "field": id} if {
	some [i, suspected] in lib.suspected_fields
	some k in suspected
	k in data.meshguard.config.health_data_names
	f := lib.fields[i]
	not lib.non_empty_string(object.get(f, "classification", null))
	not lib.has_category(f, "phi")
	id := lib.field_id(f)
	msg := sprintf("field %v looks like health data by its name or description but has no classification", [id])
}
