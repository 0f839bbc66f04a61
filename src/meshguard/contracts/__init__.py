"""Contracts: load (safe YAML with lines), validate (ODCS JSON Schema), model, lint, diff."""
