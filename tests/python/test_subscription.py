# SPDX-License-Identifier: Apache-2.0
"""Subscriptions: callbacks (GIL taken on the C++ thread), iterators, errors surfacing to the
caller, and exactly-once delivery across a restart."""

import threading
import time

import pytest

import libconsent
from libconsent import v1


def notes(store, n, when, stream="note-1"):
    evs = []
    for i in range(n):
        e = v1.Event(event_id=libconsent.new_event_id())
        e.occur_time.FromDatetime(when)
        e.annotation_added.text = str(i)
        evs.append(e)
    return store.append(stream, evs)


def test_callback_sees_history_then_live_events_in_order(store, now):
    notes(store, 50, now)
    seen = []
    threads = set()

    def on_event(e):
        seen.append(e.position)
        threads.add(threading.get_ident())

    with store.subscribe(on_event) as sub:
        assert sub.wait_for(50)
        r = notes(store, 30, now)
        assert sub.wait_for(r.last_position)
        deadline = time.monotonic() + 10
        while not sub.is_live and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sub.is_live
    assert seen == list(range(1, 81))
    assert threads and threading.get_ident() not in threads


def test_a_raising_callback_stops_the_subscription_and_surfaces(store, now):
    notes(store, 10, now)
    seen = []

    def on_event(e):
        seen.append(e.position)
        if e.position == 4:
            raise KeyError("boom at 4")

    sub = store.subscribe(on_event)
    with pytest.raises(KeyError, match="boom at 4") as info:
        sub.wait_for(10, timeout=5)
    assert info.value.__traceback__ is not None
    assert seen == [1, 2, 3, 4]
    with pytest.raises(KeyError):
        sub.stop()
    notes(store, 5, now)  # no more deliveries, no crash
    assert seen == [1, 2, 3, 4]


def test_iterator_mode_with_filters_and_idle_timeout(store, now):
    notes(store, 5, now, stream="note-1")
    notes(store, 5, now, stream="other-1")
    with store.subscribe(from_position=3, categories=["note"]) as sub:
        got = [e.position for e in sub.events(idle_timeout=2.0)]
        assert got == [3, 4, 5]
        notes(store, 2, now, stream="note-1")
        got = [e.position for e in sub.events(idle_timeout=2.0)]
        assert got == [11, 12]


def test_bad_subscription_arguments(store):
    with pytest.raises(libconsent.InvalidEventError):
        store.subscribe(from_position=0)
    with pytest.raises(libconsent.InvalidEventError):
        store.subscribe(types=["NoSuchEvent"])
    with pytest.raises(libconsent.InvalidEventError):
        store.subscribe("not callable")


def test_every_event_is_seen_exactly_once_across_a_restart(tmp_path, now):
    path = tmp_path / "s"
    store = libconsent.open(path, create=True, sync=False)
    notes(store, 40, now)
    seen = []
    saved = 0
    with store.subscribe() as sub:
        for e in sub.events(idle_timeout=1.0):
            seen.append(e.position)
            saved = e.position
            if e.position == 25:
                break
    notes(store, 10, now)  # appended while nobody listens
    store.close()

    store = libconsent.open(path, sync=False)
    notes(store, 5, now)
    with store.subscribe(lambda e: seen.append(e.position), from_position=saved + 1) as sub:
        assert sub.wait_for(store.head_position)
    head = store.head_position
    store.close()
    assert seen == list(range(1, head + 1))
    assert head == 55


def test_closing_the_store_stops_its_subscriptions(tmp_path, now):
    store = libconsent.open(tmp_path / "s", create=True, sync=False)
    notes(store, 3, now)
    seen = []
    sub = store.subscribe(lambda e: seen.append(e.position))
    sub.wait_for(3)
    store.close()
    assert seen == [1, 2, 3]
    sub.stop()  # idempotent after close


def test_stop_from_inside_the_callback_ends_delivery_without_deadlock(store, now):
    seen = []
    holder = {}

    def on_event(e):
        seen.append(e.position)
        if e.position == 5:
            holder["sub"].stop()

    holder["sub"] = store.subscribe(on_event)
    notes(store, 20, now)
    deadline = time.monotonic() + 10
    while len(seen) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert seen == [1, 2, 3, 4, 5]
    holder["sub"].stop()  # from this thread: joins; no error


def test_dropping_the_last_reference_inside_the_callback_is_safe(store, now):
    seen = []
    holder = {}

    def on_event(e):
        seen.append(e.position)
        if e.position == 3:
            holder.pop("sub")  # last reference, dropped on the subscription's thread

    holder["sub"] = store.subscribe(on_event)
    notes(store, 20, now)
    deadline = time.monotonic() + 10
    while len(seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    assert seen == [1, 2, 3]
    notes(store, 5, now)  # the store still works
    assert store.head_position == 25


def test_a_callback_may_read_the_store(store, now):
    notes(store, 10, now)
    texts = []

    def on_event(e):  # re-entering the store from the subscription thread
        texts.append(store.read_event(e.position).annotation_added.text)

    with store.subscribe(on_event) as sub:
        assert sub.wait_for(10)
    assert texts == [str(i) for i in range(10)]


def test_closing_a_store_stops_a_live_compliance_engine(tmp_path, now):
    store = libconsent.open(tmp_path / "s", create=True, sync=False)
    c = libconsent.Compliance(store, persist=False)
    c.start_live()
    s = libconsent.simulate_day(store, calls=20, agents=12)
    assert c.wait_for(s.last_position, timeout=30)
    store.close()
    with pytest.raises(libconsent.PreconditionError):
        c.gate.decide("x")
    with libconsent.open(tmp_path / "s") as again:  # the lock was released
        assert again.head_position == s.last_position
