# SPDX-License-Identifier: Apache-2.0
"""Compliance projections: the recording gate, call verdicts, agents, recording use, the
retention plan, subject access exports, tables for pandas, and the audit report.

A :class:`Compliance` folds the store's log (deterministically, in position order) into the
views of ``consent/compliance.h``. It catches up when created, unless told not to; call
:meth:`Compliance.catch_up` again to fold newer events, or :meth:`Compliance.start_live` to
follow appends on a background C++ thread.

Thread-safety: a Compliance may be used from any number of threads; gate decisions and
evaluations run while events are folded. The GIL is released during folding, evaluation,
table building and report building.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

from libconsent import _core
from libconsent import tables as _tables

__all__ = ["Compliance", "Gate", "StopOrder", "Table", "CallTable", "AgentTable", "Report", "RuleVerdict",
           "GateDecision", "ObjectionSummary", "CallVerdicts", "AgentSummary", "RecordingUse",
           "Retention", "RetentionPlan", "PurgeItem", "RecordVerdicts", "VERDICTS", "TABLES",
           "PURGE_STATES", "RECORD_KINDS", "rule_catalogue"]

#: Verdict names, the categories of every verdict column (in this order).
VERDICTS = ("ok", "violated", "unverified", "not_applicable", "pending")
#: Tables available through :meth:`Compliance.table` (and as attributes).
TABLES = tuple(_core.TABLES)
#: Purge states, in the order of the plan (and the categories of ``retention_plan.state``).
PURGE_STATES = ("overdue", "due", "awaiting_receipt", "held", "scheduled", "done")
#: Kinds of records that are not calls (``consent::RecordKind``), as
#: :meth:`Retention.verdicts` and ``record_verdicts.kind`` name them.
RECORD_KINDS = ("recording", "document", "hold", "request", "answer", "decision")

Datetime = _dt.datetime


@dataclass(frozen=True)
class RuleVerdict:
    """A rule's verdict: ``verdict`` is one of :data:`VERDICTS`; ``evidence`` lists the
    positions of the events that prove it."""
    rule_id: str
    verdict: str
    detail: str
    evidence: List[int]


@dataclass(frozen=True)
class GateDecision:
    """The gate's answer (LC-LIVE-1): ``allow``, else every rule in ``failing``;
    ``must_stop`` when running capture must stop now (``stop_rules`` say why). ``position``
    is the log position the decision reflects. ``bool(decision)`` is ``allow``."""
    allow: bool
    failing: List[RuleVerdict]
    must_stop: bool
    stop_rules: List[str]
    position: int

    def __bool__(self) -> bool:
        return self.allow


@dataclass(frozen=True)
class ObjectionSummary:
    """One objection on a call. ``party`` is 1 (caller) or 2 (agent); ``pause_latency_ms``
    is None when unknown; ``verdict`` is the objection's own LC-OBJ-1/2 verdict."""
    objection_id: str
    party: int
    raised: Datetime
    capture_running: bool
    pause_latency_ms: Optional[float]
    honoured: bool
    withdrawn: bool
    overruled: bool
    inherited: bool
    verdict: str


@dataclass(frozen=True)
class CallVerdicts:
    """Every rule's verdict on one call, with its facts. ``overall`` is the worst verdict
    (violated > unverified > pending > ok > not_applicable)."""
    call_id: str
    agent_ref: str
    line_id: str
    queue_id: str
    site_id: str
    registration_id: str
    started: Datetime
    ended: Optional[Datetime]
    recorded: bool
    private_call: bool
    objections: List[ObjectionSummary]
    rules: List[RuleVerdict]
    position: int
    overall: str

    def rule(self, rule_id: str) -> RuleVerdict:
        """The verdict of ``rule_id``; KeyError when the call has no such rule."""
        for r in self.rules:
            if r.rule_id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def violated(self) -> List[str]:
        """Ids of the rules violated on this call."""
        return [r.rule_id for r in self.rules if r.verdict == "violated"]


