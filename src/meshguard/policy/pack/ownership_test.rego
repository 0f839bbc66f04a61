package meshguard.ownership_test

import data.meshguard.ownership
import data.meshguard.test_fixtures as fx

test_compliant_product_has_no_ownership_findings if {
	every rule in ["deny_owner", "deny_team_members", "deny_support", "warn_field_description", "warn_authoritative_definition"] {
		count(ownership[rule]) == 0 with input as fx.compliant
	}
}

test_missing_owner_denied if {
	count(ownership.deny_owner) == 1 with input as object.union(fx.compliant, {"product": {"owner": null}})
}

test_owner_present_allowed if {
	count(ownership.deny_owner) == 0 with input as fx.compliant
}

test_team_without_members_denied if {
	count(ownership.deny_team_members) == 1 with input as fx.with_contract({"team": {"name": "crm", "members": []}})
}

test_odcs30_team_list_counts if {
	count(ownership.deny_team_members) == 0 with input as fx.with_contract({"team": [{"username": "ana"}]})
}

test_missing_support_denied if {
	count(ownership.deny_support) == 1 with input as fx.without_contract_key("support")
}

test_support_without_channel_denied if {
	count(ownership.deny_support) == 1 with input as fx.with_contract({"support": [{"url": "https://x"}]})
}

test_undescribed_field_warned if {
	f := fx.field({"description": null})
	count(ownership.warn_field_description) == 1 with input as fx.with_fields([f, fx.email])
}

test_critical_without_definition_warned if {
	f := fx.field({"critical": true})
	count(ownership.warn_authoritative_definition) == 1 with input as fx.with_fields([f])
}

test_critical_with_definition_allowed if {
	f := fx.field({"critical": true, "authoritative_definitions": [{"type": "businessDefinition", "url": "https://glossary/x"}]})
	count(ownership.warn_authoritative_definition) == 0 with input as fx.with_fields([f])
}
