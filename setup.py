"""Build hook: generate ``temporal_sdk.api`` from the pinned Temporal .proto files."""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

sys.path.insert(0, str(Path(__file__).resolve().parent / "build_support"))


class BuildPyWithApi(build_py):
    def run(self) -> None:
        import gen_api

        gen_api.generate()
        packages = find_packages(include=["temporal_sdk*"])
        self.distribution.packages = packages
        self.packages = packages
        super().run()


setup(cmdclass={"build_py": BuildPyWithApi})
