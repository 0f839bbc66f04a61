package meshguard.hipaa_test

import data.meshguard.hipaa
import data.meshguard.test_fixtures as fx

test_compliant_product_has_no_hipaa_findings if {
	every rule in ["deny_phi_classification", "deny_phi_encryption", "deny_phi_access_role", "deny_phi_public", "deny_unclassified_health_name"] {
		count(hipaa[rule]) == 0 with input as fx.compliant
	}
}

test_phi_confidential_denied if {
	f := object.union(fx.diagnosis, {"classification": "confidential"})
	count(hipaa.deny_phi_classification) == 1 with input as fx.with_fields([f])
}

test_phi_secret_allowed if {
	f := object.union(fx.diagnosis, {"classification": "secret"})
	count(hipaa.deny_phi_classification) == 0 with input as fx.with_fields([f])
}

test_phi_unencrypted_denied if {
	f := object.union(fx.diagnosis, {"encrypted_name": null})
	inp := object.union(fx.with_contract({"servers": [{"server": "p", "type": "postgres"}]}), {"fields": [f]})
	count(hipaa.deny_phi_encryption) == 1 with input as inp
}

test_phi_server_encryption_allowed if {
	f := object.union(fx.diagnosis, {"encrypted_name": null})
	count(hipaa.deny_phi_encryption) == 0 with input as fx.with_fields([f])
}

test_phi_server_encryption_none_denied if {
	f := object.union(fx.diagnosis, {"encrypted_name": null})
	inp := object.union(fx.with_contract({"servers": [{"server": "p", "customProperties": [{"property": "encryption", "value": "none"}]}]}), {"fields": [f]})
	count(hipaa.deny_phi_encryption) == 1 with input as inp
}

test_phi_server_encryption_without_value_denied if {
	f := object.union(fx.diagnosis, {"encrypted_name": null})
	inp := object.union(fx.with_contract({"servers": [{"server": "p", "customProperties": [{"property": "encryption"}]}]}), {"fields": [f]})
	count(hipaa.deny_phi_encryption) == 1 with input as inp
}

test_phi_server_encryption_blank_denied if {
	f := object.union(fx.diagnosis, {"encrypted_name": null})
	inp := object.union(fx.with_contract({"servers": [{"server": "p", "customProperties": [{"property": "encryptedAtRest", "value": " "}]}]}), {"fields": [f]})
	count(hipaa.deny_phi_encryption) == 1 with input as inp
}

test_phi_without_roles_denied if {
	count(hipaa.deny_phi_access_role) == 1 with input as fx.without_contract_key("roles")
}

test_phi_role_without_approvers_denied if {
	inp := fx.with_contract({"roles": [{"role": "reader", "access": "read"}]})
	count(hipaa.deny_phi_access_role) == 1 with input as inp
}

test_no_phi_no_role_needed if {
	inp := object.union(fx.without_contract_key("roles"), {"fields": [fx.email]})
	count(hipaa.deny_phi_access_role) == 0 with input as inp
}

test_phi_in_public_active_product_denied if {
	inp := fx.with_contract({"customProperties": [{"property": "visibility", "value": "Public"}]})
	count(hipaa.deny_phi_public) == 1 with input as inp
}

test_phi_next_to_public_field_denied if {
	pub := fx.field({"name": "region", "path": "region", "classification": "public", "categories": ["public"]})
	count(hipaa.deny_phi_public) == 1 with input as fx.with_fields([pub, fx.diagnosis])
}

test_phi_public_but_draft_allowed if {
	inp := object.union(fx.with_contract({"customProperties": [{"property": "visibility", "value": "public"}]}), {"product": {"status": "draft"}})
	count(hipaa.deny_phi_public) == 0 with input as inp
}

test_unclassified_field_named_like_health_data_denied if {
	f := fx.field({"name": "icd10_code", "path": "icd10_code", "classification": null, "suspected": ["health"]})
	count(hipaa.deny_unclassified_health_name) == 1 with input as fx.with_fields([fx.base_field, f])
}

test_restricted_phi_field_named_like_health_data_allowed if {
	count(hipaa.deny_unclassified_health_name) == 0 with input as fx.with_fields([object.union(fx.diagnosis, {"suspected": ["health"]})])
}
