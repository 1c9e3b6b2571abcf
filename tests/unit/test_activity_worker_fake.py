"""ActivityWorker against an in-memory service: outcomes, heartbeats, cancellation, shutdown.

The fake data converter speaks JSON and writes a failure's type and message only, so these
tests check what the worker decides and sends, not how the real converter encodes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from google.protobuf.duration_pb2 import Duration

from temporal_sdk import activity
from temporal_sdk._io.activity_worker import ActivityWorker
from temporal_sdk.api.common.v1 import (
    ActivityType,
    Payload,
    Payloads,
    WorkflowExecution,
    WorkflowType,
)
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.api.workflowservice.v1 import (
    PollActivityTaskQueueRequest,
    PollActivityTaskQueueResponse,
    RecordActivityTaskHeartbeatRequest,
    RecordActivityTaskHeartbeatResponse,
)
from temporal_sdk.common import RawValue
from temporal_sdk.exceptions import ApplicationError


def _payload(value: Any) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(value).encode())


def _value(payload: Payload) -> Any:
    return json.loads(payload.data)


class FakeConverter:
    payload_converter: Any = None
    payload_codec: Any = None

    async def encode(self, values: Sequence[Any]) -> list[Payload]:
        return [_payload(v) for v in values]

    async def decode(self, payloads: Sequence[Payload], type_hints: Any = None) -> list[Any]:
        return [_value(p) for p in payloads]

    async def encode_failure(self, exc: BaseException, failure: Failure) -> None:
        failure.message = str(exc)
        if isinstance(exc, ApplicationError):
            failure.application_failure_info.type = exc.type or ""
            failure.application_failure_info.non_retryable = exc.non_retryable
        else:
            failure.application_failure_info.type = type(exc).__name__
        if exc.__cause__ is not None:
            failure.cause.message = str(exc.__cause__)


@dataclass
class FakeService:
    tasks: asyncio.Queue[PollActivityTaskQueueResponse] = field(default_factory=asyncio.Queue)
    polls: list[PollActivityTaskQueueRequest] = field(default_factory=list)
    heartbeats: list[list[Any]] = field(default_factory=list)
    responses: dict[bytes, tuple[str, Any]] = field(default_factory=dict)
    cancel_requested: bool = False

    async def poll_activity_task_queue(
        self, req: PollActivityTaskQueueRequest, *, retry: bool, timeout: float
    ) -> PollActivityTaskQueueResponse:
        assert not retry
        self.polls.append(req)
        return await self.tasks.get()

    async def record_activity_task_heartbeat(
        self, req: RecordActivityTaskHeartbeatRequest, *, retry: bool
    ) -> RecordActivityTaskHeartbeatResponse:
        self.heartbeats.append([_value(p) for p in req.details.payloads])
        return RecordActivityTaskHeartbeatResponse(cancel_requested=self.cancel_requested)

    async def respond_activity_task_completed(self, req: Any, *, retry: bool) -> None:
        self.responses[req.task_token] = ("completed", [_value(p) for p in req.result.payloads])

    async def respond_activity_task_failed(self, req: Any, *, retry: bool) -> None:
        self.responses[req.task_token] = ("failed", req)

    async def respond_activity_task_canceled(self, req: Any, *, retry: bool) -> None:
        self.responses[req.task_token] = ("canceled", req)


class FakeClient:
    namespace = "ns"
    identity = "test-identity"

    def __init__(self) -> None:
        self.workflow_service = FakeService()
        self.data_converter = FakeConverter()


async def wait_for(check: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def make_task(
    activity_type: str, *args: Any, token: bytes = b"t1", heartbeat_timeout: float = 0.0
) -> PollActivityTaskQueueResponse:
    task = PollActivityTaskQueueResponse(
        task_token=token,
        activity_id="a1",
        activity_type=ActivityType(name=activity_type),
        workflow_type=WorkflowType(name="Wf"),
        workflow_execution=WorkflowExecution(workflow_id="wf-1", run_id="run-1"),
        input=Payloads(payloads=[_payload(a) for a in args]),
        attempt=1,
    )
    if heartbeat_timeout:
        task.heartbeat_timeout.CopyFrom(Duration(nanos=int(heartbeat_timeout * 1e9)))
    return task


Runner = Callable[..., Awaitable[tuple[FakeService, Any]]]


@pytest.fixture
async def run_worker() -> Any:
    """Run a worker over a fake service; shut it down (and the executor) at test end."""
    started: list[tuple[ActivityWorker, asyncio.Task[None]]] = []
    executor = concurrent.futures.ThreadPoolExecutor(4)

    async def start(
        activities: Sequence[Callable[..., Any]], **kwargs: Any
    ) -> tuple[FakeService, ActivityWorker]:
        client = FakeClient()
        worker = ActivityWorker(
            client=client,  # type: ignore[arg-type]
            task_queue="tq",
            activities=activities,
            activity_executor=kwargs.pop("activity_executor", executor),
            data_converter=client.data_converter,  # type: ignore[arg-type]
            max_concurrent_activities=10,
            max_activities_per_second=None,
            graceful_shutdown_timeout=kwargs.pop("graceful_shutdown_timeout", timedelta()),
            identity="me",
            **kwargs,
        )
        started.append((worker, asyncio.create_task(worker.run())))
        return client.workflow_service, worker

    yield start
    for worker, task in started:
        await worker.shutdown()
        await asyncio.wait_for(task, 5)
    executor.shutdown(wait=False)


# --- activities -------------------------------------------------------------------------


@activity.defn
async def greet(greeting: str, name: str) -> str:
    return f"{greeting}, {name}! attempt {activity.info().attempt} of {activity.info().workflow_id}"


@activity.defn
def sync_info() -> list[Any]:
    info = activity.info()
    return [info.activity_type, threading.current_thread() is threading.main_thread()]


@activity.defn
async def fails_app() -> None:
    raise ApplicationError("bad thing", type="MyError", non_retryable=True)


@activity.defn
async def fails_plain() -> None:
    raise KeyError("missing")


@activity.defn
async def heartbeats_then_fails() -> None:
    activity.heartbeat("step", 1)
    activity.heartbeat("step", 2)
    raise RuntimeError("boom")


@activity.defn
async def heartbeat_three() -> str:
    svc: FakeService = activity.client().workflow_service  # type: ignore[assignment]
    activity.heartbeat(0)
    await wait_for(lambda: len(svc.heartbeats) == 1, "first heartbeat")
    # Within the throttle interval: only the newest of these is sent, once it ends.
    activity.heartbeat(1)
    activity.heartbeat(2)
    await asyncio.sleep(0.05)
    assert len(svc.heartbeats) == 1
    await wait_for(lambda: len(svc.heartbeats) >= 2, "second heartbeat")
    return "done"


@activity.defn
async def waits_for_cancel() -> None:
    activity.heartbeat()
    await asyncio.sleep(30)


@activity.defn(no_thread_cancel_exception=True)
def sync_waits_for_cancel() -> str:
    activity.heartbeat("sync")
    activity.wait_for_cancelled_sync(10)
    return f"cancelled={activity.is_cancelled()}"


@activity.defn
def sync_heartbeats_until_cancelled() -> str:
    for _ in range(1000):
        activity.heartbeat("sync")
        activity.wait_for_cancelled_sync(0.01)
    return "never cancelled"


@activity.defn
def sync_shielded() -> str:
    with activity.shield_thread_cancel_exception():
        activity.heartbeat("sync")
        activity.wait_for_cancelled_sync(10)
        details = activity.cancellation_details()
        inner = f"shielded cancel_requested={details and details.cancel_requested}"
    return inner  # unreachable: the exception is raised when the shield ends


@activity.defn
async def waits_for_shutdown() -> str:
    await activity.wait_for_worker_shutdown()
    assert activity.is_worker_shutdown()
    await activity.wait_for_cancelled()
    return "unreachable"


@activity.defn
async def completes_async() -> None:
    activity.raise_complete_async()


@activity.defn(dynamic=True)
async def dynamic(args: Sequence[RawValue]) -> list[Any]:
    return [activity.info().activity_type, *(_value(a.payload) for a in args)]


# --- tests ------------------------------------------------------------------------------


async def test_async_activity_completes(run_worker: Runner) -> None:
    svc, _ = await run_worker([greet])
    await svc.tasks.put(make_task("greet", "Hello", "Temporal"))
    await wait_for(lambda: b"t1" in svc.responses, "response")
    assert svc.responses[b"t1"] == ("completed", ["Hello, Temporal! attempt 1 of wf-1"])
    assert svc.polls[0].namespace == "ns"
    assert svc.polls[0].identity == "me"
    assert svc.polls[0].task_queue.name == "tq"
    assert not svc.polls[0].HasField("task_queue_metadata")


async def test_sync_activity_runs_on_a_thread_with_context(run_worker: Runner) -> None:
    svc, _ = await run_worker([sync_info])
    await svc.tasks.put(make_task("sync_info"))
    await wait_for(lambda: b"t1" in svc.responses, "response")
    assert svc.responses[b"t1"] == ("completed", [["sync_info", False]])


async def test_unknown_activity_fails_with_not_found(run_worker: Runner) -> None:
    svc, _ = await run_worker([greet, sync_info])
    await svc.tasks.put(make_task("nope"))
    await wait_for(lambda: b"t1" in svc.responses, "response")
    kind, req = svc.responses[b"t1"]
    assert kind == "failed"
    assert req.failure.application_failure_info.type == "NotFoundError"
    assert "nope" in req.failure.message
    assert "available activities: greet, sync_info" in req.failure.message


async def test_application_error_and_plain_exception(run_worker: Runner) -> None:
    svc, _ = await run_worker([fails_app, fails_plain])
    await svc.tasks.put(make_task("fails_app", token=b"a"))
    await svc.tasks.put(make_task("fails_plain", token=b"b"))
    await wait_for(lambda: len(svc.responses) == 2, "responses")
    app = svc.responses[b"a"][1].failure.application_failure_info
    assert (app.type, app.non_retryable) == ("MyError", True)
    assert svc.responses[b"b"][1].failure.application_failure_info.type == "KeyError"


async def test_failure_carries_last_heartbeat_details(run_worker: Runner) -> None:
    svc, _ = await run_worker([heartbeats_then_fails])
    await svc.tasks.put(make_task("heartbeats_then_fails"))
    await wait_for(lambda: b"t1" in svc.responses, "response")
    kind, req = svc.responses[b"t1"]
    assert kind == "failed"
    assert [_value(p) for p in req.last_heartbeat_details.payloads] == ["step", 2]


async def test_heartbeats_are_throttled_and_latest_wins(run_worker: Runner) -> None:
    svc, _ = await run_worker([heartbeat_three])
    await svc.tasks.put(make_task("heartbeat_three", heartbeat_timeout=0.25))
    await wait_for(lambda: b"t1" in svc.responses, "response")
    assert svc.responses[b"t1"] == ("completed", ["done"])
    assert svc.heartbeats == [[0], [2]]


async def test_cancel_requested_through_heartbeat_cancels_async(run_worker: Runner) -> None:
    svc, _ = await run_worker([waits_for_cancel])
    svc.cancel_requested = True
    await svc.tasks.put(make_task("waits_for_cancel"))
    await wait_for(lambda: b"t1" in svc.responses, "response")
    assert svc.responses[b"t1"][0] == "canceled"


async def test_cancel_requested_sets_flag_for_sync(run_worker: Runner) -> None:
    svc, _ = await run_worker([sync_waits_for_cancel])
    svc.cancel_requested = True
    await svc.tasks.put(make_task("sync_waits_for_cancel"))
    await wait_for(lambda: b"t1" in svc.responses, "response")
    assert svc.responses[b"t1"] == ("completed", ["cancelled=True"])


async def test_cancel_requested_raises_in_sync_thread(run_worker: Runner) -> None:
    svc, _ = await run_worker([sync_heartbeats_until_cancelled])
    svc.cancel_requested = True
    await svc.tasks.put(make_task("sync_heartbeats_until_cancelled"))
    await wait_for(lambda: b"t1" in svc.responses, "response")
    assert svc.responses[b"t1"][0] == "canceled"


async def test_shielded_sync_activity_is_cancelled_when_the_shield_ends(
    run_worker: Runner,
) -> None:
    svc, _ = await run_worker([sync_shielded])
    svc.cancel_requested = True
    await svc.tasks.put(make_task("sync_shielded"))
    await wait_for(lambda: b"t1" in svc.responses, "response")
    assert svc.responses[b"t1"][0] == "canceled"


async def test_shutdown_cancels_running_activities_and_fails_them(run_worker: Runner) -> None:
    svc, worker = await run_worker([waits_for_shutdown])
    await svc.tasks.put(make_task("waits_for_shutdown"))
    await wait_for(lambda: svc.tasks.empty() and worker._running, "activity start")
    await worker.shutdown()
    kind, req = svc.responses[b"t1"]
    assert kind == "failed"
    assert req.failure.application_failure_info.type == "WorkerShutdown"


async def test_graceful_shutdown_lets_activities_finish(run_worker: Runner) -> None:
    release = asyncio.Event()

    @activity.defn(name="slow")
    async def slow() -> str:
        await release.wait()
        return "finished"

    svc, worker = await run_worker([slow], graceful_shutdown_timeout=timedelta(seconds=10))
    await svc.tasks.put(make_task("slow"))
    await wait_for(lambda: bool(worker._running), "activity start")
    shutdown = asyncio.create_task(worker.shutdown())
    await asyncio.sleep(0)
    assert not shutdown.done()
    release.set()
    await asyncio.wait_for(shutdown, 5)
    assert svc.responses[b"t1"] == ("completed", ["finished"])


async def test_complete_async_sends_nothing(run_worker: Runner) -> None:
    svc, worker = await run_worker([completes_async, greet])
    await svc.tasks.put(make_task("completes_async", token=b"a"))
    await svc.tasks.put(make_task("greet", "Hi", "x", token=b"b"))
    await wait_for(lambda: b"b" in svc.responses and not worker._running, "tasks done")
    assert b"a" not in svc.responses


async def test_dynamic_activity_gets_raw_values(run_worker: Runner) -> None:
    svc, _ = await run_worker([dynamic])
    await svc.tasks.put(make_task("anything", 1, "two"))
    await wait_for(lambda: b"t1" in svc.responses, "response")
    assert svc.responses[b"t1"] == ("completed", [["anything", 1, "two"]])


async def test_task_queue_rate_goes_in_poll_metadata(run_worker: Runner) -> None:
    svc, _ = await run_worker([greet], max_task_queue_activities_per_second=2.5)
    await wait_for(lambda: bool(svc.polls), "a poll")
    assert svc.polls[0].task_queue_metadata.max_tasks_per_second.value == 2.5


def _make(activities: Sequence[Any], executor: Any = None) -> ActivityWorker:
    client = FakeClient()
    return ActivityWorker(
        client=client,  # type: ignore[arg-type]
        task_queue="tq",
        activities=activities,
        activity_executor=executor,
        data_converter=client.data_converter,  # type: ignore[arg-type]
        max_concurrent_activities=1,
        max_activities_per_second=None,
        graceful_shutdown_timeout=timedelta(),
        identity="me",
    )


async def test_construction_errors() -> None:
    @activity.defn(name="greet")
    async def other_greet() -> None:
        pass

    async def undecorated() -> None:
        pass

    with pytest.raises(ValueError, match="More than one activity named greet"):
        _make([greet, other_greet])
    with pytest.raises(ValueError, match="activity_executor"):
        _make([sync_info])
    with (
        concurrent.futures.ProcessPoolExecutor(1) as pool,
        pytest.raises(ValueError, match="ThreadPoolExecutor"),
    ):
        _make([sync_info], pool)
    with pytest.raises(TypeError, match=r"@activity\.defn"):
        _make([undecorated])
