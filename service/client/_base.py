"""What every group of client calls shares: the channel, stubs and batching."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import grpc

Item = TypeVar("Item")
Message = TypeVar("Message")


class CallsBase:
    """Attributes the call groups use; ConceptKGClient sets them."""

    _channel: grpc.Channel
    _graph: Any
    _concepts: Any
    _training: Any
    _papers: Any
    _saes: Any
    _timeout: float


def sized(items: list[Message], limit: int) -> Iterator[list[Message]]:
    """Consecutive groups of protobuf messages of at most ``limit`` bytes
    serialized (a larger item goes alone)."""
    batch: list[Message] = []
    size = 0
    for item in items:
        item_size = item.ByteSize() + 8  # type: ignore[attr-defined]
        if batch and size + item_size > limit:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item_size
    if batch:
        yield batch


def batched(
    items: Iterable[Item], size: int, make: Callable[[list[Item]], Message]
) -> Iterator[Message]:
    """Group items into messages of at most ``size`` items."""
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield make(batch)
            batch = []
    if batch:
        yield make(batch)
