"""@activity.defn records the right definition; context functions refuse to run outside one."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from temporal_sdk import activity
from temporal_sdk._runtime.activity_defn import (
    ActivityDefinition,
    activity_name_for,
    activity_result_type_for,
)


@activity.defn
async def plain_async(name: str, count: int) -> str:
    return name * count


@activity.defn(name="custom-name")
def plain_sync(value: int) -> int:
    return value + 1


@activity.defn(dynamic=True)
async def dynamic_any(args: Sequence[Any]) -> None:
    pass


class CallableAsync:
    async def __call__(self, value: str) -> str:
        return value


class CallableSync:
    def __call__(self, value: str) -> str:
        return value


class WithMethods:
    @activity.defn
    async def async_method(self, value: int) -> int:
        return value

    @activity.defn(name="sync-method")
    def sync_method(self, value: str) -> str:
        return value


def test_bare_decorator_uses_function_name_and_hints() -> None:
    defn = ActivityDefinition.must_from_callable(plain_async)
    assert defn.name == "plain_async"
    assert defn.is_async
    assert defn.arg_types == [str, int]
    assert defn.ret_type is str
    assert activity_name_for(plain_async) == "plain_async"
    assert activity_result_type_for(plain_async) is str


def test_decorator_returns_the_function_itself() -> None:
    async def fn() -> None:
        pass

    assert activity.defn(fn) is fn
    assert asyncio.run(plain_async("ab", 2)) == "abab"


def test_named_sync_activity() -> None:
    defn = ActivityDefinition.must_from_callable(plain_sync)
    assert defn.name == "custom-name"
    assert not defn.is_async
    assert defn.arg_types == [int]
    assert activity_name_for(plain_sync) == "custom-name"
    assert plain_sync(1) == 2


def test_dynamic_activity_has_no_name() -> None:
    defn = ActivityDefinition.must_from_callable(dynamic_any)
    assert defn.name is None
    with pytest.raises(TypeError):
        activity_name_for(dynamic_any)


def test_dynamic_with_name_is_rejected() -> None:
    async def fn(args: Sequence[Any]) -> None:
        pass

    with pytest.raises(ValueError):
        activity.defn(name="x", dynamic=True)(fn)  # type: ignore[call-overload]


def test_dynamic_needs_exactly_one_parameter() -> None:
    async def two(a: Any, b: Any) -> None:
        pass

    with pytest.raises(TypeError, match="single Sequence"):
        activity.defn(dynamic=True)(two)


def test_keyword_only_parameters_are_rejected() -> None:
    async def fn(a: int, *, b: int) -> None:
        pass

    with pytest.raises(TypeError, match="keyword-only"):
        activity.defn(fn)


def test_decorating_twice_is_rejected() -> None:
    async def fn() -> None:
        pass

    activity.defn(fn)
    with pytest.raises(ValueError, match="already"):
        activity.defn(name="again")(fn)


def test_not_callable_is_rejected() -> None:
    with pytest.raises(TypeError):
        activity.defn(42)  # type: ignore[call-overload]


def test_callable_instances_async_and_sync() -> None:
    async_obj = activity.defn(name="callable-async")(CallableAsync())
    sync_obj = activity.defn(CallableSync())
    async_defn = ActivityDefinition.must_from_callable(async_obj)
    sync_defn = ActivityDefinition.must_from_callable(sync_obj)
    assert async_defn.name == "callable-async"
    assert async_defn.is_async
    assert async_defn.arg_types == [str]
    assert sync_defn.name == "CallableSync"
    assert not sync_defn.is_async


def test_methods_are_found_through_bound_methods() -> None:
    obj = WithMethods()
    async_defn = ActivityDefinition.must_from_callable(obj.async_method)
    sync_defn = ActivityDefinition.must_from_callable(obj.sync_method)
    assert async_defn.name == "async_method"
    assert async_defn.is_async
    assert async_defn.arg_types == [int]
    assert sync_defn.name == "sync-method"
    assert not sync_defn.is_async
    assert activity_name_for(obj.sync_method) == "sync-method"


def test_no_thread_cancel_exception_is_recorded() -> None:
    def fn() -> None:
        pass

    activity.defn(no_thread_cancel_exception=True)(fn)
    assert ActivityDefinition.must_from_callable(fn).no_thread_cancel_exception


def test_undecorated_callable_has_no_definition() -> None:
    def fn() -> None:
        pass

    assert ActivityDefinition.from_callable(fn) is None
    with pytest.raises(TypeError, match=r"@activity\.defn"):
        ActivityDefinition.must_from_callable(fn)


def test_context_functions_outside_an_activity() -> None:
    assert not activity.in_activity()
    for call in (
        activity.info,
        activity.heartbeat,
        activity.is_cancelled,
        activity.is_worker_shutdown,
        activity.payload_converter,
        activity.client,
        activity.wait_for_cancelled_sync,
    ):
        with pytest.raises(RuntimeError, match="Not in activity context"):
            call()


async def test_async_waits_outside_an_activity() -> None:
    with pytest.raises(RuntimeError, match="Not in activity context"):
        await activity.wait_for_cancelled()
    with pytest.raises(RuntimeError, match="Not in activity context"):
        await activity.wait_for_worker_shutdown()


def test_raise_complete_async_is_not_an_exception() -> None:
    # A BaseException, so that a broad ``except Exception`` in user code lets it through.
    with pytest.raises(BaseException) as info:
        activity.raise_complete_async()
    assert not isinstance(info.value, Exception)


def test_logger_passes_records_through_outside_an_activity(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("INFO", logger=activity.logger.base_logger.name):
        activity.logger.info("hello")
    [record] = caplog.records
    assert record.getMessage() == "hello"
    assert not hasattr(record, "temporal_activity")
