package meshguard.gdpr_test

import data.meshguard.gdpr
import data.meshguard.test_fixtures as fx

test_compliant_product_has_no_gdpr_findings if {
	every rule in ["deny_pii_classification", "deny_lawful_basis", "deny_retention", "deny_special_classification", "deny_special_contact", "deny_region", "deny_undeclared_pii", "deny_unclassified_personal_name"] {
		count(gdpr[rule]) == 0 with input as fx.compliant
	}
}

test_pii_without_classification_denied if {
	f := object.union(fx.email, {"classification": null})
	count(gdpr.deny_pii_classification) == 1 with input as fx.with_fields([f])
}

test_pii_with_classification_allowed if {
	count(gdpr.deny_pii_classification) == 0 with input as fx.with_fields([fx.email])
}

test_pii_without_purpose_denied if {
	count(gdpr.deny_lawful_basis) == 2 with input as fx.without_contract_key("description")
}

# fields with no custom_properties at all (a missing key, not an empty object) are denied too
test_pii_without_purpose_or_custom_properties_denied if {
	fields := [object.remove(fx.email, ["custom_properties"]), object.remove(fx.diagnosis, ["custom_properties"])]
	inp := object.union(fx.without_contract_key("description"), {"fields": fields})
	count(gdpr.deny_lawful_basis) == 2 with input as inp
}

test_blank_field_purpose_is_no_purpose if {
	f := object.union(fx.email, {"custom_properties": {"purpose": "  "}})
	inp := object.union(fx.without_contract_key("description"), {"fields": [f]})
	count(gdpr.deny_lawful_basis) == 1 with input as inp
}

test_field_lawful_basis_is_enough if {
	f := object.union(fx.email, {"custom_properties": {"lawfulBasis": "contract"}})
	inp := object.union(fx.without_contract_key("description"), {"fields": [f]})
	count(gdpr.deny_lawful_basis) == 0 with input as inp
}

test_pii_without_retention_denied if {
	inp := fx.with_contract({"slaProperties": [{"property": "freshness", "value": 1}]})
	count(gdpr.deny_retention) == 1 with input as inp
}

test_no_pii_no_retention_needed if {
	inp := object.union(fx.with_contract({"slaProperties": []}), {"fields": [fx.base_field]})
	count(gdpr.deny_retention) == 0 with input as inp
}

test_special_not_restricted_denied if {
	f := object.union(fx.diagnosis, {"classification": "confidential"})
	count(gdpr.deny_special_classification) == 1 with input as fx.with_fields([f])
}

test_special_restricted_allowed if {
	count(gdpr.deny_special_classification) == 0 with input as fx.with_fields([fx.diagnosis])
}

test_special_without_dpo_denied if {
	inp := fx.with_contract({"team": {"name": "crm", "members": [{"username": "ana", "role": "owner"}]}})
	count(gdpr.deny_special_contact) == 1 with input as inp
}

test_special_with_contact_property_allowed if {
	inp := fx.with_contract({
		"team": {"name": "crm", "members": [{"username": "ana", "role": "owner"}]},
		"customProperties": [{"property": "dataProtectionContact", "value": "dpo@example.com"}],
	})
	count(gdpr.deny_special_contact) == 0 with input as inp
}

test_string_description_is_a_purpose if {
	count(gdpr.deny_lawful_basis) == 0 with input as fx.with_contract({"description": "Serve customer data"})
}

test_pii_in_unapproved_region_denied if {
	inp := fx.with_contract({"servers": [{"server": "us", "type": "s3", "region": "us-east-1"}]})
	count(gdpr.deny_region) == 1 with input as inp
}

test_region_in_custom_property_checked if {
	inp := fx.with_contract({"servers": [{"server": "x", "type": "postgres", "customProperties": [{"property": "region", "value": "ap-south-1"}]}]})
	count(gdpr.deny_region) == 1 with input as inp
}

test_approved_region_allowed if {
	inp := fx.with_contract({"servers": [{"server": "eu", "type": "s3", "region": "EU-Central-1"}]})
	count(gdpr.deny_region) == 0 with input as inp
}

test_undeclared_email_column_denied if {
	inp := object.union(fx.compliant, {"data": {"columns": {"customer_id": {"detected": ["email", "uuid"]}}}})
	some f in gdpr.deny_undeclared_pii with input as inp
	f.field == "customers.customer_id"
}

test_declared_email_column_allowed if {
	count(gdpr.deny_undeclared_pii) == 0 with input as fx.compliant
}

test_no_data_no_undeclared_finding if {
	count(gdpr.deny_undeclared_pii) == 0 with input as object.remove(fx.compliant, ["data"])
}

test_column_missing_from_contract_denied if {
	inp := object.union(fx.compliant, {"data": {"columns": {"customer_email": {"detected": ["email"]}}}})
	some f in gdpr.deny_undeclared_pii with input as inp
	f.field == "customer_email"
}

test_unclassified_field_named_like_personal_data_denied if {
	f := fx.field({"name": "contact_email", "path": "contact_email", "classification": null, "suspected": ["email"]})
	count(gdpr.deny_unclassified_personal_name) == 1 with input as fx.with_fields([fx.base_field, f])
}

test_classified_field_named_like_personal_data_allowed if {
	f := fx.field({"name": "contact_email", "path": "contact_email", "classification": "internal", "suspected": ["email"]})
	count(gdpr.deny_unclassified_personal_name) == 0 with input as fx.with_fields([fx.base_field, f])
}

test_field_with_no_personal_name_allowed if {
	f := fx.field({"name": "notes", "path": "notes", "classification": null, "suspected": []})
	count(gdpr.deny_unclassified_personal_name) == 0 with input as fx.with_fields([fx.base_field, f])
}
