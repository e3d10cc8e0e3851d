# SPDX-License-Identifier: Apache-2.0
"""Store: open/close, append, reads (iterators in batches), verify, errors with context."""

import base64
import json
import os
import subprocess
import threading
import time
import uuid

import pytest

import libconsent
from libconsent import v1


def note(text, when, event_id=None):
    e = v1.Event(event_id=event_id or libconsent.new_event_id())
    e.occur_time.FromDatetime(when)
    e.annotation_added.text = text
    return e


def test_append_then_read_stream_and_read_all_round_trip(store, now):
    r = store.append("note-1", [note("a", now), note("b", now)],
                     expected_revision=libconsent.NO_STREAM)
    assert (r.stream, r.first_position, r.last_position, r.next_expected_revision) == \
        ("note-1", 1, 2, 1)
    store.append("other-1", note("c", now))
    events = list(store.read_stream("note-1"))
    assert [e.annotation_added.text for e in events] == ["a", "b"]
    assert [e.stream_revision for e in events] == [0, 1]
    assert isinstance(events[0], v1.Event)
    assert events[0].occur_time.ToDatetime() == now.replace(tzinfo=None)
    assert [e.position for e in store.read_all()] == [1, 2, 3]
    assert [e.position for e in store.read_all(backward=True)] == [3, 2, 1]
    assert [e.position for e in store.read_all(categories=["other"])] == [3]
    assert [e.annotation_added.text for e in store.read_stream("note-1", backward=True)] == ["b", "a"]
    assert store.head_position == 3 and len(store) == 3
    assert store.stream_revision("note-1") == 1
    assert store.stream_revision("nope-1") == libconsent.NO_STREAM
    assert store.read_event(2).annotation_added.text == "b"


def test_iterators_read_in_batches_and_honour_bounds(store, now):
    for i in range(25):
        store.append("n-1", note(str(i), now))
    assert [e.position for e in store.read_all(batch_size=4)] == list(range(1, 26))
    assert [e.position for e in store.read_all(from_position=5, to_position=9, batch_size=2)] == \
        [5, 6, 7, 8, 9]
    assert [e.position for e in store.read_all(backward=True, batch_size=3, max_count=7)] == \
        list(range(25, 18, -1))
    assert [e.position for e in store.read_all(backward=True, from_position=4, batch_size=2)] == \
        [4, 3, 2, 1]
    assert [e.stream_revision for e in store.read_stream("n-1", from_revision=20, batch_size=2)] == \
        [20, 21, 22, 23, 24]
    assert [e.stream_revision for e in store.read_stream("n-1", backward=True, batch_size=4)] == \
        list(range(24, -1, -1))
    assert list(store.read_all(types=["CallStarted"])) == []


def test_reads_release_the_gil(store, now):
    # While one long C++ read runs, another Python thread must make progress: it can only if
    # the binding released the GIL (no bytecode of this thread runs during the call).
    for _ in range(10):
        store.append("n-1", [note(str(i), now) for i in range(2000)])
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())

    t = threading.Thread(target=ticker)
    t.start()
    windows = []
    try:
        # A loaded machine may not schedule the ticker during one call: a few attempts.
        for _ in range(10):
            time.sleep(0.02)
            t0 = time.perf_counter()
            store._core.read_all_batch(1, 0, 20000)
            t1 = time.perf_counter()
            windows.append((t0 + (t1 - t0) * 0.1, t0 + (t1 - t0) * 0.7))
            if any(lo < x < hi for x in ticks[-5000:] for lo, hi in windows[-1:]):
                break
    finally:
        stop.set()
        t.join()
    assert any(lo < x < hi for lo, hi in windows for x in ticks), windows


def test_events_as_dicts(store, now):
    store.append("note-1", note("hello", now))
    d = libconsent.event_to_dict(next(store.read_all()))
    assert d["annotation_added"] == {"text": "hello"}
    assert d["position"] == 1 and d["stream_id"] == "note-1"
    assert d["occur_time"] == "2026-03-02T09:00:00Z"
    assert libconsent.payload_type(next(store.read_all())) == "annotation_added"
    assert list(store.read_all(as_dict=True)) == [d]
    assert next(store.read_stream("note-1", as_dict=True))["annotation_added"]["text"] == "hello"


def test_stale_expected_revision_is_a_concurrency_error_with_expected_and_actual(store, now):
    store.append("note-1", [note("a", now), note("b", now)])
    with pytest.raises(libconsent.ConcurrencyError) as info:
        store.append("note-1", note("c", now), expected_revision=0)
    e = info.value
    assert (e.expected, e.actual, e.stream) == (0, 1, "note-1")
    assert e.code == libconsent.StatusCode.ABORTED
    assert store.head_position == 2


