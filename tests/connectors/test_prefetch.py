"""Reading ahead keeps order, hands on errors where they happened, and stops with its consumer."""

import threading

import pytest

from connectors.prefetch import prefetched


def test_items_come_in_order():
    assert list(prefetched(iter(range(100)), depth=3)) == list(range(100))


def test_an_error_comes_after_the_items_read_before_it():
    def items():
        yield 1
        yield 2
        raise ConnectionError("lost")

    got = []
    with pytest.raises(ConnectionError, match="lost"):
        for item in prefetched(items()):
            got.append(item)
    assert got == [1, 2]


def test_the_reader_runs_in_its_own_thread_and_is_closed_when_the_consumer_stops():
    seen = {"threads": set(), "closed": False, "read": 0}

    def items():
        try:
            for i in range(1_000):
                seen["threads"].add(threading.get_ident())
                seen["read"] += 1
                yield i
        finally:
            seen["closed"] = True

    for item in prefetched(items()):
        if item == 3:
            break
    assert seen["closed"]
    assert seen["read"] <= 6  # at most a batch or two ahead, never the whole source
    assert threading.get_ident() not in seen["threads"]


def test_a_consumer_failure_stops_the_reader():
    closed = threading.Event()

    def items():
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    with pytest.raises(RuntimeError):
        for item in prefetched(items()):
            if item == 10:
                raise RuntimeError("load failed")
    assert closed.is_set()
