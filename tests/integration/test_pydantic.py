"""Pydantic models as workflow and activity parameters and results, on the dev server."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pydantic

from temporal_sdk import activity, workflow
from temporal_sdk.client import Client
from temporal_sdk.contrib.pydantic import pydantic_data_converter
from temporal_sdk.worker import Worker


class LineItem(pydantic.BaseModel):
    sku: str
    quantity: int


class Order(pydantic.BaseModel):
    id: str
    placed_at: datetime
    items: list[LineItem]
    note: str | None = None


class Receipt(pydantic.BaseModel):
    order: Order
    total_items: int
    processed_at: datetime
    item_skus: list[str]


@activity.defn
async def process_order(order: Order, extra: list[LineItem]) -> Receipt:
    assert isinstance(order, Order) and all(isinstance(i, LineItem) for i in extra)
    items = order.items + extra
    return Receipt(
        order=order,
        total_items=sum(i.quantity for i in items),
        processed_at=order.placed_at + timedelta(hours=1),
        item_skus=[i.sku for i in items],
    )


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order: Order) -> Receipt:
        assert isinstance(order.placed_at, datetime)
        receipt = await workflow.execute_activity(
            process_order,
            args=[order, [LineItem(sku="gift", quantity=1)]],
            start_to_close_timeout=timedelta(seconds=30),
        )
        assert isinstance(receipt, Receipt)
        return receipt


async def test_models_through_workflow_and_activity(client: Client, task_queue: str) -> None:
    pyd_client = Client(
        client.service_client, namespace=client.namespace, data_converter=pydantic_data_converter
    )
    order = Order(
        id="o-1",
        placed_at=datetime(2025, 5, 4, 3, 2, 1, tzinfo=timezone.utc),
        items=[LineItem(sku="a", quantity=2), LineItem(sku="b", quantity=3)],
    )
    async with Worker(
        pyd_client, task_queue=task_queue, workflows=[OrderWorkflow], activities=[process_order]
    ):
        receipt = await pyd_client.execute_workflow(
            OrderWorkflow.run, order, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
    assert isinstance(receipt, Receipt)
    assert receipt.order == order
    assert receipt.total_items == 6
    assert receipt.processed_at == datetime(2025, 5, 4, 4, 2, 1, tzinfo=timezone.utc)
    assert receipt.item_skus == ["a", "b", "gift"]
