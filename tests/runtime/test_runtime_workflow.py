"""Workflow code on the deterministic loop: timers, outcomes, conditions, determinism, signals."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
from datetime import timedelta

import pytest
from runtime_helpers import FC, PC, T0, Harness, commands, decode, payload

from temporal_sdk import workflow
from temporal_sdk._core.activation import (
    CancelTimer,
    CancelWorkflow,
    CancelWorkflowExecution,
    CompleteWorkflow,
    FailWorkflow,
    FireTimer,
    SignalWorkflow,
    StartTimer,
)
from temporal_sdk.api.enums.v1 import WorkflowTaskFailedCause
from temporal_sdk.exceptions import ApplicationError


@workflow.defn
class TimerWorkflow:
    @workflow.run
    async def run(self) -> float:
        start = workflow.now()
        await asyncio.sleep(0)  # not a timer
        await asyncio.sleep(1.5)
        await workflow.sleep(timedelta(milliseconds=200))
        return (workflow.now() - start).total_seconds()


def test_sleep_starts_durable_timers_and_time_follows_activations() -> None:
    h = Harness(TimerWorkflow)
    (timer,) = commands(h.start())
    assert timer == StartTimer(1, 1.5, origin=timer.origin)
    assert "in run" in timer.origin
    (timer2,) = commands(h.activate(FireTimer(1), advance=1.5))
    assert isinstance(timer2, StartTimer)
    assert timer2.seq == 2
    assert timer2.duration == pytest.approx(0.2)
    (done,) = commands(h.activate(FireTimer(2), advance=0.25))
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == pytest.approx(1.75)


@workflow.defn
class WaitForWorkflow:
    def __init__(self) -> None:
        self.event = asyncio.Event()

    @workflow.signal
    def go(self) -> None:
        self.event.set()

    @workflow.run
    async def run(self) -> str:
        try:
            await asyncio.wait_for(self.event.wait(), timeout=10)
        except asyncio.TimeoutError:
            return "timeout"
        return "signalled"


def test_wait_for_cancels_its_timer_when_the_wait_finishes_first() -> None:
    h = Harness(WaitForWorkflow)
    (timer,) = commands(h.start())
    assert isinstance(timer, StartTimer) and timer.duration == 10
    cmds = commands(h.activate(SignalWorkflow("go", ())))
    assert [type(c) for c in cmds] == [CancelTimer, CompleteWorkflow]
    assert cmds[0].seq == 1  # type: ignore[union-attr]
    assert decode(cmds[1].result) == "signalled"  # type: ignore[union-attr]


def test_wait_for_times_out_on_timer_fire() -> None:
    h = Harness(WaitForWorkflow)
    commands(h.start())
    (done,) = commands(h.activate(FireTimer(1), advance=10))
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == "timeout"


@workflow.defn
class ConditionWorkflow:
    def __init__(self) -> None:
        self.items: list[str] = []

    @workflow.signal
    async def add(self, item: str) -> None:
        self.items.append(item)

    @workflow.run
    async def run(self, timeout: float | None) -> list[str]:
        try:
            await workflow.wait_condition(lambda: len(self.items) >= 2, timeout=timeout)
        except asyncio.TimeoutError:
            return ["timed out", *self.items]
        return self.items


def test_wait_condition_without_timeout_has_no_timer() -> None:
    h = Harness(ConditionWorkflow, None)
    assert commands(h.start(SignalWorkflow("add", (payload("a"),)))) == ()
    (done,) = commands(h.activate(SignalWorkflow("add", (payload("b"),))))
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == ["a", "b"]


def test_wait_condition_with_timeout() -> None:
    h = Harness(ConditionWorkflow, 5.0)
    (timer,) = commands(h.start())
    assert isinstance(timer, StartTimer) and timer.duration == 5.0
    assert commands(h.activate(SignalWorkflow("add", (payload("a"),)))) == ()
    (done,) = commands(h.activate(FireTimer(1), advance=5))
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == ["timed out", "a"]


def test_wait_condition_met_before_timeout_cancels_timer() -> None:
    h = Harness(ConditionWorkflow, 5.0)
    commands(h.start())
    cmds = commands(
        h.activate(SignalWorkflow("add", (payload("a"),)), SignalWorkflow("add", (payload("b"),)))
    )
    assert [type(c) for c in cmds] == [CancelTimer, CompleteWorkflow]


@workflow.defn
class AppErrorWorkflow:
    @workflow.run
    async def run(self) -> None:
        raise ApplicationError("deliberate", {"k": 1}, type="MyError", non_retryable=True)


def test_application_error_fails_the_workflow() -> None:
    (fail,) = commands(Harness(AppErrorWorkflow).start())
    assert isinstance(fail, FailWorkflow)
    err = FC.from_failure(fail.failure, PC)
    assert isinstance(err, ApplicationError)
    assert (err.message, err.type, err.non_retryable) == ("deliberate", "MyError", True)
    assert err.details == ({"k": 1},)


@workflow.defn
class BugWorkflow:
    @workflow.run
    async def run(self) -> int:
        await asyncio.sleep(1)
        return 1 // 0


def test_bug_fails_the_task_with_its_stack() -> None:
    h = Harness(BugWorkflow)
    commands(h.start())
    completion = h.activate(FireTimer(1), advance=1)
    assert completion.commands == ()
    assert completion.failure is not None
    assert (
        completion.failure.cause
        == WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE
    )
    assert "division" in completion.failure.failure.message
    assert "test_runtime_workflow.py" in completion.failure.failure.stack_trace


def test_failure_exception_types_fail_the_workflow_instead() -> None:
    h = Harness(BugWorkflow, failure_exception_types=[ArithmeticError])
    commands(h.start())
    (fail,) = commands(h.activate(FireTimer(1), advance=1))
    assert isinstance(fail, FailWorkflow)
    assert "division" in fail.failure.message


@workflow.defn(failure_exception_types=[KeyError])
class DefnFailureTypesWorkflow:
    @workflow.run
    async def run(self) -> None:
        raise KeyError("missing")


def test_defn_failure_exception_types() -> None:
    (fail,) = commands(Harness(DefnFailureTypesWorkflow).start())
    assert isinstance(fail, FailWorkflow)


@workflow.defn
class InitBugWorkflow:
    def __init__(self) -> None:
        raise RuntimeError("init broke")

    @workflow.run
    async def run(self) -> None:
        pass


def test_error_in_init_fails_the_task() -> None:
    completion = Harness(InitBugWorkflow).start()
    assert completion.failure is not None
    assert "init broke" in completion.failure.failure.message


@workflow.defn
class SleepForeverWorkflow:
    @workflow.run
    async def run(self) -> None:
        await asyncio.sleep(3600)


def test_cancel_request_cancels_timer_and_workflow() -> None:
    h = Harness(SleepForeverWorkflow)
    commands(h.start())
    cmds = commands(h.activate(CancelWorkflow()))
    assert [type(c) for c in cmds] == [CancelTimer, CancelWorkflowExecution]


@workflow.defn
class SwallowCancelWorkflow:
    @workflow.run
    async def run(self) -> str:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(1)  # cleanup after cancel still runs
            return "cleaned up"
        return "slept"


def test_workflow_may_handle_cancellation() -> None:
    h = Harness(SwallowCancelWorkflow)
    commands(h.start())
    cmds = commands(h.activate(CancelWorkflow()))
    assert [type(c) for c in cmds] == [CancelTimer, StartTimer]
    (done,) = commands(h.activate(FireTimer(2), advance=1))
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == "cleaned up"


@workflow.defn
class IOWorkflow:
    @workflow.run
    async def run(self, what: str) -> None:
        loop = asyncio.get_running_loop()
        if what == "executor":
            await loop.run_in_executor(None, print)
        elif what == "dns":
            await loop.getaddrinfo("example.com", 80)
        elif what == "socket":
            with socket.socket() as sock:
                await loop.sock_connect(sock, ("127.0.0.1", 1))
        elif what == "connection":
            await asyncio.open_connection("127.0.0.1", 1)


@pytest.mark.parametrize("what", ["executor", "dns", "socket", "connection"])
def test_io_in_workflow_is_refused_clearly(what: str) -> None:
    completion = Harness(IOWorkflow, what).start()
    assert completion.failure is not None
    message = completion.failure.failure.message
    # socket.socket() itself is refused first by the determinism guard (_runtime/guard.py).
    assert "not allowed in workflow code: non-deterministic" in message or (
        what == "socket" and "Cannot call socket.socket from inside a workflow" in message
    )


@workflow.defn
class RandomWorkflow:
    @workflow.run
    async def run(self) -> list[str]:
        return [
            str(workflow.random().randint(0, 10**9)),
            str(workflow.uuid4()),
            str(workflow.uuid4()),
        ]


def _result(h: Harness) -> list[str]:
    (done,) = commands(h.start())
    assert isinstance(done, CompleteWorkflow)
    value: list[str] = decode(done.result)
    return value


def test_random_and_uuid4_are_deterministic_for_a_seed() -> None:
    first = _result(Harness(RandomWorkflow, seed=42))
    again = _result(Harness(RandomWorkflow, seed=42))
    other = _result(Harness(RandomWorkflow, seed=43))
    assert first == again
    assert first != other
    assert first[0] == str(random.Random(42).randint(0, 10**9))
    assert first[1][14] == "4"  # version nibble
    assert first[1] != first[2]


@workflow.defn
class InfoWorkflow:
    @workflow.run
    async def run(self) -> dict[str, object]:
        info = workflow.info()
        return {
            "id": info.workflow_id,
            "run": info.run_id,
            "type": info.workflow_type,
            "tq": info.task_queue,
            "ns": info.namespace,
            "attempt": info.attempt,
            "start": info.start_time.timestamp(),
            "now": workflow.now().timestamp(),
            "tz": str(workflow.now().tzinfo),
            "in": workflow.in_workflow(),
            "replaying": workflow.unsafe.is_replaying(),
            "same": workflow.instance() is self,
        }


def test_info_and_time() -> None:
    (done,) = commands(Harness(InfoWorkflow).start())
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == {
        "id": "wf-1",
        "run": "run-1",
        "type": "InfoWorkflow",
        "tq": "tq",
        "ns": "default",
        "attempt": 1,
        "start": T0,
        "now": T0,
        "tz": "UTC",
        "in": True,
        "replaying": False,
        "same": True,
    }


def test_outside_a_workflow() -> None:
    assert not workflow.in_workflow()
    with pytest.raises(workflow.NotInWorkflowError):
        workflow.info()


@workflow.defn
class LoggingWorkflow:
    @workflow.run
    async def run(self) -> None:
        workflow.logger.info("hello from workflow")


def test_logger_adds_details_and_is_quiet_during_replay(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="temporal_sdk.workflow")
    commands(Harness(LoggingWorkflow).start(replaying=True))
    assert not [r for r in caplog.records if "hello" in r.getMessage()]
    commands(Harness(LoggingWorkflow).start())
    (record,) = [r for r in caplog.records if "hello" in r.getMessage()]
    assert "'workflow_id': 'wf-1'" in record.getMessage()
    assert record.temporal_workflow["workflow_type"] == "LoggingWorkflow"  # type: ignore[attr-defined]


@workflow.defn
class AsyncioPrimitivesWorkflow:
    @workflow.run
    async def run(self) -> list[str]:
        out: list[str] = []
        queue: asyncio.Queue[str] = asyncio.Queue()
        lock = asyncio.Lock()

        async def producer() -> None:
            for item in ("a", "b"):
                await asyncio.sleep(1)
                await queue.put(item)

        async def consumer() -> None:
            for _ in range(2):
                item = await queue.get()
                async with lock:
                    out.append(item)

        await asyncio.gather(producer(), consumer())
        done, _ = await asyncio.wait([asyncio.ensure_future(asyncio.shield(asyncio.sleep(0)))])
        out.append(str(len(done)))
        try:
            async with asyncio.timeout(2):  # type: ignore[attr-defined,unused-ignore]
                await asyncio.sleep(5)
        except TimeoutError:
            out.append("timeout")
        return out


def test_asyncio_primitives_work() -> None:
    h = Harness(AsyncioPrimitivesWorkflow)
    assert [type(c) for c in commands(h.start())] == [StartTimer]
    assert [type(c) for c in commands(h.activate(FireTimer(1), advance=1))] == [StartTimer]
    cmds = commands(h.activate(FireTimer(2), advance=1))
    # asyncio.timeout(2) then sleep(5): two timers, the timeout's fires first.
    assert [(type(c), c.duration) for c in cmds] == [(StartTimer, 2), (StartTimer, 5)]  # type: ignore[union-attr]
    cmds = commands(h.activate(FireTimer(3), advance=2))
    assert [type(c) for c in cmds] == [CancelTimer, CompleteWorkflow]
    assert decode(cmds[1].result) == ["a", "b", "1", "timeout"]  # type: ignore[union-attr]


@workflow.defn
class SignalOrderWorkflow:
    def __init__(self) -> None:
        self.seen: list[str] = []

    @workflow.signal(name="note")
    def note(self, text: str) -> None:
        self.seen.append(text)

    @workflow.signal(dynamic=True)
    def anything(self, name: str, args: list[object]) -> None:
        self.seen.append(f"dynamic {name} {len(args)}")

    @workflow.run
    async def run(self) -> list[str]:
        self.seen.append("run")
        await workflow.wait_condition(lambda: len(self.seen) >= 4)
        return self.seen


def test_signals_in_first_activation_run_before_the_run_method() -> None:
    h = Harness(SignalOrderWorkflow)
    assert commands(h.start(SignalWorkflow("note", (payload("first"),)))) == ()
    (done,) = commands(
        h.activate(SignalWorkflow("other", (payload(1), payload(2))), SignalWorkflow("unk", ()))
    )
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == ["first", "run", "dynamic other 2", "dynamic unk 0"]


@workflow.defn
class CommandsAfterCloseWorkflow:
    @workflow.run
    async def run(self) -> str:
        self.pending = asyncio.ensure_future(asyncio.sleep(10))
        return "done"


def test_nothing_follows_the_closing_command() -> None:
    (done,) = commands(Harness(CommandsAfterCloseWorkflow).start())
    assert isinstance(done, CompleteWorkflow)


@workflow.defn
class FinallyWorkflow:
    unwound: list[str] = []

    @workflow.run
    async def run(self) -> None:
        try:
            await asyncio.sleep(60)
        finally:
            FinallyWorkflow.unwound.append(workflow.info().workflow_id)


def test_close_unwinds_blocked_code_inside_the_workflow_context() -> None:
    h = Harness(FinallyWorkflow)
    commands(h.start())
    h.instance.close()
    assert FinallyWorkflow.unwound == ["wf-1"]
    h.instance.close()  # idempotent
