"""meshguard: executable federated governance for a data mesh.

Importing this package stays cheap: heavy libraries (polars, pandera, duckdb,
opa_client, regorus) are imported inside the modules that need them.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
