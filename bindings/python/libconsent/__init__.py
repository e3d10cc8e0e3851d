# SPDX-License-Identifier: Apache-2.0
"""libconsent: lawful, provable call recording — the Python API.

An immutable, hash-chained event log of calls, notices, objections, recording actions and
accesses (RocksDB, in C++), and the compliance projections that judge it: a live recording
gate, per-call verdicts, agent ledgers, audit reports, and pandas tables for analysts.

From a store to a chart in five lines::

    import libconsent
    store = libconsent.open("./consent-data")              # made by `make demo`
    compliance = libconsent.Compliance(store)               # folds the log
    violations = compliance.violations.to_pandas()          # one row per violated rule
    violations["rule_id"].value_counts().plot.barh().figure.savefig("violations.png")

Main names:

* :func:`open` / :class:`Store` — append, ``read_all``/``read_stream`` iterators (the GIL is
  released while C++ reads), ``subscribe`` (callback or iterator), ``verify``.
* :class:`Ledger` — one snake_case method per fact (``start_call``, ``raise_objection``,
  ``pause_recording``...), keyword arguments, ``datetime`` times.
* :class:`Compliance` — ``gate.decide(call_id)``, ``calls.evaluate(call_id)``,
  ``agents.evaluate(ref)``, ``retention.plan()``, ``subject_export(ref)``, ``report()``, and
  tables ``calls``, ``verdicts``, ``violations``, ``objections``, ``agents``, ``accesses``,
  ``retention_plan``, ``record_verdicts`` with ``to_pandas()``.
* :class:`SubjectDirectory` and :class:`MasterKey` — sealed identities behind subject refs,
  erased by destroying one key (crypto-shredding).
* :mod:`libconsent.v1` — the protobuf messages of ``proto/consent/v1``;
  :func:`event_to_dict` for dicts.
* :mod:`libconsent.errors` — the exception tree, rooted at :class:`ConsentError`.
* :func:`simulate_day` — a seeded, reproducible contact-centre day, for demos and tests.

Times: datetimes returned are aware (UTC); naive datetimes given are taken as UTC.
Thread-safety: every object may be shared between threads.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from typing import Optional, Union

from libconsent import _core, errors, v1
from libconsent._events import event_to_dict, payload_type
from libconsent.compliance import (PURGE_STATES, RECORD_KINDS, TABLES, VERDICTS, AgentSummary,
                                   CallVerdicts, Compliance, GateDecision, ObjectionSummary,
                                   PurgeItem, RecordingUse, RecordVerdicts, Report, Retention,
                                   RetentionPlan, RuleVerdict, StopOrder, rule_catalogue)
from libconsent.directory import MasterKey, SubjectDirectory
from libconsent.errors import (AlreadyExistsError, CancelledError, ConcurrencyError,
                               ConsentError, CorruptionError, DeadlineExceededError,
                               InternalError, InvalidArgumentError, InvalidEventError,
                               NotFoundError, OutOfRangeError, PermissionDeniedError,
                               PreconditionError, ResourceExhaustedError, StatusCode,
                               StorageError, UnauthenticatedError, UnimplementedError,
                               UnknownError)
from libconsent.ledger import FACTS, Ledger, Recorded
from libconsent.store import (ANY_REVISION, NO_STREAM, STREAM_EXISTS, AppendResult,
                              MultiAppendResult, Store, StoreStats, StreamAppend, Subscription,
                              VerifyReport)
from libconsent.store import BackupInfo, restore, verify_backup
from libconsent.replication import (GroupConsumer, GroupSite, ReplicationProgress, Replicator,
                                    verify_group)

from libconsent._version import __version__  # generated from CMakeLists.txt

#: The registration the simulator records its calls under.
SIMULATED_REGISTRATION_ID: str = _core.SIMULATED_REGISTRATION_ID

__all__ = [
    "open", "Store", "Subscription", "Ledger", "Recorded", "Compliance", "Report",
    "simulate_day", "SimulationSummary", "event_to_dict", "payload_type", "new_event_id",
    "v1", "errors", "AppendResult", "MultiAppendResult", "StreamAppend", "VerifyReport", "StoreStats", "RuleVerdict",
    "GateDecision", "StopOrder", "CallVerdicts", "ObjectionSummary", "AgentSummary", "RecordingUse",
    "Retention", "RetentionPlan", "PurgeItem", "RecordVerdicts", "MasterKey", "SubjectDirectory",
    "rule_catalogue", "FACTS", "TABLES", "VERDICTS", "PURGE_STATES", "RECORD_KINDS", "ANY_REVISION", "NO_STREAM",
    "STREAM_EXISTS", "SIMULATED_REGISTRATION_ID", "StatusCode", "ConsentError",
    "CancelledError", "UnknownError", "InvalidEventError", "InvalidArgumentError",
    "DeadlineExceededError", "NotFoundError", "AlreadyExistsError", "PermissionDeniedError",
    "ResourceExhaustedError", "PreconditionError", "ConcurrencyError", "OutOfRangeError",
    "UnimplementedError", "InternalError", "StorageError", "CorruptionError",
    "UnauthenticatedError", "BackupInfo", "restore", "verify_backup",
    "UnauthenticatedError", "Replicator", "GroupConsumer", "GroupSite", "ReplicationProgress",
    "verify_group",
]


def open(path: Union[str, "os.PathLike[str]"], *, create: bool = False,  # noqa: A001
         error_if_exists: bool = False, sync: bool = True,
         block_cache_bytes: Optional[int] = None) -> Store:
    """Opens the store at ``path`` (:meth:`Store.open`); ``create=True`` creates it when
    there is none. Raises NotFoundError when there is no store and ``create`` is false."""
    return Store.open(path, create=create, error_if_exists=error_if_exists, sync=sync,
                      block_cache_bytes=block_cache_bytes)


def new_event_id() -> bytes:
    """A new time-ordered UUIDv7 event id (16 bytes)."""
    return _core.new_event_id()


@dataclass(frozen=True)
class SimulationSummary:
    """What :func:`simulate_day` appended (counts as in consent::SimulationSummary)."""
    day_start: _dt.datetime
    first_event: _dt.datetime
    last_event: _dt.datetime
    continued: bool
    first_position: int
    last_position: int
    events: int
    calls: int
    recorded_calls: int
    recordings: int
    recordings_without_gate: int
    gate_asked: int
    gate_allowed: int
    private_calls: int
    transfers: int
    objections_caller: int
    objections_agent: int
    live_listens: int
    accesses: int
    refused_accesses: int
    elapsed_s: float

    @property
    def day_end(self) -> _dt.datetime:
        """Midnight (UTC) after the simulated day: the time the demo judges its day at."""
        d = self.day_start
        return _dt.datetime(d.year, d.month, d.day, tzinfo=_dt.timezone.utc) + _dt.timedelta(days=1)


def simulate_day(store: Store, *, seed: int = 42, calls: int = 5000, agents: int = 40,
                 start: Optional[_dt.datetime] = None, sync: bool = False) -> SimulationSummary:
    """Plays one seeded, reproducible contact-centre day into ``store`` through the Ledger
    (consent::SimulateDay): governance, agents, calls with notices, sampled recordings,
    objections (mostly honoured, some late or ignored), private calls, transfers, accesses
    (some by forbidden roles). On a store that holds events it plays the next day.

    Raises:
        InvalidEventError: calls < 1 or agents < 12.
    """
    return SimulationSummary(**_core.simulate_day(store._core, seed=seed, calls=calls,
                                                  agents=agents, start=start, sync=sync))
