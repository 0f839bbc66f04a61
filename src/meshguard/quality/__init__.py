"""Data quality: contract → pandera schema, ODCS quality rules, SLAs, relationships, profile, masking."""
