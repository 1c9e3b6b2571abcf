"""temporal_sdk: a pure-Python Temporal SDK."""

from temporal_sdk._version import __version__

__all__ = ["__version__"]
