"""Generate ``temporal_sdk.api`` from the ``.proto`` files shipped in the pinned ``temporalio``.

Run at build time (``pip install .`` / ``pip install -e .`` call it through ``setup.py``), or by
hand with ``python build_support/gen_api.py``. The ``temporalio`` distribution is only read as a
source of ``.proto`` files: its package is located with ``importlib.util.find_spec`` and never
imported, because importing it loads its native extension.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API_DIR = ROOT / "temporal_sdk" / "api"
STAMP = API_DIR / ".generated"

# Top-level proto packages that are not Temporal's own go under api/dependencies.
_DEPENDENCY_PREFIXES = ("google.api", "google.rpc", "nexusannotations", "protoc_gen_openapiv2")


def _proto_root() -> Path:
    spec = importlib.util.find_spec("temporalio")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "temporalio (a build-time requirement that ships the Temporal .proto files) "
            "is not installed"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    protos = root / "bridge" / "sdk-core" / "crates" / "protos" / "protos"
    if not protos.is_dir():
        raise SystemExit(f"no .proto files found under {protos}")
    return protos


def _collect(protos: Path) -> tuple[list[Path], list[Path]]:
    includes = [protos / "api_upstream", protos / "testsrv_upstream", protos]
    files: list[Path] = []
    for pattern_root, pattern in (
        (protos / "api_upstream", "temporal/api/**/*.proto"),
        (protos / "api_upstream", "google/api/*.proto"),
        (protos / "api_upstream", "nexusannotations/**/*.proto"),
        (protos, "protoc-gen-openapiv2/**/*.proto"),
        (protos, "google/rpc/*.proto"),
        (protos / "testsrv_upstream", "temporal/api/**/*.proto"),
    ):
        files.extend(sorted(pattern_root.glob(pattern)))
    return includes, files


def _run_protoc(includes: list[Path], files: list[Path], out: Path, descriptors: Path) -> None:
    from grpc_tools import protoc  # type: ignore[import-untyped]  # build-time only

    well_known = Path(protoc.__file__).parent / "_proto"
    args = ["grpc_tools.protoc", f"-I{well_known}"]
    args += [f"-I{inc}" for inc in includes]
    args += [f"--python_out={out}", f"--pyi_out={out}", f"--grpc_python_out={out}"]
    args += [f"--descriptor_set_out={descriptors}", "--include_imports"]
    args += [str(f) for f in files]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")


def _module_prefix(rel: Path) -> str:
    return ".".join(rel.parts)


def _rewrite(text: str) -> str:
    text = re.sub(r"\b(from|import) temporal\.api\b", r"\1 temporal_sdk.api", text)
    for dep in _DEPENDENCY_PREFIXES:
        text = re.sub(
            rf"\b(from|import) {re.escape(dep)}\b",
            rf"\1 temporal_sdk.api.dependencies.{dep}",
            text,
        )
    return text


def _destination(rel: Path) -> Path | None:
    parts = rel.parts
    if parts[:2] == ("temporal", "api"):
        return API_DIR.joinpath(*parts[2:])
    dotted = ".".join(parts[:-1])
    for dep in _DEPENDENCY_PREFIXES:
        if dotted == dep or dotted.startswith(dep + "."):
            return API_DIR.joinpath("dependencies", *parts)
    return None


# Bump when the generated output changes shape, so an existing generation is redone.
_GENERATOR_VERSION = "5"

# Services that get typed async wrappers in api/_services.py, as (proto full name, class name).
# The first one's message modules are imported with api/_services.py; the others' (operator and
# test services, which most programs never call) only when one of their RPCs is called.
_WRAPPED_SERVICES = (
    ("temporal.api.workflowservice.v1.WorkflowService", "WorkflowService"),
    ("temporal.api.operatorservice.v1.OperatorService", "OperatorService"),
    ("temporal.api.testservice.v1.TestService", "TestService"),
)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _python_module(proto_file: str) -> str:
    """Return the module that holds the messages of ``proto_file`` once generated."""
    rel = Path(proto_file)
    if proto_file.startswith("google/protobuf/"):
        return "google.protobuf." + rel.stem + "_pb2"
    dest = _destination(rel)
    if dest is None:
        raise SystemExit(f"no destination for messages of {proto_file}")
    parts = dest.relative_to(API_DIR.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1]) + "." + parts[-1] + "_pb2"


def _services_module(descriptor_set: bytes) -> str:
    """Render ``api/_services.py``: one class per wrapped service, one method per RPC."""
    from google.protobuf import descriptor_pb2  # build-time only

    fds = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set)
    message_files: dict[str, str] = {}
    services: dict[str, descriptor_pb2.ServiceDescriptorProto] = {}
    for file in fds.file:
        prefix = f".{file.package}." if file.package else "."
        for message in file.message_type:
            message_files[prefix + message.name] = file.name
        for service in file.service:
            services[prefix[1:] + service.name] = service
    modules: dict[str, str] = {}

    def ref(type_name: str) -> str:
        module = _python_module(message_files[type_name])
        alias = modules.setdefault(module, f"_m{len(modules)}")
        return f"{alias}.{type_name.rsplit('.', 1)[1]}"

    eager: set[str] = set()
    classes: list[str] = []
    for index, (full_name, class_name) in enumerate(_WRAPPED_SERVICES):
        service = services[full_name]
        body = [
            f"class {class_name}(ServiceStub):",
            f'    """Typed calls of ``{full_name}``, one coroutine per RPC."""',
            "",
            f"    _service_name = {full_name!r}",
        ]
        for method in sorted(service.method, key=lambda m: m.name):
            req, resp = ref(method.input_type), ref(method.output_type)
            resp_module = _python_module(message_files[method.output_type])
            if index == 0:
                eager.update(
                    _python_module(message_files[t])
                    for t in (method.input_type, method.output_type)
                )
            body += [
                "",
                f"    async def {_snake(method.name)}(",
                "        self,",
                f"        req: {req},",
                "        *,",
                "        retry: bool = False,",
                "        metadata: Mapping[str, str | bytes] = {},",
                "        timeout: timedelta | float | None = None,",
                f"    ) -> {resp}:",
                f'        """Call ``{method.name}``."""',
            ]
            if resp_module not in eager:
                body.append(f"        import {resp_module} as {modules[resp_module]}")
            body += [
                "        return await self._call(",
                f"            {method.name!r},",
                "            req,",
                f"            {resp},",
                "            retry=retry,",
                "            metadata=metadata,",
                "            timeout=timeout,",
                "        )",
            ]
        classes.append("\n".join(body))
    header = [
        '"""Typed wrappers of the Temporal gRPC services, generated by build_support/gen_api.py.',
        "",
        "Rule: generated; edit the generator, never this file.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping",
        "from datetime import timedelta",
        "from typing import TYPE_CHECKING",
        "",
        "from temporal_sdk._io.service import ServiceStub",
    ]
    header += [f"import {m} as {alias}" for m, alias in modules.items() if m in eager]
    lazy = [f"    import {m} as {alias}" for m, alias in modules.items() if m not in eager]
    if lazy:
        header += ["", "if TYPE_CHECKING:", *lazy]
    names = ", ".join(repr(c) for _, c in _WRAPPED_SERVICES)
    header += ["", f"__all__ = [{names}]"]
    return "\n".join(header) + "\n\n\n" + "\n\n\n".join(classes) + "\n"


