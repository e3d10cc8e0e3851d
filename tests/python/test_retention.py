# SPDX-License-Identifier: Apache-2.0
"""Retention and rights from Python: the Ledger's retention facts, the purge plan and its
tables, record verdicts, subject access exports, and the subject directory (crypto-shredding)."""

import datetime as dt
import os
import pickle

import numpy as np
import pandas as pd
import pytest

import libconsent
from libconsent import v1

T = dt.timedelta
HASH = bytes([0x11]) * 32

NEW_FACTS = [
    "create_analysis_document", "amend_analysis_document", "purge_analysis_document",
    "create_derived_artefact", "record_decision", "answer_survey", "attribute_cause",
    "purge_recording", "override_retention", "place_legal_hold", "review_legal_hold",
    "release_legal_hold", "receive_subject_request", "extend_subject_request",
    "fulfil_subject_request",
]


def test_the_retention_and_rights_facts_are_ledger_methods_in_header_order():
    facts = list(libconsent.FACTS)
    assert facts[-len(NEW_FACTS):] == NEW_FACTS
    for method in NEW_FACTS:
        fn = getattr(libconsent.Ledger, method)
        assert fn.__doc__ and "occur_time" in fn.__doc__
        camel = "".join(p.capitalize() for p in method.split("_"))
        assert f"consent::Ledger::{camel}" in fn.__doc__


def _recorded_call(ledger, now):
    """reg-1, agent a-1, call c-1 of caller-1 with recording r-1 stored as copy "primary"."""
    ledger.register_processing(registration_id="reg-1", registration_version=1,
                               occur_time=now - T(days=1))
    ledger.provision_agent(agent_ref="a-1", occur_time=now - T(hours=1))
    ledger.start_call(call_id="c-1", registration_id="reg-1", agent_ref="a-1",
                      participants=[v1.Participant(subject_ref="caller-1", party=v1.PARTY_CALLER)],
                      occur_time=now)
    ledger.start_recording(call_id="c-1", recording_id="r-1", tracks=["CALLER", "AGENT"],
                           occur_time=now + T(seconds=10))
    ledger.end_call(call_id="c-1", occur_time=now + T(seconds=100))
    ledger.store_recording(call_id="c-1", recording_id="r-1", copy_id="primary",
                           content_hash=HASH, storage_ref="s3://rec/r-1.opus",
                           occur_time=now + T(seconds=110))


def test_hold_then_purge_with_receipt_round_trip(store, now):
    ledger = libconsent.Ledger(store)
    _recorded_call(ledger, now)
    hold = ledger.place_legal_hold(hold_id="h-1", scope=v1.HoldScope(call_ids=["c-1"]),
                                   reason="litigation", case_reference="TJ 24/17",
                                   owner_ref="legal-1", occur_time=now + T(seconds=200))
    assert hold.stream == "hold-h-1" and hold.revision == 0
    assert store.read_event(hold.position).legal_hold_placed.case_reference == "TJ 24/17"

    # While the hold is in force the recording's purge is held by it.
    compliance = libconsent.Compliance(store, at=now + T(hours=1), persist=False)
    plan = compliance.retention.plan(include_scheduled=True)
    held = [i for i in plan.items if i.recording_id == "r-1"]
    assert held and all(i.state == "held" and i.held_by == ["h-1"] for i in held)
    assert [h["hold_id"] for h in plan.holds] == ["h-1"] and plan.holds[0]["active"]
    frame = plan.to_pandas()
    assert list(frame["held_by"]) == ["h-1"] * len(held)

    released = ledger.release_legal_hold(hold_id="h-1", released_by_ref="legal-1",
                                         reason="case closed", occur_time=now + T(seconds=300))
    assert released.stream == "hold-h-1" and released.revision == 1
    with pytest.raises(libconsent.PreconditionError):
        ledger.review_legal_hold(hold_id="h-1", reviewed_by_ref="legal-1",
                                 occur_time=now + T(seconds=301))

    purge = ledger.purge_recording(call_id="c-1", recording_id="r-1", copy_id="primary",
                                   content_hash=HASH, storage_receipt="rcpt-1",
                                   reason="MANUAL", occur_time=now + T(seconds=400))
    assert purge.stream == "call-c-1" and not purge.deduplicated
    ev = store.read_event(purge.position).recording_purged
    assert (ev.storage_receipt, ev.reason) == ("rcpt-1", v1.PURGE_REASON_MANUAL)
    head = store.head_position
    again = ledger.purge_recording(call_id="c-1", recording_id="r-1", copy_id="primary",
                                   content_hash=HASH, storage_receipt="rcpt-1",
                                   reason="MANUAL", occur_time=now + T(seconds=500))
    assert again.deduplicated and again.position == purge.position
    assert store.head_position == head
    with pytest.raises(libconsent.PreconditionError) as info:
        ledger.purge_recording(call_id="c-1", recording_id="r-1", copy_id="primary",
                               content_hash=HASH, storage_receipt="rcpt-other",
                               reason="MANUAL", occur_time=now + T(seconds=600))
    assert info.value.field == "storage_receipt" and info.value.position == purge.position

    compliance.catch_up()
    done = compliance.retention.plan(include_scheduled=True, include_done=True)
    assert [i.state for i in done.items if i.recording_id == "r-1"] == ["done"]
    assert done.counts["done"] >= 1 and done.counts["held"] == 0


