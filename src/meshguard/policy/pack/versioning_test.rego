package meshguard.versioning_test

import data.meshguard.test_fixtures as fx
import data.meshguard.versioning

breaking := [{"kind": "breaking", "path": "/schema/0/properties/1", "severity": "error", "rule_id": "VER-REMOVED", "message": "removed"}]

added := [{"kind": "non-breaking", "path": "/x", "severity": "warning", "rule_id": "VER-ADDED", "message": "added"}]

# the versioning stage's verdict, as the input carries it
verdict(previous, version, bump, required, rules) := {
	"previous_version": previous,
	"version": version,
	"bump": bump,
	"required": required,
	"rules": rules,
}

test_compliant_product_has_no_versioning_findings if {
	count(versioning.deny_breaking_change) == 0 with input as fx.compliant
	count(versioning.warn_version_unchanged) == 0 with input as fx.compliant
}

test_breaking_change_the_stage_refused_denied if {
	v := verdict("1.4.0", "1.5.0", "minor", "major", ["MGV001"])
	inp := object.union(fx.compliant, {"changes": breaking, "versioning": v})
	count(versioning.deny_breaking_change) == 1 with input as inp
}

test_breaking_change_with_major_allowed if {
	v := verdict("1.4.0", "2.0.0", "major", "major", [])
	inp := object.union(fx.compliant, {"changes": breaking, "versioning": v})
	count(versioning.deny_breaking_change) == 0 with input as inp
}

# 0.x: semver lets a minor bump carry a breaking change; the stage decides, the policy follows
test_pre_1_minor_bump_allowed if {
	v := verdict("0.1.0", "0.2.0", "minor", "minor", [])
	inp := object.union(fx.compliant, {"changes": breaking, "versioning": v})
	count(versioning.deny_breaking_change) == 0 with input as inp
}

test_no_verdict_no_finding if {
	inp := object.union(fx.compliant, {"changes": breaking})
	count(versioning.deny_breaking_change) == 0 with input as inp
}

test_changes_without_new_version_warned if {
	v := verdict("2.0.0", "2.0.0", "none", "minor", ["MGV002", "MGV003"])
	inp := object.union(fx.compliant, {"changes": added, "versioning": v})
	count(versioning.warn_version_unchanged) == 1 with input as inp
}

test_changes_with_new_version_allowed if {
	v := verdict("1.9.0", "2.0.0", "major", "minor", [])
	inp := object.union(fx.compliant, {"changes": added, "versioning": v})
	count(versioning.warn_version_unchanged) == 0 with input as inp
}
