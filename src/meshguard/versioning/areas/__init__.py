"""The change rules of :mod:`meshguard.versioning.diff`, one module per area of a contract:
properties and their types, logical type options (bounds and formats), quality rules and
relationships, service levels and servers."""