def test_subject_request_facts_land_in_their_stream(store, now):
    ledger = libconsent.Ledger(store)
    _recorded_call(ledger, now)
    r = ledger.receive_subject_request(request_id="q-1", kind="ACCESS", subject_ref="caller-1",
                                       subject_kind="CALLER", occur_time=now + T(days=1))
    assert r.stream == "request-q-1"
    ledger.extend_subject_request(request_id="q-1", extension_months=2, reason="volume",
                                  extended_by_ref="dpo-1", occur_time=now + T(days=2))
    done = ledger.fulfil_subject_request(request_id="q-1", outcome="GRANTED", call_ids=["c-1"],
                                         occur_time=now + T(days=3))
    # "GRANTED" is REQUEST_OUTCOME_GRANTED, though PARTIALLY_GRANTED ends with it too.
    assert store.read_event(done.position).subject_request_fulfilled.outcome == \
        v1.REQUEST_OUTCOME_GRANTED
    compliance = libconsent.Compliance(store, at=now + T(days=4), persist=False)
    [req] = compliance.retention.verdicts("request")
    assert (req.kind, req.id, req.subject_ref) == ("request", "q-1", "caller-1")
    assert req.deadline is not None and req.rules
    export = compliance.subject_export("caller-1")
    assert [q["request_id"] for q in export["requests"]] == ["q-1"]


