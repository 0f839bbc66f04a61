package meshguard.versioning_test

import data.meshguard.test_fixtures as fx
import data.meshguard.versioning

breaking := [{"kind": "breaking", "path": "/schema/0/properties/1", "severity": "error", "rule_id": "VER-REMOVED", "message": "removed"}]

test_compliant_product_has_no_versioning_findings if {
	count(versioning.deny_breaking_change) == 0 with input as fx.compliant
	count(versioning.warn_version_unchanged) == 0 with input as fx.compliant
}

test_breaking_change_without_major_denied if {
	inp := object.union(fx.compliant, {"changes": breaking, "previous": {"version": "1.4.0"}, "product": {"version": "1.5.0"}})
	count(versioning.deny_breaking_change) == 1 with input as inp
}

test_breaking_change_with_major_allowed if {
	inp := object.union(fx.compliant, {"changes": breaking, "previous": {"version": "1.4.0"}, "product": {"version": "2.0.0"}})
	count(versioning.deny_breaking_change) == 0 with input as inp
}

test_breaking_change_with_unreadable_version_denied if {
	inp := object.union(fx.compliant, {"changes": breaking, "previous": {"version": "1.4.0"}, "product": {"version": "next"}})
	count(versioning.deny_breaking_change) == 1 with input as inp
}

test_changes_without_new_version_warned if {
	changes := [{"kind": "non-breaking", "path": "/x", "severity": "warning", "rule_id": "VER-ADDED", "message": "added"}]
	inp := object.union(fx.compliant, {"changes": changes, "previous": {"version": "2.0.0"}})
	count(versioning.warn_version_unchanged) == 1 with input as inp
}

test_changes_with_new_version_allowed if {
	changes := [{"kind": "non-breaking", "path": "/x", "severity": "warning", "rule_id": "VER-ADDED", "message": "added"}]
	inp := object.union(fx.compliant, {"changes": changes, "previous": {"version": "1.9.0"}})
	count(versioning.warn_version_unchanged) == 0 with input as inp
}