def test_a_reused_event_id_with_other_content_is_already_exists(store, now):
    eid = libconsent.new_event_id()
    store.append("note-1", note("a", now, eid))
    again = store.append("note-1", note("a", now, eid))
    assert again.deduplicated
    with pytest.raises(libconsent.AlreadyExistsError):
        store.append("note-1", note("different", now, eid))
    assert store.head_position == 1


def test_malformed_events_are_invalid_and_nothing_is_written(store, now):
    bad = v1.Event(event_id=libconsent.new_event_id())
    bad.annotation_added.text = "no occur_time"
    with pytest.raises(libconsent.InvalidEventError) as info:
        store.append("note-1", [note("ok", now), bad])
    assert info.value.field == "occur_time" and info.value.index == 1
    assert isinstance(info.value, ValueError)
    with pytest.raises(libconsent.InvalidEventError):
        store.append("$reserved", note("x", now))
    with pytest.raises(libconsent.InvalidEventError):
        list(store.read_all(types=["NoSuchEvent"]))
    with pytest.raises(libconsent.InvalidEventError):
        list(store.read_all(batch_size=0))
    assert store.head_position == 0


def test_missing_things_are_not_found(store, now):
    with pytest.raises(libconsent.NotFoundError):
        list(store.read_stream("note-404"))
    with pytest.raises(LookupError):
        store.read_event(1)
    with pytest.raises(libconsent.NotFoundError):
        store.find_event(uuid.uuid4().hex)


def test_find_event_by_bytes_or_text(store, now):
    eid = libconsent.new_event_id()
    store.append("note-1", note("a", now, eid))
    assert store.find_event(eid) == 1
    assert store.find_event(libconsent._core.event_id_to_string(eid)) == 1


def test_verify_and_stats(store, now):
    store.append("note-1", [note(str(i), now) for i in range(5)])
    report = store.verify()
    assert (report.from_position, report.to_position, report.events_checked) == (1, 5, 5)
    assert len(report.chain_hash_hex) == 64
    stats = store.stats()
    assert stats.head_position == 5 and stats.stream_count == 1
    assert stats.head_hash_hex == report.chain_hash_hex


def test_open_refuses_a_path_without_a_store_and_creates_nothing(tmp_path):
    with pytest.raises(libconsent.NotFoundError) as info:
        libconsent.open(tmp_path / "absent")
    assert isinstance(info.value, LookupError)
    assert "absent" in str(info.value)
    assert not (tmp_path / "absent").exists()


def test_open_with_create_makes_a_store_that_a_plain_open_then_finds(tmp_path, now):
    with libconsent.open(tmp_path / "s", create=True) as s:
        s.append("note-1", note("a", now))
    with libconsent.open(tmp_path / "s") as again:
        assert again.head_position == 1


def test_open_errors(tmp_path):
    s = libconsent.open(tmp_path / "s", create=True)
    try:
        with pytest.raises(libconsent.StorageError) as info:
            libconsent.open(tmp_path / "s")  # locked by the open handle
        assert isinstance(info.value, OSError)
    finally:
        s.close()
    with pytest.raises(libconsent.AlreadyExistsError):
        libconsent.open(tmp_path / "s", error_if_exists=True)


def test_a_closed_store_refuses_use_and_can_be_reopened(tmp_path, now):
    s = libconsent.open(tmp_path / "s", create=True)
    s.append("note-1", note("a", now))
    ledger = libconsent.Ledger(s)
    s.close()
    s.close()  # idempotent
    assert s.closed
    with pytest.raises(libconsent.PreconditionError) as info:
        s.head_position
    assert "closed" in info.value.message
    with pytest.raises(libconsent.PreconditionError):
        ledger.start_call(call_id="c-1", occur_time=now)
    with libconsent.open(tmp_path / "s") as again:
        assert again.head_position == 1


def test_append_multi_writes_every_stream_in_one_write(store, now):
    store.append("order-1", note("placed", now))
    r = store.append_multi([
        libconsent.StreamAppend("order-1", [note("paid", now)], expected_revision=0),
        ("stock-9", [note("reserved", now), note("picked", now)], libconsent.NO_STREAM),
    ])
    assert [(a.stream, a.first_position, a.last_position, a.next_expected_revision)
            for a in r.streams] == [("order-1", 2, 2, 1), ("stock-9", 3, 4, 1)]
    assert (r.first_position, r.last_position, r.deduplicated) == (2, 4, False)
    assert [e.annotation_added.text for e in store.read_stream("stock-9")] == ["reserved", "picked"]


def test_append_multi_writes_nothing_when_one_stream_is_not_at_its_expected_revision(store, now):
    store.append("order-1", note("placed", now))
    with pytest.raises(libconsent.ConcurrencyError) as info:
        store.append_multi([("stock-9", [note("reserved", now)], libconsent.NO_STREAM),
                            ("order-1", [note("paid", now)], libconsent.NO_STREAM)])
    assert (info.value.stream, info.value.expected, info.value.actual) == \
        ("order-1", libconsent.NO_STREAM, 0)
    assert store.head_position == 1
    assert store.stream_revision("stock-9") == libconsent.NO_STREAM


