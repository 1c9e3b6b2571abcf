"""The determinism guard: refused inside workflow code, untouched everywhere else."""

from __future__ import annotations

import asyncio
import datetime
import logging
import os
import random
import secrets
import site
import socket
import subprocess
import sys
import textwrap
import threading
import time
import types
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from runtime_helpers import Harness, commands, decode

from temporal_sdk import workflow
from temporal_sdk._core.activation import CompleteWorkflow
from temporal_sdk.worker.workflow_sandbox import RestrictedWorkflowAccessError


def _open_self() -> None:
    with open(__file__, "rb"):
        pass


def _socket() -> None:
    socket.socket().close()


def _thread() -> None:
    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()


def _popen() -> None:
    subprocess.Popen([sys.executable, "-c", "pass"]).wait()


#: name in the error -> (the call, a word the suggested alternative contains)
GUARDED: dict[str, tuple[Callable[[], Any], str]] = {
    "time.time": (time.time, "workflow.now()"),
    "time.time_ns": (time.time_ns, "workflow.time_ns()"),
    "time.monotonic": (time.monotonic, "workflow.time()"),
    "time.perf_counter": (time.perf_counter, "workflow.time()"),
    "time.sleep": (lambda: time.sleep(0), "asyncio.sleep"),
    "time.localtime": (time.localtime, "workflow.now()"),
    "time.gmtime": (lambda: time.gmtime(None), "workflow.now()"),
    "time.ctime": (time.ctime, "workflow.now()"),
    "time.asctime": (time.asctime, "workflow.now()"),
    "time.strftime": (lambda: time.strftime("%Y"), "workflow.now()"),
    "random.Random.seed": (lambda: random.Random(), "seed random.Random explicitly"),
    "random.SystemRandom.random": (lambda: random.SystemRandom().random(), "workflow.random()"),
    "random.random": (lambda: random.random(), "workflow.random()"),
    "random.randint": (lambda: random.randint(1, 6), "workflow.random()"),
    "random.shuffle": (lambda: random.shuffle([1, 2]), "workflow.random()"),
    "uuid.uuid1": (uuid.uuid1, "workflow.uuid4()"),
    "uuid.uuid4": (uuid.uuid4, "workflow.uuid4()"),
    "os.urandom": (lambda: os.urandom(4), "workflow.random()"),
    "secrets.token_hex": (lambda: secrets.token_hex(4), "workflow.random()"),
    "threading.Thread.start": (_thread, "asyncio tasks"),
    "socket.socket": (_socket, "activity"),
    "subprocess.Popen": (_popen, "activity"),
    "os.system": (lambda: os.system("true"), "activity"),
    "builtins.open": (_open_self, "activity"),
    "builtins.open (through pathlib)": (lambda: Path(__file__).read_bytes(), "activity"),
}


@workflow.defn
class CallWorkflow:
    """Calls the guarded function named by its argument and reports what happened."""

    @workflow.run
    async def run(self, name: str) -> list[str]:
        try:
            GUARDED[name][0]()
        except RestrictedWorkflowAccessError as err:
            assert isinstance(err, workflow.NondeterminismError)
            return [err.qualified_name, str(err)]
        return ["not refused"]


@workflow.defn
class DeterministicFormsWorkflow:
    """Calls guarded functions in their forms that do not read the clock or the OS."""

    @workflow.run
    async def run(self) -> list[Any]:
        epoch = time.gmtime(0)
        return [
            time.localtime(0).tm_year > 1900,
            time.strftime("%Y", epoch),
            time.asctime(epoch),
            random.Random(42).randint(0, 10**6),
        ]


def test_deterministic_forms_of_guarded_functions_are_allowed() -> None:
    year_ok, year, text, drawn = _outcome(DeterministicFormsWorkflow)
    assert (year_ok, year, text) == (True, "1970", "Thu Jan  1 00:00:00 1970")
    assert drawn == random.Random(42).randint(0, 10**6)


def _outcome(cls: type, *args: Any) -> Any:
    (done,) = commands(Harness(cls, *args).start())
    assert isinstance(done, CompleteWorkflow)
    return decode(done.result)


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_guarded_call_is_refused_in_workflow_with_the_alternative(name: str) -> None:
    qualified, message = _outcome(CallWorkflow, name)
    called = name.split(" ")[0]
    assert qualified == called
    assert f"Cannot call {called} from inside a workflow" in message
    assert GUARDED[name][1] in message


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_guarded_call_works_outside_workflows(name: str) -> None:
    GUARDED[name][0]()


def test_guarded_call_works_on_an_ordinary_event_loop() -> None:
    async def main() -> float:
        await asyncio.sleep(0)
        return time.time() + random.random() + len(str(uuid.uuid4()))

    assert asyncio.run(main()) > 0