@dataclass(frozen=True)
class AgentSummary:
    """One agent: informed, objected, protected, recorded share over the rolling window
    (basis points), accesses to their recordings, satisfaction-survey answers (LC-EVAL-2:
    ``survey_answers_counted`` count for the agent, ``survey_answers_excluded`` had a cause
    other than the agent; ``survey_score`` is the mean of the counted answers in [0, 1], None
    without any), analysis documents about the agent, and the agent rules' verdicts."""
    agent_ref: str
    team_id: str
    site_id: str
    provisioned: bool
    is_protected: bool
    protection_means: bool
    informed: bool
    objection_active: bool
    handled_calls: int
    recorded_calls: int
    recorded_share_bp: int
    over_warn_share: bool
    over_max_share: bool
    accesses: int
    accesses_refused: int
    accesses_unlawful: int
    survey_answers: int
    survey_answers_counted: int
    survey_answers_excluded: int
    survey_score: Optional[float]
    analysis_documents: int
    rules: List[RuleVerdict]


@dataclass(frozen=True)
class RecordingUse:
    """LC-PROP-2 over 30 days: recordings started and used; ``warning`` when the used share
    is below the policy's minimum (never a violation)."""
    recordings: int
    used: int
    used_share_bp: int
    warning: bool
    rule: RuleVerdict


@dataclass(frozen=True)
class StopOrder:
    """"Stop capture now": raised when a fact arrives that requires running capture to stop
    (an objection, a private flag, a payment segment). ``recording_ids`` were capturing at that
    moment; ``position`` is the triggering event; ``deadline`` = its time + pause budget."""
    call_id: str
    recording_ids: List[str]
    rule_id: str
    reason: str
    position: int
    deadline: Datetime


@dataclass(frozen=True)
class PurgeItem:
    """One thing to delete, and why (``consent::PurgeItem``).

    ``target`` is "recording_copy", "artefact_copy" or "document"; ``state`` one of
    :data:`PURGE_STATES`; ``reason`` the PurgeReason short name ("RETENTION", "OBJECTION",
    ...) the receipt should carry; ``content_hash`` (hex) the hash the receipt must repeat;
    ``due`` the deadline after holds; ``overdue_seconds`` how long past it (0 when not);
    ``held_by`` the ids of the holds in force; ``evidence_position`` the fact that created the
    obligation; ``description`` a one-line summary."""
    target: str
    state: str
    rule_id: str
    reason: str
    recording_id: str
    artefact_id: str
    copy_id: str
    document_id: str
    call_id: str
    agent_ref: str
    storage_ref: str
    content_hash: str
    cause_ref: str
    collected: Datetime
    due: Datetime
    overdue_seconds: float
    held_by: List[str]
    evidence_position: int
    description: str


@dataclass(frozen=True)
class RetentionPlan:
    """What must be deleted, by when, and why, at ``at`` (``consent::RetentionPlan``).

    ``items`` are sorted by state (overdue, due, awaiting receipt, held, scheduled, done), then
    deadline; ``holds`` lists every legal hold placed (dicts: hold_id, case_reference,
    owner_ref, reason, active, placed, released, review_due, review_overdue, items_held);
    ``counts`` counts every obligation whatever the options listed (overdue, due,
    awaiting_receipt, held, scheduled, done) and the records considered (recordings,
    documents). :meth:`to_pandas` gives the items as the ``retention_plan`` table."""
    at: Datetime
    position: int
    items: List[PurgeItem]
    holds: List[Dict[str, Any]]
    counts: Dict[str, int]
    _options: Dict[str, Any] = field(repr=False, compare=False)
    _compliance: Any = field(repr=False, compare=False)

    def to_pandas(self) -> "Any":
        """The items as a DataFrame (the ``retention_plan`` table built in C++ for this plan's
        time and options): one row per item, in the same order."""
        return _tables.frame(self._compliance._core.retention_plan_table(self.at, **self._options))