def test_append_multi_refuses_a_stream_named_twice(store, now):
    with pytest.raises(libconsent.InvalidEventError) as info:
        store.append_multi([("order-1", [note("a", now)]), ("order-1", [note("b", now)])])
    assert "order-1" in str(info.value)
    assert store.head_position == 0


def test_a_retried_append_multi_is_deduplicated(store, now):
    batch = [("order-1", [note("a", now)]), ("stock-9", [note("b", now)])]
    first = store.append_multi(batch)
    again = store.append_multi(batch)
    assert again.deduplicated and (again.first_position, again.last_position) == \
        (first.first_position, first.last_position)
    assert store.head_position == 2


def integrator_event(type_name, data, when, content_type="application/json"):
    e = v1.Event(event_id=libconsent.new_event_id())
    e.occur_time.FromDatetime(when)
    e.integrator_event.type = type_name
    e.integrator_event.content_type = content_type
    e.integrator_event.data = data
    return e


def test_integrator_events_are_stored_chained_and_filtered_by_their_own_type(store, now):
    store.append("order-1", [integrator_event("order.Placed", b'{"total": 12}', now),
                             integrator_event("order.Paid", b'{}', now)])
    store.append("note-1", note("not an integrator event", now))
    placed = list(store.read_all(integrator_types=["order.Placed"]))
    assert [(e.position, e.integrator_event.data) for e in placed] == [(1, b'{"total": 12}')]
    assert [e.position for e in store.read_all(types=["IntegratorEvent"])] == [1, 2]
    assert [e.position for e in store.read_all(integrator_types=["order.Placed", "order.Paid"])] \
        == [1, 2]
    assert libconsent.event_to_dict(placed[0])["integrator_event"]["type"] == "order.Placed"
    assert store.verify().events_checked == 3


def test_a_subscription_filters_on_the_integrator_type(store, now):
    store.append("order-1", [integrator_event("order.Placed", b"1", now), note("n", now),
                             integrator_event("order.Paid", b"2", now)])
    with store.subscribe(integrator_types=["order.Paid"]) as sub:
        got = [e.integrator_event.data for e in sub.events(idle_timeout=0.5)]
    assert got == [b"2"]


def test_an_integrator_event_without_a_type_is_refused_and_nothing_is_written(store, now):
    with pytest.raises(libconsent.InvalidEventError) as info:
        store.append("order-1", integrator_event("", b"{}", now))
    assert info.value.field == "integrator_event.type"
    assert store.head_position == 0


def test_the_rules_ignore_integrator_events(store, now):
    store.append("call-c-1", integrator_event("crm.TicketOpened", b"{}", now))
    compliance = libconsent.Compliance(store)
    compliance.catch_up()
    assert len(compliance.calls.to_pandas()) == 0
    assert len(compliance.violations.to_pandas()) == 0


def test_consentctl_exports_an_integrator_event_in_the_json_mapping(tmp_path, now, build_dir):
    with libconsent.open(tmp_path / "s", create=True, sync=False) as s:
        s.append("order-1", integrator_event("order.Placed", b'{"total": 12}', now))
    consentctl = os.path.join(build_dir, "tools", "consentctl", "consentctl")
    out = subprocess.run([consentctl, "--db", str(tmp_path / "s"), "export"], check=True,
                         capture_output=True, text=True, timeout=300).stdout
    exported = json.loads(out.splitlines()[0])["integratorEvent"]
    assert exported["type"] == "order.Placed"
    assert exported["contentType"] == "application/json"
    assert base64.b64decode(exported["data"]) == b'{"total": 12}'


def test_consentctl_exports_only_the_integrator_types_asked_for(tmp_path, now, build_dir):
    with libconsent.open(tmp_path / "s", create=True, sync=False) as s:
        s.append("order-1", integrator_event("order.Placed", b"{}", now))
        s.append("order-1", integrator_event("order.Shipped", b"{}", now))
        s.append("order-2", integrator_event("order.Placed", b"{}", now))
    consentctl = os.path.join(build_dir, "tools", "consentctl", "consentctl")
    for extra in ([], ["--stream", "order-1"]):
        out = subprocess.run([consentctl, "--db", str(tmp_path / "s"), "export",
                              "--integrator-type", "order.Placed", *extra],
                             check=True, capture_output=True, text=True, timeout=300).stdout
        types = [json.loads(line)["integratorEvent"]["type"] for line in out.splitlines()]
        assert types == ["order.Placed"] * (1 if extra else 2)
