"""Random request and update ids.

Rule: the same text ``str(uuid.uuid4())`` gives, without importing ``uuid``, which loads
``platform`` (and its regular expressions) on Python before 3.13: a noticeable share of the
client's import time for what is one call to ``os.urandom``.
"""

from __future__ import annotations

import os


def random_uuid() -> str:
    """A random (version 4, RFC 4122 variant) UUID in its canonical 36-character form."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
