"""Lazy public names for package ``__init__`` modules (PEP 562 module ``__getattr__``).

Rule: a name served lazily must also be imported under ``if TYPE_CHECKING:`` in the package,
so type checkers see it as an ordinary import; the ``__getattr__`` made here is assigned under
``if not TYPE_CHECKING:`` so a misspelled name is still a type error. The first access imports
the defining module and caches the value in the package's namespace, so later accesses (and
``from package import name``) cost nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(namespace: dict[str, Any], origins: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` importing ``name`` from ``origins[name]`` on first use."""
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        origin = origins.get(name)
        if origin is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(origin), name)
        namespace[name] = value
        return value

    return __getattr__


def lazy_facade(namespace: dict[str, Any], origin: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` serving every public name of module ``origin`` on first use.

    For a small stand-in module that SDK code calls through (``facade.Name(...)``): the first
    access imports ``origin`` (under the import lock, so a second thread waits for it) and each
    name is then cached in the stand-in's namespace, costing one dictionary lookup afterwards.
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        try:
            value = getattr(importlib.import_module(origin), name)
        except AttributeError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        namespace[name] = value
        return value

    return __getattr__


class LazyModule:
    """Stands in for module ``name`` until an attribute is first read, then imports it.

    Each attribute read is cached on the instance, so later reads are an ordinary instance
    attribute lookup. Declare the real module under ``if TYPE_CHECKING:`` for type checkers.
    """

    def __init__(self, name: str) -> None:
        """Remember ``name``; nothing is imported yet."""
        self._lazy_name = name

    def __getattr__(self, attr: str) -> Any:
        value = getattr(importlib.import_module(self._lazy_name), attr)
        setattr(self, attr, value)
        return value
