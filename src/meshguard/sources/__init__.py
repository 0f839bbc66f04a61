"""Data sources: one module per kind behind the small protocol of :mod:`.base`; see :mod:`.registry`."""
