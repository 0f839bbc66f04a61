"""The version of meshguard (the ground floor: any module may import it)."""

__version__ = "0.1.0"