@workflow.defn
class UncaughtWorkflow:
    @workflow.run
    async def run(self) -> float:
        return time.time()


def test_uncaught_guard_error_fails_the_task_not_the_workflow() -> None:
    completion = Harness(UncaughtWorkflow).start()
    assert completion.failure is not None
    failure = completion.failure.failure
    assert "Cannot call time.time from inside a workflow" in failure.message
    assert failure.application_failure_info.type == "RestrictedWorkflowAccessError"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@workflow.defn
class LoggingWorkflow:
    @workflow.run
    async def run(self) -> str:
        logging.getLogger("guard-test").warning("plain logger in workflow")
        workflow.logger.warning("workflow logger")
        return "logged"


def test_logging_inside_a_workflow_does_not_trip_the_guard() -> None:
    capture = _Capture()
    logger = logging.getLogger("guard-test")
    logger.addHandler(capture)
    try:
        assert _outcome(LoggingWorkflow) == "logged"
    finally:
        logger.removeHandler(capture)
    assert capture.messages == ["plain logger in workflow"]


@workflow.defn(sandboxed=False)
class UnsandboxedWorkflow:
    @workflow.run
    async def run(self) -> list[bool]:
        stamp = time.time()
        return [stamp > 0, bool(uuid.uuid4()), workflow.unsafe.in_sandbox()]


def test_sandboxed_false_switches_the_guard_off() -> None:
    assert _outcome(UnsandboxedWorkflow) == [True, True, False]


@workflow.defn
class UnrestrictedBlockWorkflow:
    @workflow.run
    async def run(self) -> list[Any]:
        before = workflow.unsafe.in_sandbox()
        with workflow.unsafe.imports_passed_through():
            import json  # noqa: F401
        with workflow.unsafe.sandbox_unrestricted():
            inside = workflow.unsafe.in_sandbox()
            stamp = time.time()
        try:
            time.time()
        except RestrictedWorkflowAccessError:
            refused_again = True
        else:
            refused_again = False
        return [before, inside, stamp > 0, refused_again]


def test_sandbox_unrestricted_lifts_the_guard_for_the_block_only() -> None:
    assert _outcome(UnrestrictedBlockWorkflow) == [True, False, True, True]
    assert workflow.unsafe.in_sandbox() is False


@workflow.defn
class DatetimeWorkflow:
    @workflow.run
    async def run(self) -> str:
        return workflow.now().isoformat()


def test_workflow_safe_alternatives_still_work() -> None:
    stamp = datetime.datetime.fromisoformat(_outcome(DatetimeWorkflow))
    assert stamp.tzinfo is not None


def _module_at(name: str, path: str, source: str) -> types.ModuleType:
    """A module whose code claims to live at ``path`` (for the guard's frame classification)."""
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    exec(compile(textwrap.dedent(source), path, "exec"), module.__dict__)
    return module


_SITE = site.getsitepackages()[0]
_fake_lib = _module_at(
    "guard_fake_lib",
    os.path.join(_SITE, "guard_fake_lib.py"),
    """
    import time

    def read_clock():
        return time.time()
    """,
)
_fake_sdk_helper = _module_at(
    "guard_fake_sdk_helper",
    os.path.join(os.path.dirname(workflow.__file__), "guard_fake_sdk_helper.py"),
    """
    import guard_fake_lib

    def on_behalf_of_the_sdk():
        return guard_fake_lib.read_clock()
    """,
)


@workflow.defn
class LibraryWorkflow:
    @workflow.run
    async def run(self) -> list[str]:
        outcomes = []
        for call in (_fake_lib.read_clock, _fake_sdk_helper.on_behalf_of_the_sdk):
            try:
                call()
                outcomes.append("allowed")
            except RestrictedWorkflowAccessError:
                outcomes.append("refused")
        return outcomes


def test_installed_libraries_count_as_the_code_that_called_them() -> None:
    # Called from workflow code: refused. Called by the SDK (e.g. a tracer): allowed.
    assert _outcome(LibraryWorkflow) == ["refused", "allowed"]


_installed_workflows = _module_at(
    "guard_installed_workflows",
    os.path.join(_SITE, "guard_installed_workflows.py"),
    """
    import time
    from temporal_sdk import workflow

    @workflow.defn
    class InstalledWorkflow:
        @workflow.run
        async def run(self) -> float:
            return time.time()
    """,
)


def test_workflows_installed_as_packages_are_still_guarded() -> None:
    completion = Harness(_installed_workflows.InstalledWorkflow).start()
    assert completion.failure is not None
    assert "Cannot call time.time" in completion.failure.failure.message
