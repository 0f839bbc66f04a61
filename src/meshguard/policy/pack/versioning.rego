# METADATA
# title: Versioning
# description: Contract changes follow semantic versioning.
# custom:
#   regulation: Mesh governance
package meshguard.versioning

# METADATA
# title: Breaking change needs a major version
# description: A breaking change against the previous version comes with a major version bump.
# custom:
#   id: VER-001
#   severity: error
#   remediation: Bump the major version (and tell consumers), or make the change backward compatible.
deny_breaking_change contains {"msg": msg, "change": c.path, "pointer": "/version"} if {
	some c in input.changes
	c.kind == "breaking"
	not major_bump
	msg := sprintf("breaking change at %s without a major version bump (%s -> %s)", [c.path, previous_version, input.product.version])
}

previous_version := v if {
	v := input.previous.version
	is_string(v)
} else := "?"

major(v) := to_number(parts[0]) if {
	is_string(v)
	parts := split(trim_prefix(v, "v"), ".")
	regex.match(`^[0-9]+$`, parts[0])
}

major_bump if major(input.product.version) > major(previous_version)

# METADATA
# title: Changed contract has a new version
# description: A contract that changed against its previous version carries a different version number.
# custom:
#   id: VER-002
#   severity: warning
#   remediation: Bump the version (patch for informational, minor for compatible, major for breaking changes).
warn_version_unchanged contains {"msg": msg, "pointer": "/version"} if {
	count(input.changes) > 0
	input.previous.version == input.product.version
	msg := sprintf("%d change(s) but the version is still %s", [count(input.changes), input.product.version])
}
