# SPDX-License-Identifier: Apache-2.0
"""Ledger: snake_case methods, keyword arguments, datetimes; refusals change nothing."""

import datetime as dt

import pytest

import libconsent
from libconsent import v1

T = dt.timedelta


def test_every_ledger_method_of_the_cpp_api_is_there():
    assert len(libconsent.FACTS) == 49
    for method in libconsent.FACTS:
        fn = getattr(libconsent.Ledger, method)
        assert fn.__doc__ and "occur_time" in fn.__doc__


def test_a_call_is_recorded_fact_by_fact(store, now):
    ledger = libconsent.Ledger(store)
    started = ledger.start_call(call_id="c-1", direction="INBOUND", line_id="l-1",
                                agent_ref="a-1", registration_id="reg-1",
                                registration_version=1, occur_time=now)
    assert (started.stream, started.position, started.revision) == ("call-c-1", 1, 0)
    assert len(started.event_id) == 16 and not started.deduplicated
    ledger.start_recording(call_id="c-1", recording_id="r-1", tracks=["CALLER", "TRACK_AGENT"],
                           trigger="SAMPLED", purposes=[v1.PURPOSE_TRAINING],
                           occur_time=now + T(seconds=1))
    ledger.raise_objection(call_id="c-1", objection_id="o-1", party="caller", channel="VERBAL",
                           occur_time=now + T(seconds=5))
    paused = ledger.pause_recording(call_id="c-1", recording_id="r-1", tracks=["CALLER", "AGENT"],
                                    cause="OBJECTION", cause_ref="o-1",
                                    command_time=now + T(seconds=5, milliseconds=200),
                                    ack_time=now + T(seconds=5, milliseconds=900),
                                    ack_source="PLATFORM", occur_time=now + T(seconds=6),
                                    actor={"principal_ref": "svc-rec", "role": "platform"})
    assert paused.position == 4
    ev = store.read_event(4)
    assert ev.recording_paused.ack_time.ToDatetime() == (now + T(seconds=5, milliseconds=900)).replace(tzinfo=None)
    assert list(ev.recording_paused.tracks) == [v1.TRACK_CALLER, v1.TRACK_AGENT]
    assert ev.actor.role == "platform"
    assert ev.correlation_id == "c-1"  # the call id, by default

    compliance = libconsent.Compliance(store, at=now + T(hours=1), persist=False)
    verdicts = compliance.calls.evaluate("c-1")
    assert verdicts.recorded and len(verdicts.objections) == 1
    assert verdicts.objections[0].pause_latency_ms == pytest.approx(900.0)
    assert verdicts.started == now


def test_a_message_can_be_passed_instead_of_fields(store, now):
    ledger = libconsent.Ledger(store)
    r = ledger.start_call(v1.CallStarted(call_id="c-2"), occur_time=now)
    assert store.read_event(r.position).call_started.call_id == "c-2"
    with pytest.raises(TypeError):
        ledger.start_call(v1.CallEnded(call_id="c-2"), occur_time=now)


def test_a_retry_with_the_same_event_id_is_deduplicated(store, now):
    ledger = libconsent.Ledger(store)
    eid = libconsent.new_event_id()
    a = ledger.start_call(call_id="c-1", occur_time=now, event_id=eid)
    b = ledger.start_call(call_id="c-1", occur_time=now, event_id=eid)
    assert b.deduplicated and b.position == a.position and b.event_id == eid
    assert store.head_position == 1


def test_impossible_facts_raise_with_context_and_append_nothing(store, now):
    ledger = libconsent.Ledger(store)
    ledger.start_call(call_id="c-9", occur_time=now)
    head = store.head_position
    with pytest.raises(libconsent.PreconditionError) as info:
        ledger.pause_recording(call_id="c-9", recording_id="r-2", tracks=["CALLER"],
                               command_time=now, ack_time=now, occur_time=now + T(seconds=1))
    assert info.value.field == "recording_id"
    assert info.value.stream == "call-c-9"
    with pytest.raises(libconsent.PreconditionError):
        ledger.end_call(call_id="c-unknown", occur_time=now)
    with pytest.raises(libconsent.InvalidEventError) as info:
        ledger.give_notice(call_id="c-9", occur_time=now - T(hours=1), tier="SHORT")
    assert info.value.field == "occur_time"
    assert store.head_position == head


