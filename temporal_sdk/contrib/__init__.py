"""Optional integrations with third-party libraries; each submodule needs its own extra."""
