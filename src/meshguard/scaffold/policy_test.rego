package meshguard.example_test

import data.meshguard.example

test_owner_missing_denied if {
	count(example.deny) == 1 with input as {"product": {}}
}

test_owner_present_allowed if {
	count(example.deny) == 0 with input as {"product": {"owner": "team"}}
}
