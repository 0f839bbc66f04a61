# METADATA
# title: Ownership and documentation
# description: Every data product is owned, supported and documented.
# custom:
#   regulation: Mesh governance
package meshguard.ownership

import data.meshguard.lib

# METADATA
# title: Product has an owner team
# description: The contract names the team that owns the product.
# custom:
#   id: OWN-001
#   severity: error
#   remediation: Set `team.name` (ODCS 3.1) or an `owner` custom property.
deny_owner contains {"msg": "no owner team", "pointer": "/team"} if {
	not lib.non_empty_string(object.get(lib.product, "owner", null))
}

# METADATA
# title: Owner team has members
# description: The owning team lists at least one member.
# custom:
#   id: OWN-002
#   severity: error
#   remediation: Add at least one entry to `team.members`.
deny_team_members contains {"msg": "the owner team has no members", "pointer": "/team"} if {
	count(team_members) == 0
}

team_members := members if {
	members := object.get(lib.contract, "team", null)
	is_array(members)
} else := lib.array(lib.get(object.get(lib.contract, "team", {}), "members", []))

# METADATA
# title: Support channel
# description: Consumers can reach the product team through at least one support channel.
# custom:
#   id: OWN-003
#   severity: error
#   remediation: Add a `support` entry (channel and url).
deny_support contains {"msg": "no support channel", "pointer": "/support"} if {
	count([s | some s in lib.items(lib.contract, "support"); lib.non_empty_string(object.get(s, "channel", null))]) == 0
}

# METADATA
# title: Every field is described
# description: Every property has a description, so consumers know what it means.
# custom:
#   id: OWN-004
#   severity: warning
#   remediation: Add a `description` to the property.
warn_field_description contains {"msg": msg, "field": id} if {
	some i, f in lib.fields
	not i in lib.described_fields
	id := lib.field_id(f)
	msg := sprintf("field %v has no description", [id])
}

# METADATA
# title: Critical data elements have an authoritative definition
# description: A property marked criticalDataElement links to its authoritative (business glossary) definition.
# custom:
#   id: OWN-005
#   severity: warning
#   remediation: Add `authoritativeDefinitions` (type businessDefinition, url) to the property.
warn_authoritative_definition contains {"msg": msg, "field": id} if {
	some f in lib.fields
	f.critical == true
	count(lib.array(object.get(f, "authoritative_definitions", []))) == 0
	id := lib.field_id(f)
	msg := sprintf("critical data element %v has no authoritative definition", [id])
}
