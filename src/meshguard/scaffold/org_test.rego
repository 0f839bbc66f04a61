# Unit tests of policies/org.rego: `meshguard policy test` runs them with the pack's own.
package meshguard.org_test

import data.meshguard.org

test_missing_data_product_warns if {
	count(org.warn_data_product) == 1 with input as {"contract": {"id": "x"}}
}

test_named_data_product_passes if {
	count(org.warn_data_product) == 0 with input as {"contract": {"dataProduct": "x"}}
}
