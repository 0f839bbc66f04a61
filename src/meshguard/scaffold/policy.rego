# METADATA
# title: Example governance rules
# description: Replace with your organisation's federated rules.
package meshguard.example

# METADATA
# title: Products name an owner
# custom:
#   id: example.owner_required
#   severity: error
#   regulation: ownership
#   remediation: Add team.name and at least one member.
deny contains msg if {
	not input.product.owner
	msg := "the product names no owner"
}
