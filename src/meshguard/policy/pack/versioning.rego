# METADATA
# title: Versioning
# description: Contract changes follow semantic versioning.
# custom:
#   regulation: Mesh governance
package meshguard.versioning

import data.meshguard.lib

# The semver rules (which bump a change needs, 0.x included) are the versioning
# stage's; its verdict is input.versioning. These rules never compare versions.
verdict := lib.get(input, "versioning", {})

fired(rule) if rule in lib.array(lib.get(verdict, "rules", []))

breaking := [c | some c in lib.array(lib.get(input, "changes", [])); lib.get(c, "kind", null) == "breaking"]

# METADATA
# title: Breaking change needs a major version
# description: A breaking change against the previous version comes with the bump semver asks for (major; minor before 1.0.0), as decided by the versioning stage.
# custom:
#   id: VER-001
#   severity: error
#   remediation: Bump the major version (and tell consumers), or make the change backward compatible.
deny_breaking_change contains {"msg": msg, "pointer": "/version", "decided_by": "MGV001"} if {
	fired("MGV001")
	count(breaking) > 0
	msg := sprintf("%d breaking change(s) need a %v bump: the version went %v -> %v", [count(breaking), lib.get(verdict, "required", "?"), lib.get(verdict, "previous_version", "?"), lib.get(verdict, "version", "?")])
}

# METADATA
# title: Changed contract has a new version
# description: A contract that changed against its previous version carries a different version number.
# custom:
#   id: VER-002
#   severity: warning
#   remediation: Bump the version (patch for informational, minor for compatible, major for breaking changes).
warn_version_unchanged contains {"msg": msg, "pointer": "/version", "decided_by": "MGV003"} if {
	fired("MGV003")
	changes := lib.array(lib.get(input, "changes", []))
	msg := sprintf("%d change(s) but the version is still %v", [count(changes), lib.get(verdict, "version", "?")])
}
