package meshguard.quality_test

import data.meshguard.quality
import data.meshguard.test_fixtures as fx

test_compliant_product_has_no_quality_findings if {
	every rule in ["deny_quality_rules", "deny_freshness_sla", "deny_failed_quality", "warn_errored_quality"] {
		count(quality[rule]) == 0 with input as fx.compliant
	}
}

test_active_without_quality_rules_denied if {
	inp := fx.with_contract({"schema": [{"name": "customers", "properties": [{"name": "customer_id"}]}]})
	count(quality.deny_quality_rules) == 1 with input as inp
}

test_schema_level_quality_rule_counts if {
	inp := fx.with_contract({"schema": [{"name": "customers", "quality": [{"metric": "rowCount", "mustBeGreaterThan": 0}]}]})
	count(quality.deny_quality_rules) == 0 with input as inp
}

test_draft_without_quality_rules_allowed if {
	inp := object.union(fx.with_contract({"schema": []}), {"product": {"status": "draft"}})
	count(quality.deny_quality_rules) == 0 with input as inp
}

test_active_without_freshness_denied if {
	inp := fx.with_contract({"slaProperties": [{"property": "retention", "value": 5, "unit": "y"}]})
	count(quality.deny_freshness_sla) == 1 with input as inp
}

test_failed_blocking_check_denied if {
	inp := object.union(fx.compliant, {"quality": {"checks": [{"id": "q9", "status": "failed", "severity": "error"}]}})
	some f in quality.deny_failed_quality with input as inp
	f.check == "q9"
}

test_failed_warning_check_allowed if {
	inp := object.union(fx.compliant, {"quality": {"checks": [{"id": "q9", "status": "failed", "severity": "warning"}]}})
	count(quality.deny_failed_quality) == 0 with input as inp
}

test_errored_check_warned if {
	inp := object.union(fx.compliant, {"quality": {"checks": [{"id": "q9", "status": "errored", "severity": "error"}]}})
	count(quality.warn_errored_quality) == 1 with input as inp
}