_CLASS_RE = re.compile(r"^class (\w+)\(", re.MULTILINE)
_ENUM_RE = re.compile(r"^class (\w+)\(int, metaclass=_enum_type_wrapper\.EnumTypeWrapper\)", re.M)
# protobuf's enum wrapper resolves ``EventType.EVENT_TYPE_X`` through a descriptor lookup on
# every access (about 2 µs); the SDK reads such members in its per-event loops, so each package
# copies its enums' members onto the wrappers once, where attribute lookup finds them directly.
_ENUM_FAST_PATH = [
    "",
    "for _wrapper in ({enums},):",
    "    _wrapper.__dict__.update(",
    "        (k, v) for k, v in _wrapper.items() if not hasattr(type(_wrapper), k)",
    "    )",
    "del _wrapper",
]


def _write_inits() -> None:
    """Write package ``__init__`` files that re-export message, enum and service names."""
    for directory in sorted({p.parent for p in API_DIR.rglob("*.py")} | {API_DIR}):
        current = directory
        while current != API_DIR.parent and current.is_relative_to(API_DIR):
            init = current / "__init__.py"
            if not init.exists():
                init.write_text('"""Generated Temporal API bindings."""\n')
            current = current.parent
        lines: list[str] = ['"""Generated Temporal API bindings."""', ""]
        exported: list[str] = []
        for stub in sorted(directory.glob("*_pb2.pyi")):
            names = [n for n in _CLASS_RE.findall(stub.read_text()) if not n.startswith("_")]
            if names:
                lines.append(f"from .{stub.stem} import {', '.join(sorted(set(names)))}")
                exported += names
        # grpc's generated stubs are big and the SDK calls RPCs through api/_services.py, so
        # they load on first use (PEP 562) instead of with every import of the package.
        enums = sorted(
            {n for stub in directory.glob("*_pb2.pyi") for n in _ENUM_RE.findall(stub.read_text())}
        )
        if enums:
            lines += [line.format(enums=", ".join(enums)) for line in _ENUM_FAST_PATH]
        lazy: dict[str, str] = {}
        for grpc_mod in sorted(directory.glob("*_pb2_grpc.py")):
            names = [n for n in re.findall(r"^class (\w+)\b", grpc_mod.read_text(), re.M)]
            names += re.findall(r"^def (add_\w+_to_server)\(", grpc_mod.read_text(), re.M)
            for name in names:
                lazy[name] = grpc_mod.stem
            exported += names
        if len(lines) > 2 or lazy:
            if lazy:
                lines += [
                    "",
                    f"_LAZY = {dict(sorted(lazy.items()))!r}",
                    "",
                    "",
                    "def __getattr__(name: str) -> object:",
                    "    if name in _LAZY:",
                    "        import importlib",
                    "",
                    "        module = importlib.import_module(f'.{_LAZY[name]}', __name__)",
                    "        return getattr(module, name)",
                    "    raise AttributeError(name)",
                ]
            lines.append("")
            lines.append(f"__all__ = {sorted(set(exported))!r}")
            (directory / "__init__.py").write_text("\n".join(lines) + "\n")


def generate(force: bool = False) -> None:
    """Generate the bindings unless an up-to-date generation is already present."""
    protos = _proto_root()
    marker = f"{protos}\n{_GENERATOR_VERSION}"
    if not force and STAMP.exists() and STAMP.read_text() == marker:
        return
    includes, files = _collect(protos)
    if API_DIR.exists():
        shutil.rmtree(API_DIR)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        out.mkdir()
        descriptors = Path(tmp) / "descriptors.pb"
        _run_protoc(includes, files, out, descriptors)
        for src in out.rglob("*"):
            if src.suffix not in (".py", ".pyi"):
                continue
            dest = _destination(src.relative_to(out))
            if dest is None:
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(_rewrite(src.read_text()))
        services_source = _services_module(descriptors.read_bytes())
    _write_inits()
    (API_DIR / "_services.py").write_text(services_source)
    (API_DIR / "__init__.py").write_text(
        '"""Temporal API message and service bindings, generated at build time."""\n'
    )
    STAMP.write_text(marker)


if __name__ == "__main__":
    generate(force="--force" in sys.argv)
