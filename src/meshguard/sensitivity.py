"""Sensitivity vocabulary (DESIGN.md §4).

ODCS ``classification`` is free text, so meshguard maps a property's
classification, tags and customProperties to a fixed set of categories that
policies read (``field.categories``), never raw strings. The mapping is
configurable in meshguard.yaml (``sensitivity:``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CATEGORIES: tuple[str, ...] = ("pii", "special", "phi", "pci", "confidential", "public")

#: categories whose values are masked in every output
MASKED_CATEGORIES = frozenset({"pii", "special", "phi", "pci"})

#: default mapping of lower-cased classification / tag values to categories
DEFAULT_MAPPING: dict[str, tuple[str, ...]] = {
    "public": ("public",),
    "internal": (),
    "confidential": ("confidential",),
    "restricted": ("confidential",),
    "sensitive": ("confidential",),
    "secret": ("confidential",),
    "pii": ("pii",),
    "personal": ("pii",),
    "personal-data": ("pii",),
    "gdpr": ("pii",),
    "special": ("pii", "special"),
    "special-category": ("pii", "special"),
    "health": ("pii", "special"),
    "biometric": ("pii", "special"),
    "genetic": ("pii", "special"),
    "phi": ("phi", "pii", "special"),
    "hipaa": ("phi", "pii", "special"),
    "pci": ("pci",),
    "cardholder": ("pci",),
}

#: classification levels, least to most strict (for "restricted or stricter")
CLASSIFICATION_LEVELS: tuple[str, ...] = (
    "public",
    "internal",
    "confidential",
    "restricted",
    "secret",
)

#: customProperties keys whose values are read like tags
CUSTOM_PROPERTY_KEYS = ("sensitivity", "categories", "dataCategory", "privacy")


@dataclass(frozen=True)
class SensitivityMap:
    """Classification and tag values → the sensitivity categories they mean."""

    mapping: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_MAPPING))

    def known(self, value: str) -> bool:
        return value.strip().lower() in self.mapping

    def categories(
        self,
        classification: str | None,
        tags: Iterable[str] = (),
        custom_properties: Iterable[Mapping[str, Any]] = (),
    ) -> frozenset[str]:
        """Categories for one property. Tags only count when they are known words."""
        out: set[str] = set()
        if classification:
            out.update(self.mapping.get(classification.strip().lower(), ()))
        for tag in tags:
            if isinstance(tag, str):
                word = tag.strip().lower()
                if ":" in word:  # tags like "sensitivity:pii"
                    word = word.split(":", 1)[1]
                out.update(self.mapping.get(word, ()))
        for prop in custom_properties:
            if not isinstance(prop, Mapping) or prop.get("property") not in CUSTOM_PROPERTY_KEYS:
                continue
            value = prop.get("value")
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, str):
                    out.update(self.mapping.get(v.strip().lower(), ()))
        return frozenset(out)

    @classmethod
    def from_config(cls, extra: Mapping[str, Iterable[str]] | None) -> SensitivityMap:
        mapping = dict(DEFAULT_MAPPING)
        for key, cats in (extra or {}).items():
            mapping[key.strip().lower()] = tuple(cats)
        return cls(mapping)
