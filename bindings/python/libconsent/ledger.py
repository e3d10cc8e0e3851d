# SPDX-License-Identifier: Apache-2.0
"""The Ledger: records the domain facts of call recording, one snake_case method per fact.

Each method takes the fact's fields as keyword arguments (or a ready ``libconsent.v1``
message as its only positional argument) plus the envelope: ``occur_time`` (a ``datetime``,
required; naive datetimes are UTC), and optionally ``event_id``, ``actor``,
``correlation_id``, ``causation_id`` and ``sync``::

    ledger = libconsent.Ledger(store)
    ledger.start_call(call_id="c-9", registration_id="reg-1", queue_id="q-sales",
                      agent_ref="agt-7", occur_time=now)
    ledger.raise_objection(call_id="c-9", objection_id="o-1", party="CALLER",
                           channel="VERBAL", occur_time=now)
    ledger.pause_recording(call_id="c-9", recording_id="r-1", tracks=["CALLER", "AGENT"],
                           cause="OBJECTION", cause_ref="o-1", command_time=now,
                           ack_time=now, ack_source="PLATFORM", occur_time=now)

Enum fields accept the enum's int, its full name ("TRACK_CALLER") or its short name
("CALLER", any case). Timestamp fields accept ``datetime``.

What it refuses and what it records (as ``consent::Ledger``): malformed or impossible facts
raise (InvalidEventError, PreconditionError, ...) and append nothing; possible but unlawful
facts are recorded, they are the evidence the projections judge. An access by a role that is
not a declared recipient raises PermissionDeniedError (``.rule_id == "LC-ACC-1"``,
``.position`` = the AccessRefused recorded instead).

Idempotency: retrying a fact with the same ``event_id`` and content returns the original
:class:`Recorded` with ``deduplicated=True``. Purge receipts too: once ``purge_recording``
(or ``purge_analysis_document``) is recorded with a receipt (``content_hash`` +
``storage_receipt``), the same receipt again returns that purge deduplicated, whatever the
event id, and any other purge of the copy raises PreconditionError.

Retention and rights facts (analysis documents, derived artefacts, decisions, surveys, purges,
retention overrides, legal holds, subject requests) are what
``compliance.retention.plan()`` and the ``retention_plan`` / ``record_verdicts`` tables judge.

Thread-safety: a Ledger may be used from several threads; the GIL is released while C++
validates and appends.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Union

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from libconsent import _core
from libconsent._pb.consent.v1.event_pb2 import Actor, Event
from libconsent.errors import InvalidEventError

__all__ = ["Ledger", "Recorded", "FACTS"]


@dataclass(frozen=True)
class Recorded:
    """Where a fact was recorded: its stream, global position, stream revision and event id
    (16 bytes). ``deduplicated`` is true when it was already stored (a retry)."""
    stream: str
    position: int
    revision: int
    event_id: bytes
    deduplicated: bool

    @property
    def event_id_str(self) -> str:
        """The event id as canonical UUID text."""
        return _core.event_id_to_string(self.event_id)


#: Ledger method -> payload field of consent.v1.Event, in the order of consent/ledger.h.
FACTS: Dict[str, str] = {
    "register_processing": "processing_registered",
    "amend_processing": "processing_amended",
    "end_processing": "processing_ended",
    "consult_cse": "cse_consulted",
    "consult_dpo": "dpo_consulted",
    "record_dpia": "dpia_recorded",
    "publish_notice": "notice_published",
    "publish_evaluation_method": "evaluation_method_published",
    "declare_capability": "capability_declared",
    "probe_capability": "capability_probed",
    "provision_agent": "agent_provisioned",
    "inform_agent": "agent_informed",
    "announce_recording_window": "recording_window_announced",
    "start_call": "call_started",
    "transfer_call": "call_transferred",
    "end_call": "call_ended",
    "flag_private_call": "private_call_flagged",
    "give_notice": "notice_given",
    "lose_objection_channel": "objection_channel_lost",
    "restore_objection_channel": "objection_channel_restored",
    "start_sensitive_segment": "sensitive_segment_started",
    "end_sensitive_segment": "sensitive_segment_ended",
    "start_recording": "recording_started",
    "pause_recording": "recording_paused",
    "resume_recording": "recording_resumed",
    "stop_recording": "recording_stopped",
    "store_recording": "recording_stored",
    "start_screen_capture": "screen_capture_started",
    "raise_objection": "objection_raised",
    "decide_objection": "objection_decided",
    "withdraw_objection": "objection_withdrawn",
    "start_live_listen": "live_listen_started",
    "access_recording": "recording_accessed",
    "refuse_access": "access_refused",
    "create_analysis_document": "analysis_document_created",
    "amend_analysis_document": "analysis_document_amended",
    "purge_analysis_document": "analysis_document_purged",
    "create_derived_artefact": "derived_artefact_created",
    "record_decision": "decision_recorded",
    "answer_survey": "survey_answered",
    "attribute_cause": "cause_attributed",
    "purge_recording": "recording_purged",
    "override_retention": "retention_overridden",
    "place_legal_hold": "legal_hold_placed",
    "review_legal_hold": "legal_hold_reviewed",
    "release_legal_hold": "legal_hold_released",
    "receive_subject_request": "subject_request_received",
    "extend_subject_request": "subject_request_extended",
    "fulfil_subject_request": "subject_request_fulfilled",
}

_PAYLOAD_CLASSES = {f: type(getattr(Event(), f)) for f in FACTS.values()}


def _enum_value(method: str, field: FieldDescriptor, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidEventError(
            f"{method}: field {field.name} expects a {field.enum_type.name} (int or name), "
            f"got {type(value).__name__}", field=field.name)
    if isinstance(value, int):
        return value
    values = field.enum_type.values_by_name
    if value in values:
        return values[value].number
    # The short name after the enum's own prefix ("GRANTED" is REQUEST_OUTCOME_GRANTED, not
    # REQUEST_OUTCOME_PARTIALLY_GRANTED), else the one name ending with it.
    unspecified = [n for n in values if n.endswith("_UNSPECIFIED")]
    if unspecified:
        exact = unspecified[0][:-len("UNSPECIFIED")] + value.upper()
        if exact in values:
            return values[exact].number
    matches = [v for n, v in values.items() if n.endswith("_" + value.upper())]
    if len(matches) == 1:
        return matches[0].number
    raise InvalidEventError(
        f"{method}: {value!r} is not a {field.enum_type.name} "
        f"({', '.join(n for n in values if not n.endswith('_UNSPECIFIED'))})", field=field.name)


def _timestamp(method: str, name: str, value: Any) -> Timestamp:
    if isinstance(value, Timestamp):
        return value
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"{method}: {name} expects a datetime, got {type(value).__name__}")
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def _convert(method: str, cls: Any, fields: Mapping[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    by_name = cls.DESCRIPTOR.fields_by_name
    for name, value in fields.items():
        fd = by_name.get(name)
        if fd is None:
            raise InvalidEventError(
                f"{method}: {cls.DESCRIPTOR.name} has no field {name!r} "
                f"(fields: {', '.join(by_name)})", field=name)
        repeated = fd.label == FieldDescriptor.LABEL_REPEATED
        if fd.type == FieldDescriptor.TYPE_ENUM:
            value = ([_enum_value(method, fd, v) for v in value] if repeated
                     else _enum_value(method, fd, value))
        elif (fd.type == FieldDescriptor.TYPE_MESSAGE
              and fd.message_type.full_name == "google.protobuf.Timestamp"):
            value = ([_timestamp(method, name, v) for v in value] if repeated
                     else _timestamp(method, name, value))
        out[name] = value
    return out


def _event_id(value: Union[bytes, str, uuid.UUID, None]) -> bytes:
    if value is None:
        return b""
    if isinstance(value, uuid.UUID):
        return value.bytes
    if isinstance(value, str):
        return _core.parse_event_id(value)
    return bytes(value)


def _make_method(method: str, field: str) -> Callable[..., Recorded]:
    cls = _PAYLOAD_CLASSES[field]

    def fact_method(self: "Ledger", fact: Optional[Message] = None, /, *,
                    occur_time: Optional[_dt.datetime] = None,
                    event_id: Union[bytes, str, uuid.UUID, None] = None,
                    actor: Union[Actor, Mapping[str, str], None] = None,
                    correlation_id: str = "", causation_id: str = "",
                    sync: Optional[bool] = None, **fields: Any) -> Recorded:
        return self._fact(method, field, fact, occur_time, event_id, actor, correlation_id,
                          causation_id, sync, fields)

    fact_method.__name__ = method
    fact_method.__qualname__ = f"Ledger.{method}"
    fact_method.__doc__ = (
        f"Records a {cls.__name__} (payload ``{field}``; consent::Ledger::"
        f"{''.join(p.capitalize() for p in method.split('_'))}).\n\n"
        f"Fields (keyword arguments): {', '.join(cls.DESCRIPTOR.fields_by_name)}.\n"
        "Envelope: occur_time (datetime, required), event_id, actor, correlation_id, "
        "causation_id, sync.\nReturns a Recorded; raises as documented on Ledger.")
    return fact_method



class Ledger:
    """Records domain facts into a :class:`~libconsent.Store` (``consent::Ledger``).

    One method per fact (:data:`FACTS` lists them with their payloads; their fields are
    documented in ``proto/consent/v1``). Every method returns a :class:`Recorded`.

    Raises (every method):
        InvalidEventError: malformed fact (``.field`` names it), missing occur_time.
        PreconditionError: the fact contradicts the log (unknown call, second CallEnded...).
        PermissionDeniedError: access refused by LC-ACC-1 (an AccessRefused was recorded).
        AlreadyExistsError: event_id reused for other content.
        ConcurrencyError: other writers kept moving the stream (retries exhausted).
        StorageError, CorruptionError: from the store.

    The constructor raises TypeError when ``store`` is not a :class:`~libconsent.Store`.
    """

    def __init__(self, store: "Any", *, max_conflict_retries: int = 8,
                 state_cache_entries: int = 65536) -> None:
        if not isinstance(getattr(store, "_core", None), _core.Store):
            raise TypeError(f"Ledger expects a libconsent.Store, got "
                            f"{'None' if store is None else type(store).__name__}")
        self._store = store
        self._core = _core.Ledger(store._core, max_conflict_retries=max_conflict_retries,
                                  state_cache_entries=state_cache_entries)

    def record(self, event: Event, *, sync: Optional[bool] = None) -> Recorded:
        """Records any fact the Ledger knows, routed to its stream.

        ``event`` needs a payload and occur_time; event_id is optional (generated when
        empty). Raises as the class says, UnimplementedError for payload types the Ledger
        does not record (annotations, source checkpoints), and PreconditionError for
        SubjectIdentitySealed / SubjectErased (use :class:`~libconsent.SubjectDirectory`).
        """
        if not isinstance(event, Event):
            raise TypeError(f"record expects a libconsent.v1.Event, got {type(event).__name__}")
        return Recorded(**self._core.record(event.SerializeToString(), sync))

    def _fact(self, method: str, field: str, fact: Optional[Message], occur_time: Any,
              event_id: Any, actor: Union[Actor, Mapping[str, str], None], correlation_id: str,
              causation_id: str, sync: Optional[bool], fields: Mapping[str, Any]) -> Recorded:
        cls = _PAYLOAD_CLASSES[field]
        if occur_time is None:
            raise InvalidEventError(f"{method}: occur_time is required", field="occur_time")
        event = Event()
        event.occur_time.CopyFrom(_timestamp(method, "occur_time", occur_time))
        if fact is not None:
            if fields:
                raise TypeError(f"{method}: pass either a {cls.__name__} or its fields, not both")
            if not isinstance(fact, cls):
                raise TypeError(f"{method} expects a {cls.__name__}, got {type(fact).__name__}")
            getattr(event, field).CopyFrom(fact)
        else:
            try:
                getattr(event, field).CopyFrom(cls(**_convert(method, cls, fields)))
            except (ValueError, TypeError) as e:
                if isinstance(e, InvalidEventError):
                    raise
                raise InvalidEventError(f"{method}: {e}") from e
        event.event_id = _event_id(event_id)
        if actor is not None:
            if isinstance(actor, Actor):
                event.actor.CopyFrom(actor)
            else:
                event.actor.CopyFrom(Actor(**actor))
        event.correlation_id = correlation_id
        event.causation_id = causation_id
        return Recorded(**self._core.record(event.SerializeToString(), sync))

    # One method per fact (FACTS), in the order of consent/ledger.h.
    register_processing = _make_method("register_processing", "processing_registered")
    amend_processing = _make_method("amend_processing", "processing_amended")
    end_processing = _make_method("end_processing", "processing_ended")
    consult_cse = _make_method("consult_cse", "cse_consulted")
    consult_dpo = _make_method("consult_dpo", "dpo_consulted")
    record_dpia = _make_method("record_dpia", "dpia_recorded")
    publish_notice = _make_method("publish_notice", "notice_published")
    publish_evaluation_method = _make_method("publish_evaluation_method", "evaluation_method_published")
    declare_capability = _make_method("declare_capability", "capability_declared")
    probe_capability = _make_method("probe_capability", "capability_probed")
    provision_agent = _make_method("provision_agent", "agent_provisioned")
    inform_agent = _make_method("inform_agent", "agent_informed")
    announce_recording_window = _make_method("announce_recording_window", "recording_window_announced")
    start_call = _make_method("start_call", "call_started")
    transfer_call = _make_method("transfer_call", "call_transferred")
    end_call = _make_method("end_call", "call_ended")
    flag_private_call = _make_method("flag_private_call", "private_call_flagged")
    give_notice = _make_method("give_notice", "notice_given")
    lose_objection_channel = _make_method("lose_objection_channel", "objection_channel_lost")
    restore_objection_channel = _make_method("restore_objection_channel", "objection_channel_restored")
    start_sensitive_segment = _make_method("start_sensitive_segment", "sensitive_segment_started")
    end_sensitive_segment = _make_method("end_sensitive_segment", "sensitive_segment_ended")
    start_recording = _make_method("start_recording", "recording_started")
    pause_recording = _make_method("pause_recording", "recording_paused")
    resume_recording = _make_method("resume_recording", "recording_resumed")
    stop_recording = _make_method("stop_recording", "recording_stopped")
    store_recording = _make_method("store_recording", "recording_stored")
    start_screen_capture = _make_method("start_screen_capture", "screen_capture_started")
    raise_objection = _make_method("raise_objection", "objection_raised")
    decide_objection = _make_method("decide_objection", "objection_decided")
    withdraw_objection = _make_method("withdraw_objection", "objection_withdrawn")
    start_live_listen = _make_method("start_live_listen", "live_listen_started")
    access_recording = _make_method("access_recording", "recording_accessed")
    refuse_access = _make_method("refuse_access", "access_refused")
    create_analysis_document = _make_method("create_analysis_document", "analysis_document_created")
    amend_analysis_document = _make_method("amend_analysis_document", "analysis_document_amended")
    purge_analysis_document = _make_method("purge_analysis_document", "analysis_document_purged")
    create_derived_artefact = _make_method("create_derived_artefact", "derived_artefact_created")
    record_decision = _make_method("record_decision", "decision_recorded")
    answer_survey = _make_method("answer_survey", "survey_answered")
    attribute_cause = _make_method("attribute_cause", "cause_attributed")
    purge_recording = _make_method("purge_recording", "recording_purged")
    override_retention = _make_method("override_retention", "retention_overridden")
    place_legal_hold = _make_method("place_legal_hold", "legal_hold_placed")
    review_legal_hold = _make_method("review_legal_hold", "legal_hold_reviewed")
    release_legal_hold = _make_method("release_legal_hold", "legal_hold_released")
    receive_subject_request = _make_method("receive_subject_request", "subject_request_received")
    extend_subject_request = _make_method("extend_subject_request", "subject_request_extended")
    fulfil_subject_request = _make_method("fulfil_subject_request", "subject_request_fulfilled")
