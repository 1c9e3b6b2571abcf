"""The version literal matches pyproject.toml, and the client announces it."""

from __future__ import annotations

import sys
from pathlib import Path

import temporal_sdk
from temporal_sdk._io.service import CLIENT_VERSION

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_version_matches_pyproject() -> None:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["project"]["version"]
    assert temporal_sdk.__version__ == declared
    assert declared == CLIENT_VERSION
