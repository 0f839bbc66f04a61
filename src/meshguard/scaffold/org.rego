# Your organisation's own rules, on top of the standard pack shipped with meshguard
# (GDPR, HIPAA, ownership, quality, versioning). A new package extends the pack; a package
# named like one of the pack's (e.g. meshguard.gdpr) replaces it. Rules named deny_* block,
# warn_* warn. `meshguard policy input PRODUCT` prints the document a rule sees as `input`.
#
# METADATA
# title: Organisation rules
# description: Replace with your organisation's federated rules.
package meshguard.org

# METADATA
# title: Contracts name their data product
# custom:
#   id: ORG-001
#   severity: warning
#   remediation: Set `dataProduct` to the data product this contract describes.
warn_data_product contains msg if {
	not input.contract.dataProduct
	msg := "the contract names no dataProduct"
}