def test_retention_plan_table_matches_the_cpp_plan(demo):
    _, summary, compliance = demo
    plan = compliance.retention.plan()
    df = compliance.retention_plan.to_pandas()
    assert len(df) == len(plan.items)
    assert list(df.columns) == [
        "state", "rule_id", "due", "collected", "target", "recording_id", "artefact_id",
        "copy_id", "document_id", "call_id", "agent_ref", "storage_ref", "content_hash",
        "reason", "cause_ref", "overdue_seconds", "held_by"]
    utc = pd.DatetimeTZDtype(tz="UTC")
    for col in ("state", "rule_id", "target", "reason"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    for col in ("due", "collected"):
        assert df[col].dtype == utc, col
    assert df["overdue_seconds"].dtype == np.float64
    for col in ("recording_id", "call_id", "content_hash", "held_by"):
        assert df[col].dtype == object, col
    assert list(df["state"].cat.categories) == list(libconsent.PURGE_STATES)
    assert list(df["state"]) == [i.state for i in plan.items]
    assert list(df["due"]) == [pd.Timestamp(i.due) for i in plan.items]
    assert list(df["held_by"]) == [";".join(i.held_by) for i in plan.items]

    # Every option, through the plan's own to_pandas().
    full = compliance.retention.plan(horizon=T(hours=48), include_scheduled=True,
                                     include_done=True)
    frame = full.to_pandas()
    assert len(frame) == len(full.items) >= len(plan.items)
    assert list(frame["copy_id"]) == [i.copy_id for i in full.items]
    assert list(frame["reason"].astype(object).fillna("")) == [i.reason for i in full.items]
    states = ("overdue", "due", "awaiting_receipt", "held", "scheduled", "done")
    assert len(full.items) == sum(full.counts[s] for s in states)
    assert set(full.counts) == set(states) | {"recordings", "documents"}
    assert full.at == summary.day_end


def test_plan_horizon_must_be_whole_hours(demo):
    _, _, compliance = demo
    with pytest.raises(libconsent.InvalidEventError) as info:
        compliance.retention.plan(horizon=T(minutes=30))
    assert info.value.field == "horizon"
    with pytest.raises(libconsent.InvalidEventError):
        compliance.retention.plan(horizon=T(hours=-1))
    assert compliance.retention.plan(horizon=0).counts == compliance.retention.plan(
        horizon=T(0)).counts


def test_record_verdicts_rows_match_for_each(demo):
    _, _, compliance = demo
    df = compliance.record_verdicts.to_pandas()
    expected = {k: sum(len(r.rules) for r in compliance.retention.verdicts(k))
                for k in libconsent.RECORD_KINDS}
    assert len(df) == sum(expected.values()) > 0
    assert df["kind"].value_counts().to_dict() == expected
    assert list(df.columns) == ["kind", "id", "call_id", "agent_ref", "subject_ref", "time",
                                "deadline", "rule_id", "verdict", "detail"]
    for col in ("kind", "rule_id", "verdict"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    assert list(df["verdict"].cat.categories) == list(libconsent.VERDICTS)
    assert df["time"].dtype == pd.DatetimeTZDtype(tz="UTC")
    recordings = compliance.retention.verdicts("recording")
    first = df[df["kind"] == "recording"].iloc[0]
    assert first["id"] == recordings[0].id
    assert first["rule_id"] == recordings[0].rules[0].rule_id
    # No deadline: NaT.
    holds = df[df["kind"] == "hold"]
    no_deadline = [r for r in compliance.retention.verdicts("hold") if r.deadline is None]
    if no_deadline:
        assert holds["deadline"].isna().any()
    with pytest.raises(libconsent.InvalidEventError) as info:
        compliance.retention.verdicts("call")
    assert info.value.field == "kind"


def _a_caller(store):
    for ev in store.read_all():
        if ev.HasField("call_started"):
            for p in ev.call_started.participants:
                if p.party == v1.PARTY_CALLER:
                    return p.subject_ref, ev.call_started.call_id
    raise AssertionError("no caller in the demo day")


def test_subject_export_of_a_caller(demo):
    store, _, compliance = demo
    ref, call_id = _a_caller(store)
    export = compliance.subject_export(ref)
    assert export["subject_ref"] == ref and export["kind"] == "caller"
    assert call_id in [c["call_id"] for c in export["calls"]]
    assert export["log_position"] == compliance.position
    assert set(export["identity"]) == {"sealed", "erased", "key_id"}
    with pytest.raises(libconsent.NotFoundError):
        compliance.subject_export("caller-never-seen")
    with pytest.raises(libconsent.InvalidEventError):
        compliance.subject_export("")


def test_subject_directory_seal_lookup_erase(store, now):
    key = libconsent.MasterKey.generate()
    directory = libconsent.SubjectDirectory(store, key)
    sealed = directory.seal_identity("caller-1", "caller", phone_number="+33 6 12 34 56 78",
                                     name="Jeanne Martin", occur_time=now)
    assert sealed["key_created"] and len(sealed["key_id"]) == 32 and sealed["position"] == 1
    record = directory.lookup("caller-1")
    assert record["identity"] == {"phone_number": "+33 6 12 34 56 78", "name": "Jeanne Martin",
                                  "note": ""}
    assert (record["kind"], record["erased"], record["sealed_position"]) == ("caller", False, 1)
    assert not directory.is_erased("caller-1")

    key_id, blob = directory.seal("caller-1", "account 12345")
    assert key_id == sealed["key_id"] and b"12345" not in blob
    assert directory.unseal("caller-1", key_id, blob) == {"erased": False,
                                                          "plaintext": b"account 12345"}
    with pytest.raises(libconsent.CorruptionError):
        directory.unseal("caller-1", key_id, blob[:-1] + bytes([blob[-1] ^ 1]))

    erased = directory.erase_subject("caller-1", request_id="dsr-1", occur_time=now + T(hours=1))
    assert erased["key_id"] == key_id and not erased["already_erased"]
    record = directory.lookup("caller-1")
    assert record["erased"] and record["identity"] is None
    assert record["erased_position"] == erased["position"]
    assert directory.is_erased("caller-1")
    assert directory.unseal("caller-1", key_id, blob) == {"erased": True, "plaintext": b""}
    with pytest.raises(libconsent.PreconditionError):
        directory.seal_identity("caller-1", "caller", name="Again")
    assert directory.erase_subject("caller-1")["already_erased"]
    assert store.verify().events_checked == store.head_position  # raises if tampered

    with pytest.raises(libconsent.NotFoundError):
        directory.lookup("caller-unknown")
    with pytest.raises(libconsent.InvalidEventError) as info:
        directory.seal_identity("+33 6 12 34 56 78", "caller", name="x")
    assert info.value.field == "subject_ref"
    with pytest.raises(libconsent.InvalidEventError) as info:
        directory.seal_identity("caller-2", "nobody", name="x")
    assert info.value.field == "kind"


def test_the_export_sees_the_directory(store, now):
    ledger = libconsent.Ledger(store)
    _recorded_call(ledger, now)
    libconsent.SubjectDirectory(store, libconsent.MasterKey.generate()).seal_identity(
        "caller-1", "caller", name="Jeanne Martin", occur_time=now + T(minutes=5))
    compliance = libconsent.Compliance(store, at=now + T(hours=1), persist=False)
    export = compliance.subject_export("caller-1")
    assert export["identity"]["sealed"] and not export["identity"]["erased"]
    assert "Jeanne" not in repr(export)


def test_a_wrong_master_key_is_refused(store, now):
    right = libconsent.MasterKey.generate()
    libconsent.SubjectDirectory(store, right).seal_identity("agent-7", "agent", name="Ana",
                                                            occur_time=now)
    with pytest.raises(libconsent.UnauthenticatedError):
        libconsent.SubjectDirectory(store, libconsent.MasterKey.generate())
    again = libconsent.SubjectDirectory(store, libconsent.MasterKey.from_hex(right.to_hex()))
    assert again.lookup("agent-7")["identity"]["name"] == "Ana"


def test_a_closed_store_refuses_directory_calls(tmp_path):
    s = libconsent.open(tmp_path / "store", create=True, sync=False)
    directory = libconsent.SubjectDirectory(s, libconsent.MasterKey.generate())
    s.close()
    with pytest.raises(libconsent.PreconditionError):
        directory.lookup("caller-1")


def test_master_key_never_shows_its_bytes(tmp_path, monkeypatch):
    key = libconsent.MasterKey.generate()
    hex_key = key.to_hex()
    assert len(hex_key) == 64 and int(hex_key, 16) >= 0
    for text in (repr(key), str(key), repr(key._core)):
        assert hex_key not in text and hex_key.upper() not in text
    assert "hidden" in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)
    assert libconsent.MasterKey.from_hex(hex_key.upper()).to_hex() == hex_key
    assert libconsent.MasterKey.from_bytes(bytes.fromhex(hex_key)).to_hex() == hex_key

    with pytest.raises(libconsent.InvalidEventError) as info:
        libconsent.MasterKey.from_hex("zz" + hex_key[2:])
    assert hex_key[2:] not in str(info.value)

    monkeypatch.setenv("CONSENT_TEST_KEY", hex_key)
    assert libconsent.MasterKey.from_environment("CONSENT_TEST_KEY").to_hex() == hex_key
    monkeypatch.delenv("CONSENT_TEST_KEY")
    with pytest.raises(libconsent.NotFoundError):
        libconsent.MasterKey.from_environment("CONSENT_TEST_KEY")

    path = tmp_path / "master.key"
    path.write_text(hex_key + "\n")
    os.chmod(path, 0o600)
    assert libconsent.MasterKey.from_file(path).to_hex() == hex_key
    os.chmod(path, 0o644)
    with pytest.raises(libconsent.PreconditionError):
        libconsent.MasterKey.from_file(path)
    with pytest.raises(libconsent.NotFoundError):
        libconsent.MasterKey.from_file(tmp_path / "missing.key")
