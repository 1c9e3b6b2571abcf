"""temporal_sdk: a pure-Python Temporal SDK."""
