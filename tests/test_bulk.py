"""The bulk loader's reading ahead: every batch in order, errors raised, memory bounded."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from portal.bulk import READ_AHEAD, parsed_ahead, read_ahead
from portal.extensions import db


def numbered(count: int, log: list[int] | None = None) -> Iterator[list[int]]:
    for n in range(count):
        if log is not None:
            log.append(n)
        yield [n]


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "bulk-read-ahead"]


def test_every_batch_arrives_in_order_and_the_thread_is_gone_afterwards(app):
    switch = sys.getswitchinterval()
    assert list(read_ahead(numbered(50))) == [[n] for n in range(50)]
    assert reader_threads() == []
    assert sys.getswitchinterval() == switch


def test_the_reader_is_never_more_than_a_few_batches_ahead(app):
    read: list[int] = []
    batches = read_ahead(numbered(100, read))
    taken = [next(batches) for _ in range(3)]
    for _ in range(50):  # let the reader run as far as it may
        threading.Event().wait(0.002)
    # Taken, waiting in the queue, and the one in the reader's hand.
    assert len(read) <= len(taken) + READ_AHEAD + 1
    batches.close()
    assert reader_threads() == []


def test_an_error_while_reading_is_raised_to_the_writer_after_the_batches_before_it(app):
    def failing() -> Iterator[list[int]]:
        yield [1]
        raise ValueError("line 7 cannot be read")

    batches = read_ahead(failing())
    assert next(batches) == [1]
    with pytest.raises(ValueError, match="line 7"):
        next(batches)
    assert reader_threads() == []


def test_a_writer_that_stops_early_stops_the_reader(app):
    read: list[int] = []
    for batch in read_ahead(numbered(10_000, read)):
        if batch == [2]:
            break
    assert reader_threads() == []
    assert len(read) < 10


def test_the_reader_runs_in_the_apps_context(app):
    def needs_the_app() -> Iterator[str]:
        from flask import current_app

        yield current_app.name

    assert list(read_ahead(needs_the_app())) == [app.name]


def test_batches_are_read_ahead_on_postgresql_only(app):
    batches = [[1], [2]]
    ahead = parsed_ahead(batches)
    if db.engine.dialect.name == "postgresql":
        assert ahead is not batches and list(ahead) == batches
    else:
        assert ahead is batches
