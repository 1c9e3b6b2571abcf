"""random_uuid() matches what str(uuid.uuid4()) produces."""

from __future__ import annotations

import uuid

from temporal_sdk._ids import random_uuid


def test_random_uuid_is_a_canonical_version_4_uuid() -> None:
    seen = set()
    for _ in range(200):
        text = random_uuid()
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        seen.add(text)
    assert len(seen) == 200
