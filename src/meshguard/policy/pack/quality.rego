# METADATA
# title: Quality and SLAs
# description: Active products are checked and fresh; failed blocking checks stop publication.
# custom:
#   regulation: Mesh governance
package meshguard.quality

import data.meshguard.lib

# METADATA
# title: Active product has quality rules
# description: An active product declares at least one quality rule (schema or property level).
# custom:
#   id: QUA-001
#   severity: error
#   remediation: Add a `quality` rule (e.g. a rowCount or nullValues metric).
deny_quality_rules contains {"msg": "active product declares no quality rule", "pointer": "/schema"} if {
	lib.active
	not has_quality_rules
}

has_quality_rules if {
	lib.active
	some s in lib.items(lib.contract, "schema")
	rules := object.get(s, "quality", [])
	is_array(rules)
	count(rules) > 0
}

has_quality_rules if {
	lib.active
	some s in lib.items(lib.contract, "schema")
	some p in lib.items(s, "properties")
	rules := object.get(p, "quality", [])
	is_array(rules)
	count(rules) > 0
}

# METADATA
# title: Active product has a freshness SLA
# description: An active product declares how fresh its data is (slaProperties freshness).
# custom:
#   id: QUA-002
#   severity: error
#   remediation: Add a `freshness` entry (value, unit, element) to `slaProperties`.
deny_freshness_sla contains {"msg": "active product declares no freshness SLA", "pointer": "/slaProperties"} if {
	lib.active
	not "freshness" in lib.sla_properties
}

# METADATA
# title: Blocking quality checks pass
# description: A failed blocking (error severity) quality check denies publication of the product.
# custom:
#   id: QUA-003
#   severity: error
#   remediation: Fix the data (or the rule) so the check passes.
deny_failed_quality contains {"msg": msg, "check": c.id, "field": object.get(c, "field", null), "pointer": "/schema"} if {
	some c in checks
	c.status == "failed"
	c.severity == "error"
	msg := sprintf("blocking quality check %v failed", [c.id])
}

checks := lib.items(object.get(input, "quality", {}), "checks")

# METADATA
# title: Quality checks could run
# description: A quality check that errored (could not be run) leaves the product unverified.
# custom:
#   id: QUA-004
#   severity: warning
#   remediation: Fix the rule or the data source so the check can run.
warn_errored_quality contains {"msg": msg, "check": c.id, "field": object.get(c, "field", null), "pointer": "/schema"} if {
	some c in checks
	c.status == "errored"
	msg := sprintf("quality check %v could not run", [c.id])
}
