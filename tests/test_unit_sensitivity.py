"""Which sensitivity categories a property's classification, tags and customProperties mean.

The categories decide what is masked in every output (pii, special, phi, pci) and what the
policies read, so each way a word reaches them is pinned: case and spaces, the ``key:value``
tag form, the customProperties keys, lists of values, words no mapping knows, and the words
``meshguard.yaml`` adds or redefines. Fast and in-process (the mutation target ``sensitivity``).
"""

from __future__ import annotations

from meshguard.sensitivity import DEFAULT_MAPPING, MASKED_CATEGORIES, SensitivityMap


def cats(*words: str) -> frozenset[str]:
    return frozenset(words)


def test_a_classification_is_read_without_case_or_surrounding_spaces() -> None:
    smap = SensitivityMap()
    assert smap.categories("  PII ") == cats("pii")
    assert smap.categories("Restricted") == cats("confidential")
    assert smap.categories("HIPAA") == cats("phi", "pii", "special")


def test_no_classification_and_an_unknown_one_mean_nothing() -> None:
    smap = SensitivityMap()
    assert smap.categories(None) == frozenset()
    assert smap.categories("") == frozenset()
    assert smap.categories("internal") == frozenset()
    assert smap.categories("top-secret-ish") == frozenset()


def test_the_masked_categories_are_the_personal_ones() -> None:
    assert cats("pii", "special", "phi", "pci") == MASKED_CATEGORIES
    # every word of the default mapping that means personal data is masked
    masked = {w for w, c in DEFAULT_MAPPING.items() if set(c) & MASKED_CATEGORIES}
    assert masked == {
        "pii",
        "personal",
        "personal-data",
        "gdpr",
        "special",
        "special-category",
        "health",
        "biometric",
        "genetic",
        "phi",
        "hipaa",
        "pci",
        "cardholder",
    }


def test_tags_add_to_the_classification() -> None:
    smap = SensitivityMap()
    assert smap.categories("confidential", ["Health", " cardholder "]) == cats(
        "confidential", "pii", "special", "pci"
    )


def test_a_tag_in_key_value_form_is_read_by_its_value() -> None:
    smap = SensitivityMap()
    assert smap.categories(None, ["sensitivity:PHI"]) == cats("phi", "pii", "special")
    # split once: the value is all after the first colon
    assert smap.categories(None, ["a:b:pii"]) == frozenset()
    assert SensitivityMap({"b:pii": ("pii",)}).categories(None, ["a:b:pii"]) == cats("pii")
    # the key alone means nothing
    assert smap.categories(None, ["pii:other"]) == frozenset()


def test_tags_that_are_not_words_or_not_known_are_ignored() -> None:
    smap = SensitivityMap()
    assert smap.categories(None, [3, None, ["pii"], "unknown", "gdpr"]) == cats("pii")  # type: ignore[list-item]


def test_every_tag_is_read_not_only_the_first() -> None:
    smap = SensitivityMap()
    assert smap.categories(None, ["unknown", "pci", "gdpr"]) == cats("pci", "pii")


def test_custom_properties_of_each_known_key_are_read() -> None:
    smap = SensitivityMap()
    for key in ("sensitivity", "categories", "dataCategory", "privacy"):
        assert smap.categories(None, (), [{"property": key, "value": " PCI "}]) == cats("pci"), key


def test_custom_properties_of_other_keys_are_not_read() -> None:
    smap = SensitivityMap()
    props = [{"property": "owner", "value": "pii"}, {"property": "Sensitivity", "value": "pii"}]
    assert smap.categories(None, (), props) == frozenset()


def test_a_custom_property_holding_a_list_adds_each_value() -> None:
    smap = SensitivityMap()
    props = [{"property": "categories", "value": ["pci", 7, None, "Health", "nope"]}]
    assert smap.categories(None, (), props) == cats("pci", "pii", "special")


def test_custom_properties_that_are_not_mappings_are_skipped_and_the_rest_read() -> None:
    smap = SensitivityMap()
    props = ["pii", None, {"property": "privacy"}, {"property": "privacy", "value": "gdpr"}]
    assert smap.categories(None, (), props) == cats("pii")  # type: ignore[arg-type]


def test_every_custom_property_is_read_after_one_that_does_not_count() -> None:
    smap = SensitivityMap()
    props = [
        {"property": "owner", "value": "x"},
        {"property": "privacy", "value": "pci"},
        {"property": "sensitivity", "value": "phi"},
    ]
    assert smap.categories(None, (), props) == cats("pci", "phi", "pii", "special")


def test_all_three_sources_together() -> None:
    smap = SensitivityMap()
    got = smap.categories("public", ["sensitivity:secret"], [{"property": "privacy", "value": "pci"}])
    assert got == cats("public", "confidential", "pci")


def test_known_words_ignore_case_and_spaces() -> None:
    smap = SensitivityMap()
    assert smap.known(" Internal ")
    assert smap.known("PERSONAL-DATA")
    assert not smap.known("Kundendaten")
    assert not smap.known("")


def test_the_default_map_is_a_copy_of_the_default_mapping() -> None:
    smap = SensitivityMap()
    assert dict(smap.mapping) == DEFAULT_MAPPING
    assert smap.mapping is not DEFAULT_MAPPING


def test_configured_words_are_added_with_case_and_spaces_folded() -> None:
    smap = SensitivityMap.from_config({" Kundendaten ": ["pii"], "Intern": []})
    assert smap.categories("kundendaten") == cats("pii")
    assert smap.known("intern")
    assert smap.categories("intern") == frozenset()
    # the defaults stay, and the module's table is not changed
    assert smap.categories("pci") == cats("pci")
    assert "kundendaten" not in DEFAULT_MAPPING


def test_a_configured_word_redefines_a_default_one() -> None:
    smap = SensitivityMap.from_config({"internal": ("confidential",), "Health": ("phi",)})
    assert smap.categories("internal") == cats("confidential")
    assert smap.categories("health") == cats("phi")
    assert SensitivityMap().categories("health") == cats("pii", "special")


def test_no_configuration_means_the_defaults() -> None:
    assert dict(SensitivityMap.from_config(None).mapping) == DEFAULT_MAPPING
    assert dict(SensitivityMap.from_config({}).mapping) == DEFAULT_MAPPING
