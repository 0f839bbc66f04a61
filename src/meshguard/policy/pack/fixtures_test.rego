# Shared fixtures for the policy unit tests: a compliant product and builders.
package meshguard.test_fixtures

base_field := {
	"schema": "customers",
	"name": "customer_id",
	"path": "customer_id",
	"pointer": "/schema/0/properties/0",
	"logical_type": "string",
	"physical_type": "varchar",
	"required": true,
	"unique": true,
	"primary_key": true,
	"classification": "internal",
	"tags": [],
	"categories": [],
	"description": "Customer key",
	"critical": false,
	"encrypted_name": null,
	"authoritative_definitions": [],
	"custom_properties": {},
}

field(overrides) := object.union(base_field, overrides)

email := field({
	"name": "email",
	"path": "email",
	"classification": "restricted",
	"tags": ["pii"],
	"categories": ["confidential", "pii"],
	"description": "Contact e-mail",
})

diagnosis := field({
	"name": "diagnosis",
	"path": "diagnosis",
	"classification": "restricted",
	"tags": ["phi"],
	"categories": ["confidential", "phi", "pii", "special"],
	"description": "ICD-10 code",
	"encrypted_name": "diagnosis_enc",
})

contract := {
	"apiVersion": "v3.1.0",
	"kind": "DataContract",
	"id": "customers",
	"version": "2.0.0",
	"status": "active",
	"description": {"purpose": "Serve customer master data to order fulfilment"},
	"team": {"name": "crm", "members": [{"username": "ana", "role": "owner"}, {"username": "dan", "role": "dpo"}]},
	"support": [{"channel": "#crm", "url": "https://chat.example.com/crm"}],
	"servers": [{"server": "prod", "type": "s3", "region": "eu-west-1", "customProperties": [{"property": "encryption", "value": "aws:kms"}]}],
	"roles": [{"role": "clinical_reader", "access": "read", "firstLevelApprovers": "privacy-office"}],
	"slaProperties": [
		{"property": "retention", "value": 5, "unit": "y"},
		{"property": "freshness", "value": 1, "unit": "d", "element": "customers.updated_at"},
	],
	"schema": [{"name": "customers", "properties": [{"name": "customer_id", "quality": [{"metric": "nullValues", "mustBe": 0}]}]}],
}

compliant := {
	"meshguard": {"version": "0.1.0", "input_version": "1", "mode": "ci", "now": "2025-01-01T00:00:00Z"},
	"contract": contract,
	"product": {"id": "customers", "name": "customers", "domain": "ecommerce", "version": "2.0.0", "status": "active", "owner": "crm", "path": "contracts/customers.odcs.yaml"},
	"fields": [base_field, email, diagnosis],
	"data": {"source": "sample", "rows": 10, "columns": {"customer_id": {"detected": []}, "email": {"detected": ["email"]}}},
	"quality": {"checks": [{"id": "q1", "name": "q1", "stage": "quality", "status": "passed", "dimension": "completeness", "severity": "error", "field": "customer_id"}], "passed": 1, "failed": 0, "errored": 0},
	"changes": [],
	"previous": null,
}

with_contract(overrides) := object.union(compliant, {"contract": object.union(contract, overrides)})

with_fields(fields) := object.union(compliant, {"fields": fields})

# object.union merges nested objects, so removing a key needs object.remove on a copy
without_contract_key(key) := object.union(object.remove(compliant, ["contract"]), {"contract": object.remove(contract, [key])})
