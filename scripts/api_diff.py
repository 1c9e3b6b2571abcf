"""List public names of the official temporalio modules that temporal_sdk does not provide.

Reads the official source with ``ast`` (never imports it): a module's ``__all__`` when it has one,
otherwise its module-level public definitions, assignments and imports. Usage:

    .venv/bin/python scripts/api_diff.py /path/to/temporalio
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

MODULES = (
    "workflow",
    "activity",
    "client",
    "worker",
    "common",
    "exceptions",
    "converter",
    "testing",
    "runtime",
)


def official_names(root: Path, module: str) -> set[str]:
    """The public names one official module exports."""
    path = root / f"{module}.py"
    if not path.exists():
        path = root / module / "__init__.py"
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id == "__all__":
                    names = set(ast.literal_eval(node.value))  # type: ignore[arg-type]
                    return {name for name in names if not name.startswith("_")}
                if isinstance(target, ast.Name) and not _is_typing_helper(node.value):
                    names.add(target.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 1:  # own submodules only
            names.update(alias.asname or alias.name for alias in node.names)
    return {name for name in names if not name.startswith("_")}


def _is_typing_helper(value: ast.expr | None) -> bool:
    """Type variables and type aliases (``T = TypeVar(...)``, ``F = Callable[...]``)."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name | ast.Attribute):
        func = value.func.id if isinstance(value.func, ast.Name) else value.func.attr
        return func in {"TypeVar", "ParamSpec", "NewType"}
    return isinstance(value, ast.Subscript)


def type_helper_names(root: Path) -> set[str]:
    """Every name ``temporalio.types`` assigns: type variables and callable aliases."""
    tree = ast.parse((root / "types.py").read_text())
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def main() -> None:
    """Print, per module, the official names temporal_sdk lacks."""
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/dl/tio/temporalio")
    for module in MODULES:
        mod = importlib.import_module(f"temporal_sdk.{module}")
        typing_aliases = type_helper_names(root) | official_names(root, "types")
        wanted = official_names(root, module) - typing_aliases
        # hasattr, not dir(): packages serve some names lazily through a module __getattr__.
        missing = sorted(name for name in wanted if not hasattr(mod, name))
        print(f"{module}: {len(missing)} missing")
        for name in missing:
            print(f"  {name}")


if __name__ == "__main__":
    main()
