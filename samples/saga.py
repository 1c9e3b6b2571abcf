"""Saga: book a trip step by step and undo the completed steps, in reverse, when one fails.

The worker logs the failed flight booking with its traceback; that is the point of the sample.

Run it with no arguments to start an embedded Temporal dev server for the duration of the
program, or point it at a running server with ``--target host:port``.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import timedelta

from temporal_sdk import activity, workflow
from temporal_sdk.client import Client
from temporal_sdk.common import RetryPolicy
from temporal_sdk.exceptions import ActivityError, ApplicationError
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker


@activity.defn
async def book_car(trip: str) -> str:
    return f"car for {trip}"


@activity.defn
async def book_hotel(trip: str) -> str:
    return f"hotel for {trip}"


@activity.defn
async def book_flight(trip: str) -> str:
    raise ApplicationError(f"no seats left for {trip}", non_retryable=True)


@activity.defn
async def cancel_booking(booking: str) -> str:
    return f"cancelled {booking}"


_TIMEOUT = timedelta(seconds=10)
_RETRY = RetryPolicy(maximum_attempts=3, initial_interval=timedelta(milliseconds=200))


@workflow.defn
class TripWorkflow:
    @workflow.run
    async def run(self, trip: str) -> list[str]:
        booked: list[str] = []
        try:
            for step in (book_car, book_hotel, book_flight):
                booked.append(
                    await workflow.execute_activity(
                        step, trip, start_to_close_timeout=_TIMEOUT, retry_policy=_RETRY
                    )
                )
        except ActivityError as err:
            workflow.logger.info("booking failed (%s); compensating", err.cause)
            # Compensate in reverse order; each compensation is itself a durable activity.
            return [
                await workflow.execute_activity(
                    cancel_booking, booking, start_to_close_timeout=_TIMEOUT, retry_policy=_RETRY
                )
                for booking in reversed(booked)
            ]
        return booked


async def run_sample(client: Client) -> list[str]:
    task_queue = f"saga-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[TripWorkflow],
        activities=[book_car, book_hotel, book_flight, cancel_booking],
    ):
        return await client.execute_workflow(
            TripWorkflow.run, "Lisbon", id=f"saga-{uuid.uuid4()}", task_queue=task_queue
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", help="address of a running Temporal server (host:port)")
    parser.add_argument("--namespace", default="default")
    args = parser.parse_args()
    if args.target:
        client = await Client.connect(args.target, namespace=args.namespace)
        result = await run_sample(client)
    else:
        async with await WorkflowEnvironment.start_local(namespace=args.namespace) as env:
            result = await run_sample(env.client)
    print(f"Workflow result: {result}")


if __name__ == "__main__":
    asyncio.run(main())