def test_bad_arguments_are_clear_errors_before_anything_is_sent(store, now):
    ledger = libconsent.Ledger(store)
    with pytest.raises(libconsent.InvalidEventError) as info:
        ledger.start_call(call_id="c-1")
    assert info.value.field == "occur_time"
    with pytest.raises(libconsent.InvalidEventError) as info:
        ledger.start_call(call_id="c-1", colour="blue", occur_time=now)
    assert info.value.field == "colour" and "CallStarted has no field" in info.value.message
    with pytest.raises(libconsent.InvalidEventError) as info:
        ledger.start_recording(call_id="c-1", recording_id="r", tracks=["LOUD"], occur_time=now)
    assert info.value.field == "tracks" and "TRACK_CALLER" in info.value.message
    with pytest.raises(TypeError):
        ledger.start_call(call_id="c-1", occur_time="2026-03-02")
    with pytest.raises(libconsent.InvalidEventError):
        ledger.start_call(call_id=42, occur_time=now)
    assert store.head_position == 0


def test_unsupported_payloads_are_unimplemented(store, now):
    ledger = libconsent.Ledger(store)
    e = v1.Event()
    e.occur_time.FromDatetime(now)
    e.annotation_added.text = "x"
    with pytest.raises(libconsent.UnimplementedError):
        ledger.record(e)


def test_an_access_by_a_forbidden_role_is_refused_recorded_and_raised(store, now):
    ledger = libconsent.Ledger(store)
    ledger.start_call(call_id="c-1", occur_time=now)
    ledger.start_recording(call_id="c-1", recording_id="r-1", tracks=["CALLER"],
                           occur_time=now + T(seconds=1))
    with pytest.raises(libconsent.PermissionDeniedError) as info:
        ledger.access_recording(call_id="c-1", recording_id="r-1", principal_ref="p-7",
                                role="sales-manager", action="PLAYBACK", purpose="TRAINING",
                                occur_time=now + T(days=1))
    e = info.value
    assert e.rule_id == "LC-ACC-1" and e.field == "call_id"
    refusal = store.read_event(e.position)
    assert refusal.WhichOneof("payload") == "access_refused"
    assert refusal.access_refused.role == "sales-manager"


def test_an_access_the_platform_reports_after_the_fact_is_stored_as_it_happened(store, now):
    ledger = libconsent.Ledger(store)
    ledger.start_call(call_id="c-1", occur_time=now)
    ledger.start_recording(call_id="c-1", recording_id="r-1", tracks=["CALLER"],
                           occur_time=now + T(seconds=1))
    r = ledger.access_recording(call_id="c-1", recording_id="r-1", principal_ref="p-7",
                                role="sales-manager", action="DOWNLOAD", purpose="TRAINING",
                                reported=True, occur_time=now + T(days=1))
    stored = store.read_event(r.position)
    assert stored.WhichOneof("payload") == "recording_accessed"
    assert stored.recording_accessed.reported and stored.recording_accessed.role == "sales-manager"


def test_naive_datetimes_are_utc_and_aware_ones_are_converted(store):
    ledger = libconsent.Ledger(store)
    paris = dt.timezone(dt.timedelta(hours=1))
    ledger.start_call(call_id="c-1", occur_time=dt.datetime(2026, 3, 2, 10, 0, tzinfo=paris))
    ledger.start_call(call_id="c-2", occur_time=dt.datetime(2026, 3, 2, 9, 0))
    a, b = list(store.read_all())
    assert a.occur_time == b.occur_time
    rt = libconsent._core._datetime_roundtrip(dt.datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=paris))
    assert rt == dt.datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=dt.timezone.utc)
    assert rt.tzinfo is not None
