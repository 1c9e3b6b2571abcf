"""Lazy stand-in for ``_interceptor_inputs``, so importing the client does not build its records.

Rule: client modules create interceptor inputs as ``_inputs.SomeInput(...)``, never by importing
the classes at module level. The first attribute access imports ``_interceptor_inputs`` (26
dataclasses: the largest import cost of the client) and caches the name here, so every later
call costs a global lookup and one module-dictionary lookup. Type checkers see a plain import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporal_sdk._lazy import lazy_facade

if TYPE_CHECKING:
    from temporal_sdk.client._interceptor_inputs import *  # noqa: F403
else:
    __getattr__ = lazy_facade(globals(), "temporal_sdk.client._interceptor_inputs")