@dataclass(frozen=True)
class RecordVerdicts:
    """Verdicts on one record that is not a call (``consent::RecordVerdicts``): ``kind`` is one
    of :data:`RECORD_KINDS`; ``time`` its collection, creation, placement, receipt, answer or
    decision time; ``deadline`` for purges and requests (else None)."""
    kind: str
    id: str
    call_id: str
    agent_ref: str
    subject_ref: str
    time: Datetime
    deadline: Optional[Datetime]
    rules: List[RuleVerdict]


def _horizon_hours(horizon: Union[_dt.timedelta, int, float]) -> int:
    from libconsent.errors import InvalidEventError
    if isinstance(horizon, _dt.timedelta):
        seconds = horizon.total_seconds()
    elif isinstance(horizon, (int, float)) and not isinstance(horizon, bool):
        seconds = float(horizon) * 3600
    else:
        raise TypeError(f"horizon expects a timedelta (or hours), got {type(horizon).__name__}")
    if seconds < 0 or seconds % 3600 != 0:
        raise InvalidEventError(f"retention plan: horizon must be a whole, non-negative number "
                                f"of hours, got {horizon!r}", field="horizon")
    return int(seconds // 3600)


class Retention:
    """The retention schedule (``consent::RetentionSchedule``): the purge plan, and verdicts on
    recordings, analysis documents, legal holds, subject requests, survey answers and
    decisions. ``compliance.retention_plan`` and ``compliance.record_verdicts`` are the same as
    tables."""

    def __init__(self, compliance: "Compliance") -> None:
        self._compliance = compliance

    def plan(self, at: Optional[Datetime] = None,
             horizon: Union[_dt.timedelta, int, float] = _dt.timedelta(hours=24),
             include_scheduled: bool = False, include_done: bool = False) -> RetentionPlan:
        """The purge plan at ``at`` (default: the engine's clock). Retention purges are due from
        ``horizon`` (a whole number of hours) before their deadline; later ones are listed only
        with ``include_scheduled``, completed ones only with ``include_done``. Raises
        InvalidEventError for a negative or fractional horizon."""
        options: Dict[str, Any] = dict(horizon_hours=_horizon_hours(horizon),
                                       include_scheduled=include_scheduled,
                                       include_done=include_done)
        d = self._compliance._core.retention_plan(at, **options)
        return RetentionPlan(at=d["at"], position=d["position"],
                             items=[PurgeItem(**i) for i in d["items"]], holds=d["holds"],
                             counts=d["counts"], _options=options, _compliance=self._compliance)

    def verdicts(self, kind: str, at: Optional[Datetime] = None) -> List[RecordVerdicts]:
        """Verdicts of every record of ``kind`` (one of :data:`RECORD_KINDS`) at ``at``, in id
        order. Raises InvalidEventError for an unknown kind."""
        out = []
        for d in self._compliance._core.record_verdicts(kind, at):
            d = dict(d)
            d["rules"] = _rules(d["rules"])
            out.append(RecordVerdicts(**d))
        return out

    def __repr__(self) -> str:
        return "<libconsent retention schedule>"


def _rules(items: Iterable[Dict[str, Any]]) -> List[RuleVerdict]:
    return [RuleVerdict(**r) for r in items]


def _call(d: Dict[str, Any]) -> CallVerdicts:
    d = dict(d)
    d["objections"] = [ObjectionSummary(**o) for o in d["objections"]]
    d["rules"] = _rules(d["rules"])
    return CallVerdicts(**d)


def rule_catalogue() -> List[Dict[str, str]]:
    """Every rule of RULES.md, in catalogue order: dicts with id, title, attaches_to."""
    return [dict(id=i, title=t, attaches_to=a) for i, t, a in _core.rule_catalogue()]


class Table:
    """A table of the projections, as pandas or numpy columns built in C++.

    ``at`` (a datetime) is the evaluation time: deadlines and rolling windows are judged
    against it. Default: the engine's clock (the ``at`` given to :class:`Compliance`, or now).
    """

    def __init__(self, compliance: "Compliance", name: str) -> None:
        self._compliance = compliance
        self.name = name

    def columns(self, at: Optional[Datetime] = None) -> List[Any]:
        """The raw columns: ``[(name, kind, numpy array, categories or None)]``."""
        return self._compliance._core.table(self.name, at)

    def to_pandas(self, at: Optional[Datetime] = None) -> "Any":
        """A pandas DataFrame: times ``datetime64[ns, UTC]``, ids and verdicts as
        Categorical (codes + categories), counts int64, flags bool."""
        return _tables.frame(self.columns(at))

    def to_numpy(self, at: Optional[Datetime] = None) -> Dict[str, Any]:
        """The columns as a dict of numpy arrays (categories decoded to object arrays)."""
        return _tables.arrays(self.columns(at))

    def __repr__(self) -> str:
        return f"<libconsent table {self.name!r}>"


class CallTable(Table):
    """The calls: one row per call (``to_pandas``), and per-call verdicts (``evaluate``)."""

    def evaluate(self, call_id: str, at: Optional[Datetime] = None) -> CallVerdicts:
        """Every rule's verdict on ``call_id`` at ``at`` (default: the engine's clock).
        Raises NotFoundError for an unknown call."""
        return _call(self._compliance._core.evaluate_call(call_id, at))

    def __len__(self) -> int:
        return self._compliance._core.call_count()


class AgentTable(Table):
    """The agents: one row per agent (``to_pandas``), and one agent (``evaluate``)."""

    def evaluate(self, agent_ref: str, at: Optional[Datetime] = None) -> AgentSummary:
        """The agent's summary at ``at``. Raises NotFoundError for an agent never seen."""
        d = dict(self._compliance._core.evaluate_agent(agent_ref, at))
        d["rules"] = _rules(d["rules"])
        return AgentSummary(**d)

    def __len__(self) -> int:
        return self._compliance._core.agent_count()


class Gate:
    """The recording gate: "may I record this call now?" (LC-LIVE-1). Never blocks on I/O;
    safe from any thread."""

    def __init__(self, compliance: "Compliance") -> None:
        self._compliance = compliance

    def decide(self, call_id: str, tracks: Sequence[Union[int, str]] = (),
               at: Optional[Datetime] = None) -> GateDecision:
        """Allow, or deny with every failing rule. ``tracks``: Track values or names
        ("CALLER", "TRACK_AGENT"); empty means caller and agent. An unknown call is denied
        (LC-REG-1). Raises InvalidEventError for an invalid track."""
        d = self._compliance._core.decide(call_id, [_track(t) for t in tracks], at)
        d["failing"] = _rules(d["failing"])
        return GateDecision(**d)

    def allows(self, call_id: str, at: Optional[Datetime] = None) -> bool:
        """``decide(call_id).allow``."""
        return self.decide(call_id, at=at).allow

    def on_must_stop(self, callback: Optional[Callable[[StopOrder], object]]) -> None:
        """Calls ``callback(StopOrder)`` for each fact that requires running capture to stop,
        as the engine folds it (on the live thread after :meth:`Compliance.start_live`, or in
        :meth:`Compliance.catch_up`), holding the GIL. Keep it quick. Replaces any previous
        listener; None removes it. If it raises, folding goes on and the first exception is
        re-raised by :meth:`Compliance.check` (and wait_for, catch_up, stop_live)."""
        if callback is None:
            self._compliance._core.on_must_stop(None)
            return
        if not callable(callback):
            from libconsent.errors import InvalidEventError
            raise InvalidEventError("on_must_stop: the listener is not callable", field="callback")

        listener = callback

        def deliver(d: Dict[str, Any]) -> None:
            listener(StopOrder(**d))
        self._compliance._core.on_must_stop(deliver)


def _track(t: Union[int, str]) -> int:
    if isinstance(t, str):
        from libconsent.v1 import Track
        name = t.upper()
        if not name.startswith("TRACK_"):
            name = "TRACK_" + name
        try:
            return Track.Value(name)
        except ValueError:
            from libconsent.errors import InvalidEventError
            raise InvalidEventError(f"unknown track {t!r}", field="tracks") from None
    return int(t)


class Report:
    """The audit report (``consent::AuditReport``) a DPO or staff committee reads.

    ``str(report)`` is the aligned table; :meth:`format` gives "table", "json" or "csv";
    :meth:`to_dict` the JSON as a dict; :meth:`rules_frame` one row per rule tally.
    """

    def __init__(self, core: "_core.Report") -> None:
        self._core = core
        self._dict: Optional[Dict[str, Any]] = None

    @property
    def position(self) -> int:
        """Log position the verdicts reflect."""
        return self._core.position

    @property
    def at(self) -> Datetime:
        """Evaluation time."""
        return self._core.at

    def format(self, fmt: str = "table", *, color: bool = False) -> str:
        """The report as text: "table", "json" or "csv" (deterministic bytes)."""
        return self._core.format(fmt, color)

    def to_dict(self) -> Dict[str, Any]:
        """The JSON report as a dict: report_version, at, period, store_position, policy,
        totals, objections (counts and pause latency median/p95), rules (tallies with
        examples), agents, accesses, registrations, store_figures."""
        if self._dict is None:
            self._dict = json.loads(self.format("json"))
        return self._dict

    @property
    def totals(self) -> Dict[str, Any]:
        """Totals: calls, recorded_calls, recorded_share_bp, recordings, private_calls,
        calls_violated, calls_unverified."""
        return self.to_dict()["totals"]

    def rules_frame(self) -> "Any":
        """One row per rule tally (rule_id, title, attaches_to, counts per verdict)."""
        import pandas as pd
        rows = [{k: v for k, v in r.items() if k != "examples"} for r in self.to_dict()["rules"]]
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        return self.format("table")


class Compliance:
    """The compliance projections over a store (``consent::Compliance``).

    Args:
        store: an open :class:`~libconsent.Store`.
        at: a fixed evaluation clock (datetime) for every verdict and gate decision; default
            the wall clock. Reports of a past day are reproducible with a fixed ``at``.
        persist: keep state and checkpoint in the store, so a reopened engine resumes
            (default True). False keeps everything in memory (what-if analyses).
        to_position: fold only up to this position (0: no bound); with persist=False this
            recomputes every verdict as of that position (LC-AUD-1).
        catch_up: fold the log now (default True).
        site: in a group store, fold only the events received from this site (default "":
            every event); requires persist=False.

    Views: :attr:`gate`, :attr:`calls`, :attr:`agents`, :attr:`retention` (purge plan), and
    the tables :attr:`verdicts` (call x rule), :attr:`violations`, :attr:`objections`,
    :attr:`accesses`, :attr:`retention_plan` (one row per purge item),
    :attr:`record_verdicts` (record x rule), each with ``to_pandas()``;
    :meth:`subject_export` for access requests.

    Raises:
        CorruptionError: an undecodable event while folding. StorageError: I/O.
    """

    def __init__(self, store: "Any", *, at: Optional[Datetime] = None, persist: bool = True,
                 to_position: int = 0, commit_every: int = 50000, catch_up: bool = True,
                 site: str = "") -> None:
        self._store = store
        self._core = _core.Compliance(store._core, at=at, persist=persist,
                                      to_position=to_position, commit_every=commit_every,
                                      site=site)
        self.gate = Gate(self)
        self.calls = CallTable(self, "calls")
        self.agents = AgentTable(self, "agents")
        self.verdicts = Table(self, "verdicts")
        self.violations = Table(self, "violations")
        self.objections = Table(self, "objections")
        self.accesses = Table(self, "accesses")
        self.retention = Retention(self)
        self.retention_plan = Table(self, "retention_plan")
        self.record_verdicts = Table(self, "record_verdicts")
        if catch_up:
            self.catch_up()

    def table(self, name: str) -> Table:
        """The table called ``name`` (one of :data:`TABLES`). InvalidEventError otherwise
        (when read)."""
        return Table(self, name)

    def __getattr__(self, name: str) -> Table:
        # Any table the C++ side declares is an attribute too, so a new table (tables.cc)
        # needs no Python change: compliance.<name>.to_pandas().
        if name in TABLES:
            return Table(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # ---- folding ------------------------------------------------------------------------------
    def catch_up(self) -> int:
        """Folds every event after :attr:`position` up to the head; returns how many."""
        n = self._core.catch_up()
        self.check()
        return n

    def check(self) -> None:
        """Raises the stop listener's first exception, or the live subscription's error."""
        err = self._core.listener_error
        if err is not None:
            raise err
        self._core.check_live()

    def rebuild(self) -> int:
        """Discards all state and folds again from position 1; returns events folded."""
        return self._core.rebuild()

    def start_live(self) -> None:
        """Follows appends on a background C++ thread. Idempotent."""
        self._core.start_live()

    def stop_live(self) -> None:
        """Stops following appends (commits the state)."""
        self._core.stop_live()
        self.check()

    def wait_for(self, position: int, timeout: float = 10.0) -> bool:
        """Blocks (GIL released) until ``position`` is folded in live mode; False on timeout.
        Raises the live subscription's error if it failed."""
        ok = self._core.wait_for(position, timeout)
        self.check()
        return ok

    @property
    def position(self) -> int:
        """Position of the last folded event."""
        return self._core.position

    def now(self) -> Datetime:
        """The engine clock's now."""
        return self._core.now()

    # ---- other questions -------------------------------------------------------------------------
    def recording_use(self, at: Optional[Datetime] = None) -> RecordingUse:
        """LC-PROP-2 over the 30 days ending at ``at``."""
        d = dict(self._core.recording_use(at))
        d["rule"] = RuleVerdict(**d["rule"])
        return RecordingUse(**d)

    def policy(self, registration_id: Optional[str] = None) -> Dict[str, Any]:
        """The policy of a registration's latest version (defaults when unknown; the first
        registration when None), with its ``description``."""
        if registration_id is None:
            regs = self.registrations()
            registration_id = regs[0] if regs else ""
        return self._core.policy(registration_id)

    def registrations(self) -> List[str]:
        """Ids of every registration seen, in id order."""
        return self._core.registrations()

    def subject_export(self, subject_ref: str, at: Optional[Datetime] = None) -> Dict[str, Any]:
        """Everything the log holds about one person as of ``at`` (default: the engine's clock),
        for a data subject access request (LC-DSR-1): the JSON of ``consentctl subject`` as a
        dict (subject_ref, kind, as_of, log_position, identity, calls, recordings, access_log,
        documents, requests, holds; times as RFC 3339 strings). ``subject_ref`` is a caller's
        subject_ref or an agent's agent_ref. Raises NotFoundError when the log never names it,
        InvalidEventError when empty."""
        return json.loads(self._core.subject_export_json(subject_ref, at))

    def report(self, *, at: Optional[Datetime] = None, from_time: Optional[Datetime] = None,
               to_time: Optional[Datetime] = None, max_examples: int = 5,
               with_store: bool = True) -> Report:
        """The audit report (``consent::BuildReport``) of the calls started in
        [from_time, to_time), judged at ``at`` (default: the engine's clock). With
        ``with_store`` it also reads the log for recordings and accesses by role."""
        return Report(self._core.report(at, from_time, to_time, max_examples, with_store))
