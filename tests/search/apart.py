"""Work run in spawned processes of its own, as other servers' workers would run it."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from typing import Any


def problems_apart(target: Callable[..., None], argsets: Iterable[tuple[Any, ...]]) -> list[str]:
    """Run `target(*args, queue)` in a spawned process for each argument tuple, at once; the
    problems each puts on its queue, once every process has ended cleanly."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=target, args=(*args, queue)) for args in argsets]
    for process in processes:
        process.start()
    problems = [p for _ in processes for p in queue.get(timeout=240)]
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    return problems
