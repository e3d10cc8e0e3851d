// SPDX-License-Identifier: Apache-2.0
// libconsent._core.Ledger, Compliance, Report and simulate_day: the domain facade, the
// projections and the audit report. Results cross as dicts (times as aware UTC datetimes);
// the Python package turns them into documented dataclasses.

#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "common.h"
#include "consent/compliance.h"
#include "consent/ledger.h"
#include "consent/report.h"
#include "consent/retention.h"
#include "consent/simulator.h"
#include "consent/subject_index.h"
#include "tables.h"

namespace consent::python {
namespace {

std::optional<TimePoint> OptTime(const py::object& t) {
  if (t.is_none()) return std::nullopt;
  return FromDatetime(t);
}

py::object OptDatetime(const std::optional<TimePoint>& t) {
  return t ? ToDatetime(*t) : py::object(py::none());
}

py::dict RuleVerdictDict(const RuleVerdict& r) {
  py::dict d;
  d["rule_id"] = r.rule_id;
  d["verdict"] = std::string(VerdictName(r.verdict));
  d["detail"] = r.detail;
  d["evidence"] = r.evidence;
  return d;
}

py::list RuleVerdictList(const std::vector<RuleVerdict>& rules) {
  py::list out;
  for (const RuleVerdict& r : rules) out.append(RuleVerdictDict(r));
  return out;
}

py::dict GateDecisionDict(const GateDecision& g) {
  py::dict d;
  d["allow"] = g.allow;
  d["failing"] = RuleVerdictList(g.failing);
  d["must_stop"] = g.must_stop;
  d["stop_rules"] = g.stop_rules;
  d["position"] = g.position;
  return d;
}

py::dict CallVerdictsDict(const CallVerdicts& c) {
  py::dict d;
  d["call_id"] = c.call_id;
  d["agent_ref"] = c.agent_ref;
  d["line_id"] = c.line_id;
  d["queue_id"] = c.queue_id;
  d["site_id"] = c.site_id;
  d["registration_id"] = c.registration_id;
  d["started"] = ToDatetime(c.started);
  d["ended"] = OptDatetime(c.ended);
  d["recorded"] = c.recorded;
  d["private_call"] = c.private_call;
  py::list objections;
  for (const ObjectionSummary& o : c.objections) {
    py::dict od;
    od["objection_id"] = o.objection_id;
    od["party"] = static_cast<int>(o.party);
    od["raised"] = ToDatetime(o.raised);
    od["capture_running"] = o.capture_running;
    od["pause_latency_ms"] = o.pause_latency_ms;
    od["honoured"] = o.honoured;
    od["withdrawn"] = o.withdrawn;
    od["overruled"] = o.overruled;
    od["inherited"] = o.inherited;
    od["verdict"] = std::string(VerdictName(o.verdict));
    objections.append(od);
  }
  d["objections"] = objections;
  d["rules"] = RuleVerdictList(c.rules);
  d["position"] = c.position;
  d["overall"] = std::string(VerdictName(c.Overall()));
  return d;
}

py::dict AgentSummaryDict(const AgentSummary& a) {
  py::dict d;
  d["agent_ref"] = a.agent_ref;
  d["team_id"] = a.team_id;
  d["site_id"] = a.site_id;
  d["provisioned"] = a.provisioned;
  d["is_protected"] = a.is_protected;
  d["protection_means"] = a.protection_means;
  d["informed"] = a.informed;
  d["objection_active"] = a.objection_active;
  d["handled_calls"] = a.handled_calls;
  d["recorded_calls"] = a.recorded_calls;
  d["recorded_share_bp"] = a.recorded_share_bp;
  d["over_warn_share"] = a.over_warn_share;
  d["over_max_share"] = a.over_max_share;
  d["accesses"] = a.accesses;
  d["accesses_refused"] = a.accesses_refused;
  d["accesses_unlawful"] = a.accesses_unlawful;
  d["survey_answers"] = a.survey_answers;
  d["survey_answers_counted"] = a.survey_answers_counted;
  d["survey_answers_excluded"] = a.survey_answers_excluded;
  d["survey_score"] = a.survey_score;
  d["analysis_documents"] = a.analysis_documents;
  d["rules"] = RuleVerdictList(a.rules);
  return d;
}

py::dict PolicyDict(const Policy& p) {
  py::dict d;
  d["pause_budget_ms"] = p.pause_budget.count();
  d["purge_after_objection_h"] = p.purge_after_objection.count();
  d["purge_after_private_h"] = p.purge_after_private.count();
  d["hold_review_h"] = p.hold_review.count();
  d["hold_release_grace_h"] = p.hold_release_grace.count();
  d["probe_max_age_h"] = p.probe_max_age.count();
  d["max_share_bp"] = p.max_share_bp;
  d["warn_share_bp"] = p.warn_share_bp;
  d["sampling_window_h"] = p.sampling_window.count();
  d["min_use_share_bp"] = p.min_use_share_bp;
  d["analysis_free_text_max_chars"] = p.analysis_free_text_max_chars;
  d["recording_retention_months"] = p.recording_retention_months;
  d["analysis_retention_months"] = p.analysis_retention_months;
  d["dsr_deadline_months"] = p.dsr_deadline_months;
  d["dsr_extension_months"] = p.dsr_extension_months;
  d["description"] = p.Describe();
  return d;
}

// ---- Retention ----------------------------------------------------------------------------------

PlanOptions MakePlanOptions(int64_t horizon_hours, bool include_scheduled, bool include_done) {
  if (horizon_hours < 0) {
    ThrowInvalid("RetentionPlan: horizon must not be negative (" + std::to_string(horizon_hours) +
                     " h)",
                 "horizon");
  }
  PlanOptions o;
  o.horizon = std::chrono::hours(horizon_hours);
  o.include_scheduled = include_scheduled;
  o.include_done = include_done;
  return o;
}

std::string PurgeReasonShortName(v1::PurgeReason r) {
  if (r == v1::PURGE_REASON_UNSPECIFIED) return "";
  std::string s = v1::PurgeReason_Name(r);
  const std::string prefix = "PURGE_REASON_";
  if (s.rfind(prefix, 0) == 0) s.erase(0, prefix.size());
  return s;
}

py::dict PurgeItemDict(const PurgeItem& i) {
  py::dict d;
  d["target"] = std::string(PurgeTargetName(i.target));
  d["state"] = std::string(PurgeStateName(i.state));
  d["rule_id"] = i.rule_id;
  d["reason"] = PurgeReasonShortName(i.reason);
  d["recording_id"] = i.recording_id;
  d["artefact_id"] = i.artefact_id;
  d["copy_id"] = i.copy_id;
  d["document_id"] = i.document_id;
  d["call_id"] = i.call_id;
  d["agent_ref"] = i.agent_ref;
  d["storage_ref"] = i.storage_ref;
  d["content_hash"] = i.content_hash_hex;
  d["cause_ref"] = i.cause_ref;
  d["collected"] = ToDatetime(i.collected);
  d["due"] = ToDatetime(i.due);
  d["overdue_seconds"] = std::chrono::duration<double>(i.overdue_by).count();
  d["held_by"] = i.held_by;
  d["evidence_position"] = i.evidence_position;
  d["description"] = i.Describe();
  return d;
}

py::dict HoldStatusDict(const HoldStatus& h) {
  py::dict d;
  d["hold_id"] = h.hold_id;
  d["case_reference"] = h.case_reference;
  d["owner_ref"] = h.owner_ref;
  d["reason"] = h.reason;
  d["active"] = h.active;
  d["placed"] = ToDatetime(h.placed);
  d["released"] = OptDatetime(h.released);
  d["review_due"] = ToDatetime(h.review_due);
  d["review_overdue"] = h.review_overdue;
  d["items_held"] = h.items_held;
  return d;
}

py::dict RetentionPlanDict(const RetentionPlan& p) {
  py::dict d;
  d["at"] = ToDatetime(p.at);
  d["position"] = p.position;
  py::list items;
  for (const PurgeItem& i : p.items) items.append(PurgeItemDict(i));
  d["items"] = items;
  py::list holds;
  for (const HoldStatus& h : p.holds) holds.append(HoldStatusDict(h));
  d["holds"] = holds;
  py::dict counts;
  counts["overdue"] = p.overdue;
  counts["due"] = p.due;
  counts["awaiting_receipt"] = p.awaiting_receipt;
  counts["held"] = p.held;
  counts["scheduled"] = p.scheduled;
  counts["done"] = p.done;
  counts["recordings"] = p.recordings;
  counts["documents"] = p.documents;
  d["counts"] = counts;
  return d;
}

RecordKind ParseRecordKind(const std::string& name) {
  for (RecordKind k : {RecordKind::kRecording, RecordKind::kDocument, RecordKind::kHold,
                       RecordKind::kRequest, RecordKind::kAnswer, RecordKind::kDecision}) {
    if (RecordKindName(k) == name) return k;
  }
  ThrowInvalid("RecordVerdicts: unknown record kind \"" + name +
                   "\" (recording, document, hold, request, answer or decision)",
               "kind");
}

py::dict RecordVerdictsDict(const RecordVerdicts& v) {
  py::dict d;
  d["kind"] = std::string(RecordKindName(v.kind));
  d["id"] = v.id;
  d["call_id"] = v.call_id;
  d["agent_ref"] = v.agent_ref;
  d["subject_ref"] = v.subject_ref;
  d["time"] = ToDatetime(v.time);
  d["deadline"] = OptDatetime(v.deadline);
  d["rules"] = RuleVerdictList(v.rules);
  return d;
}

// ---- Ledger --------------------------------------------------------------------------------------

class PyLedger : public Dependent {
 public:
  explicit PyLedger(std::shared_ptr<StoreHandle> handle) : handle_(std::move(handle)) {}
  void Init(LedgerOptions options) {
    auto use = handle_->Acquire("Ledger");
    ledger_ = Unwrap(Ledger::Create(use.get(), options));
  }
  void StopThreads() override {}
  void Release() override { ledger_.reset(); }

  py::dict Record(const std::string& bytes, std::optional<bool> sync) {
    Event event;
    if (!event.ParseFromString(bytes)) ThrowInvalid("Record: not a consent.v1.Event", "event");
    Recorded r;
    {
      py::gil_scoped_release release;
      auto use = handle_->Acquire("Record");
      r = Unwrap(ledger_->Record(std::move(event), sync));
    }
    py::dict d;
    d["stream"] = r.stream;
    d["position"] = r.position;
    d["revision"] = r.revision;
    d["event_id"] = py::bytes(r.event_id);
    d["deduplicated"] = r.deduplicated;
    return d;
  }

 private:
  std::shared_ptr<StoreHandle> handle_;
  std::unique_ptr<Ledger> ledger_;
};

// ---- Compliance --------------------------------------------------------------------------------

class PyCompliance : public Dependent {
 public:
  explicit PyCompliance(std::shared_ptr<StoreHandle> handle) : handle_(std::move(handle)) {}

  // The engine may be folding on its live thread, and a stop listener there waits for the
  // GIL: drop the engine without the GIL, and the Python objects with it.
  ~PyCompliance() override {
    if (PyGILState_Check() != 0) {
      py::gil_scoped_release release;
      DropEngine();
    } else {
      DropEngine();
      py::gil_scoped_acquire gil;
      listener_ = py::object();
      listener_error_ = py::object();
    }
  }
  void DropEngine() {
    std::lock_guard<std::mutex> lock(live_mu_);
    engine_.reset();
  }

  // Called on the folding thread (live subscription, or a CatchUp caller without the GIL).
  void DeliverStop(const StopOrder& s) {
    py::gil_scoped_acquire gil;
    if (!listener_ || listener_.is_none() || !listener_error_.is_none()) return;
    try {
      py::dict d;
      d["call_id"] = s.call_id;
      d["recording_ids"] = s.recording_ids;
      d["rule_id"] = s.rule_id;
      d["reason"] = s.reason;
      d["position"] = s.position;
      d["deadline"] = ToDatetime(s.deadline);
      listener_(d);
    } catch (py::error_already_set& err) {
      // Folding goes on (the engine must not lose events); the first error is kept and
      // raised to the caller by check_listener().
      listener_error_ = err.value();
    }
  }

  // GIL held (guards listener_ and listener_error_).
  py::object listener_ = py::none();
  py::object listener_error_ = py::none();

  void Init(ComplianceOptions options) {
    auto use = handle_->Acquire("Compliance");
    engine_ = Unwrap(Compliance::Open(use.get(), std::move(options)));
  }
  void StopThreads() override {
    std::lock_guard<std::mutex> lock(live_mu_);
    if (engine_) engine_->StopLive();
  }
  void Release() override { engine_.reset(); }

  // Runs `fn(engine, store)` without the GIL, under the store's shared lock.
  template <typename Fn>
  auto Run(const char* op, Fn&& fn) {
    py::gil_scoped_release release;
    auto use = handle_->Acquire(op);
    return fn(*engine_, *use);
  }

  std::mutex live_mu_;  // StartLive/StopLive vs. closing
  std::shared_ptr<StoreHandle> handle_;
  std::unique_ptr<Compliance> engine_;
};

class PyReport {
 public:
  explicit PyReport(AuditReport r) : report_(std::move(r)) {}
  std::string Format(const std::string& format, bool color) const {
    ReportFormat f;
    if (format == "table") {
      f = ReportFormat::kTable;
    } else if (format == "json") {
      f = ReportFormat::kJson;
    } else if (format == "csv") {
      f = ReportFormat::kCsv;
    } else {
      ThrowInvalid("Report.format: unknown format \"" + format + "\" (table, json or csv)",
                   "format");
    }
    FormatOptions o;
    o.color = color;
    return FormatReport(report_, f, o);
  }
  const AuditReport& report() const { return report_; }

 private:
  AuditReport report_;
};

// ---- Field coverage ------------------------------------------------------------------------------

// The public fields of the result structs, in declaration order, exported as
// _core.RESULT_FIELDS for the field-coverage test (tests/python/test_compliance.py: each must
// reach the Python object). A list cannot drift from its struct: the structured binding below
// has one name per field and fails to compile when a field is added or removed.
#define CONSENT_RESULT_FIELDS(Type, ...)                    \
  [[maybe_unused]] void CheckFieldsOf##Type(const Type& v) { \
    [[maybe_unused]] const auto& [__VA_ARGS__] = v;         \
  }                                                         \
  constexpr const char* kFieldsOf##Type = #__VA_ARGS__;

CONSENT_RESULT_FIELDS(RuleVerdict, rule_id, verdict, detail, evidence)
CONSENT_RESULT_FIELDS(GateDecision, allow, failing, must_stop, stop_rules, position)
CONSENT_RESULT_FIELDS(StopOrder, call_id, recording_ids, rule_id, reason, position, deadline)
CONSENT_RESULT_FIELDS(ObjectionSummary, objection_id, party, raised, capture_running, pause_latency_ms, honoured,
                      withdrawn, overruled, inherited, verdict)
CONSENT_RESULT_FIELDS(CallVerdicts, call_id, agent_ref, line_id, queue_id, site_id, registration_id, started, ended,
                      recorded, private_call, objections, rules, position)
CONSENT_RESULT_FIELDS(AgentSummary, agent_ref, team_id, site_id, provisioned, is_protected, protection_means,
                      informed, objection_active, handled_calls, recorded_calls, recorded_share_bp,
                      over_warn_share, over_max_share, accesses, accesses_refused, accesses_unlawful,
                      survey_answers, survey_answers_counted, survey_answers_excluded, survey_score,
                      analysis_documents, rules)
CONSENT_RESULT_FIELDS(RecordingUse, recordings, used, used_share_bp, warning, rule)
#undef CONSENT_RESULT_FIELDS

py::list SplitFields(std::string_view list) {
  py::list out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    out.append(std::string(list.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
    while (!list.empty() && list.front() == ' ') list.remove_prefix(1);
  }
  return out;
}

py::dict ResultFields() {
  py::dict d;
  d["RuleVerdict"] = SplitFields(kFieldsOfRuleVerdict);
  d["GateDecision"] = SplitFields(kFieldsOfGateDecision);
  d["StopOrder"] = SplitFields(kFieldsOfStopOrder);
  d["ObjectionSummary"] = SplitFields(kFieldsOfObjectionSummary);
  d["CallVerdicts"] = SplitFields(kFieldsOfCallVerdicts);
  d["AgentSummary"] = SplitFields(kFieldsOfAgentSummary);
  d["RecordingUse"] = SplitFields(kFieldsOfRecordingUse);
  return d;
}

}  // namespace

void RegisterDomain(py::module_& m) {
  m.attr("RESULT_FIELDS") = ResultFields();
  py::class_<PyLedger, std::shared_ptr<PyLedger>>(m, "Ledger",
                                                  "Low-level Ledger; see libconsent.Ledger.")
      .def(py::init([](py::handle store, int max_conflict_retries, size_t state_cache_entries) {
             auto handle = HandleOf(store);
             auto ledger = std::make_shared<PyLedger>(handle);
             LedgerOptions o;
             o.max_conflict_retries = max_conflict_retries;
             o.state_cache_entries = state_cache_entries;
             py::gil_scoped_release release;
             ledger->Init(o);
             handle->AddDependent(ledger);
             return ledger;
           }),
           py::arg("store"), py::kw_only(), py::arg("max_conflict_retries") = 8,
           py::arg("state_cache_entries") = 65536)
      .def("record", &PyLedger::Record, py::arg("event"), py::arg("sync") = py::none(),
           "Records one serialized consent.v1.Event through Ledger::Record.");

  py::class_<PyReport>(m, "Report", "An AuditReport (low level; see libconsent.Report).")
      .def("format", &PyReport::Format, py::arg("format") = "table", py::arg("color") = false)
      .def_property_readonly("position", [](const PyReport& r) { return r.report().position; },
           "Log position the state/report reflects.")
      .def_property_readonly("at", [](const PyReport& r) { return ToDatetime(r.report().at); },
           "Evaluation time of the report.");

  py::class_<PyCompliance, std::shared_ptr<PyCompliance>>(
      m, "Compliance", "Low-level compliance engine; see libconsent.Compliance.")
      .def(py::init([](py::handle store, py::object at, bool persist, uint64_t to_position,
                       size_t commit_every, const std::string& site) {
             auto handle = HandleOf(store);
             ComplianceOptions o;
             if (auto fixed = OptTime(at)) o.clock = [t = *fixed] { return t; };
             o.persist = persist;
             o.to_position = to_position;
             if (commit_every == 0) ThrowInvalid("Compliance: commit_every must be >= 1", "commit_every");
             o.commit_every = commit_every;
             o.site = site;
             auto c = std::make_shared<PyCompliance>(handle);
             py::gil_scoped_release release;
             c->Init(std::move(o));
             handle->AddDependent(c);
             return c;
           }),
           py::arg("store"), py::kw_only(), py::arg("at") = py::none(), py::arg("persist") = true,
           py::arg("to_position") = 0, py::arg("commit_every") = 50000, py::arg("site") = "")
      .def("catch_up",
           [](PyCompliance& c) {
             return c.Run("CatchUp", [](Compliance& e, EventStore&) { return Unwrap(e.CatchUp()); });
           },
           "Folds every event after position up to the head (GIL released); returns how many.")
      .def("rebuild",
           [](PyCompliance& c) {
             return c.Run("Rebuild", [](Compliance& e, EventStore&) { return Unwrap(e.Rebuild()); });
           },
           "Discards all state and folds again from position 1; returns how many.")
      .def("start_live",
           [](PyCompliance& c) {
             c.Run("StartLive", [&c](Compliance& e, EventStore&) {
               std::lock_guard<std::mutex> lock(c.live_mu_);
               Check(e.StartLive());
               return 0;
             });
           },
           "Follows appends on a background C++ thread. Idempotent.")
      .def("stop_live",
           [](PyCompliance& c) {
             c.Run("StopLive", [&c](Compliance& e, EventStore&) {
               std::lock_guard<std::mutex> lock(c.live_mu_);
               e.StopLive();
               return 0;
             });
           },
           "Stops following appends.")
      .def(
          "wait_for",
          [](PyCompliance& c, uint64_t position, double timeout) {
            return c.Run("WaitFor", [&](Compliance& e, EventStore&) {
              return e.WaitFor(position, std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000)));
            });
          },
          py::arg("position"), py::arg("timeout"),
           "Blocks without the GIL until `position` is processed/folded or `timeout` seconds "
           "pass; False on timeout.")
      .def(
          "on_must_stop",
          [](PyCompliance& c, py::object fn) {
            if (!fn.is_none() && PyCallable_Check(fn.ptr()) == 0) {
              ThrowInvalid("OnMustStop: the listener is not callable", "callback");
            }
            c.listener_ = fn;
            c.listener_error_ = py::none();
            PyCompliance* self = &c;
            c.Run("OnMustStop", [self](Compliance& e, EventStore&) {
              e.gate().OnMustStop([self](const StopOrder& s) { self->DeliverStop(s); });
              return 0;
            });
          },
          py::arg("callback"),
          "Calls callback(dict) on the folding thread for each StopOrder (None: stop calling).")
      .def_property_readonly("listener_error",
                             [](PyCompliance& c) { return c.listener_error_; },
           "The first exception the stop listener raised, or None.")
      .def("check_live",
           [](PyCompliance& c) {
             Status s = c.Run("live_status", [](Compliance& e, EventStore&) { return e.live_status(); });
             Check(s);
           },
           "Raises the live subscription's error, if it failed.")
      .def_property_readonly("position",
                             [](PyCompliance& c) {
                               return c.Run("position", [](Compliance& e, EventStore&) { return e.position(); });
                             },
           "Log position the state/report reflects.")
      .def("now",
           [](PyCompliance& c) {
             TimePoint t = c.Run("Now", [](Compliance& e, EventStore&) { return e.Now(); });
             return ToDatetime(t);
           },
           "The engine clock's now.")
      .def(
          "decide",
          [](PyCompliance& c, const std::string& call_id, const std::vector<int>& tracks,
             py::object at) {
            std::vector<v1::Track> ts;
            for (size_t i = 0; i < tracks.size(); ++i) {
              if (!v1::Track_IsValid(tracks[i]) || tracks[i] == v1::TRACK_UNSPECIFIED) {
                ThrowInvalid("Decide(call \"" + call_id + "\"): invalid track " +
                                 std::to_string(tracks[i]),
                             "tracks[" + std::to_string(i) + "]");
              }
              ts.push_back(static_cast<v1::Track>(tracks[i]));
            }
            const std::optional<TimePoint> when = OptTime(at);
            GateDecision g = c.Run("Decide", [&](Compliance& e, EventStore&) {
              return when ? e.gate().DecideAt(call_id, ts, *when) : e.gate().Decide(call_id, ts);
            });
            return GateDecisionDict(g);
          },
          py::arg("call_id"), py::arg("tracks") = std::vector<int>{}, py::arg("at") = py::none(),
           "RecordingGate::Decide / DecideAt as a dict (allow, failing, must_stop, stop_rules, "
           "position).")
      .def(
          "evaluate_call",
          [](PyCompliance& c, const std::string& call_id, py::object at) {
            const std::optional<TimePoint> when = OptTime(at);
            CallVerdicts v = c.Run("EvaluateCall", [&](Compliance& e, EventStore&) {
              return Unwrap(when ? e.calls().EvaluateAt(call_id, *when) : e.calls().Evaluate(call_id));
            });
            return CallVerdictsDict(v);
          },
          py::arg("call_id"), py::arg("at") = py::none(),
           "CallCompliance::Evaluate(At) as a dict; NotFoundError for an unknown call.")
      .def(
          "evaluate_agent",
          [](PyCompliance& c, const std::string& agent_ref, py::object at) {
            const std::optional<TimePoint> when = OptTime(at);
            AgentSummary a = c.Run("EvaluateAgent", [&](Compliance& e, EventStore&) {
              return Unwrap(when ? e.agents().EvaluateAt(agent_ref, *when) : e.agents().Evaluate(agent_ref));
            });
            return AgentSummaryDict(a);
          },
          py::arg("agent_ref"), py::arg("at") = py::none(),
           "AgentLedger::Evaluate(At) as a dict; NotFoundError for an unknown agent.")
      .def("call_count",
           [](PyCompliance& c) { return c.Run("calls", [](Compliance& e, EventStore&) { return e.calls().size(); }); },
           "Number of calls the engine knows.")
      .def("agent_count",
           [](PyCompliance& c) { return c.Run("agents", [](Compliance& e, EventStore&) { return e.agents().size(); }); },
           "Number of agents the engine knows.")
      .def(
          "recording_use",
          [](PyCompliance& c, py::object at) {
            const std::optional<TimePoint> when = OptTime(at);
            RecordingUse u = c.Run("RecordingUse", [&](Compliance& e, EventStore&) {
              return e.RecordingUseAt(when ? *when : e.Now());
            });
            py::dict d;
            d["recordings"] = u.recordings;
            d["used"] = u.used;
            d["used_share_bp"] = u.used_share_bp;
            d["warning"] = u.warning;
            d["rule"] = RuleVerdictDict(u.rule);
            return d;
          },
          py::arg("at") = py::none(),
           "Compliance::RecordingUseAt as a dict (LC-PROP-2).")
      .def(
          "policy",
          [](PyCompliance& c, const std::string& registration_id) {
            Policy p = c.Run("PolicyFor", [&](Compliance& e, EventStore&) { return e.PolicyFor(registration_id); });
            return PolicyDict(p);
          },
          py::arg("registration_id"),
           "The policy of a registration's latest version as a dict (defaults when unknown).")
      .def("registrations",
           [](PyCompliance& c) {
             return c.Run("Registrations", [](Compliance& e, EventStore&) { return e.Registrations(); });
           },
           "Ids of every registration seen, in id order.")
      .def(
          "report",
          [](PyCompliance& c, py::object at, py::object from, py::object to, size_t max_examples,
             bool with_store) {
            ReportOptions o;
            o.at = OptTime(at);
            o.from = OptTime(from);
            o.to = OptTime(to);
            o.max_examples = max_examples;
            AuditReport r = c.Run("BuildReport", [&](Compliance& e, EventStore& s) {
              return with_store ? Unwrap(BuildReport(e, s, o)) : BuildReport(e, o);
            });
            return PyReport(std::move(r));
          },
          py::arg("at") = py::none(), py::arg("from_time") = py::none(),
          py::arg("to_time") = py::none(), py::arg("max_examples") = 5,
          py::arg("with_store") = true,
           "BuildReport over the engine (and the store when with_store) as a Report.")
      .def(
          "table",
          [](PyCompliance& c, const std::string& name, py::object at) {
            const std::optional<TimePoint> when = OptTime(at);
            TableData data = c.Run("table", [&](Compliance& e, EventStore& s) {
              return BuildTable(name, e, s, when ? *when : e.Now());
            });
            return TableToPython(std::move(data));
          },
          py::arg("name"), py::arg("at") = py::none(),
          "Columns of a named table: [(name, kind, values, categories)], values as numpy "
          "arrays built in C++ (kind: int64, float64, bool, time, category, str).")
      .def(
          "retention_plan",
          [](PyCompliance& c, py::object at, int64_t horizon_hours, bool include_scheduled,
             bool include_done) {
            const std::optional<TimePoint> when = OptTime(at);
            const PlanOptions o = MakePlanOptions(horizon_hours, include_scheduled, include_done);
            RetentionPlan p = c.Run("RetentionPlan", [&](Compliance& e, EventStore&) {
              return e.retention().Plan(when ? *when : e.Now(), o);
            });
            return RetentionPlanDict(p);
          },
          py::arg("at") = py::none(), py::arg("horizon_hours") = 24,
          py::arg("include_scheduled") = false, py::arg("include_done") = false,
          "RetentionSchedule::Plan as a dict (at, position, items, holds, counts); at defaults "
          "to the engine's clock.")
      .def(
          "retention_plan_table",
          [](PyCompliance& c, py::object at, int64_t horizon_hours, bool include_scheduled,
             bool include_done) {
            const std::optional<TimePoint> when = OptTime(at);
            const PlanOptions o = MakePlanOptions(horizon_hours, include_scheduled, include_done);
            TableData data = c.Run("RetentionPlan", [&](Compliance& e, EventStore&) {
              return BuildRetentionPlanTable(e, when ? *when : e.Now(), o);
            });
            return TableToPython(std::move(data));
          },
          py::arg("at") = py::none(), py::arg("horizon_hours") = 24,
          py::arg("include_scheduled") = false, py::arg("include_done") = false,
          "Columns of the retention_plan table for these plan options (built without the GIL).")
      .def(
          "record_verdicts",
          [](PyCompliance& c, const std::string& kind, py::object at) {
            const RecordKind k = ParseRecordKind(kind);
            const std::optional<TimePoint> when = OptTime(at);
            std::vector<RecordVerdicts> rows = c.Run("RecordVerdicts", [&](Compliance& e, EventStore&) {
              std::vector<RecordVerdicts> out;
              e.retention().ForEach(when ? *when : e.Now(), k, [&](const RecordVerdicts& v) {
                out.push_back(v);
                return true;
              });
              return out;
            });
            py::list out;
            for (const RecordVerdicts& v : rows) out.append(RecordVerdictsDict(v));
            return out;
          },
          py::arg("kind"), py::arg("at") = py::none(),
          "RetentionSchedule::ForEach over one record kind (recording, document, hold, request, "
          "answer, decision) as a list of dicts, in id order.")
      .def(
          "subject_export_json",
          [](PyCompliance& c, const std::string& subject_ref, py::object at) {
            const std::optional<TimePoint> when = OptTime(at);
            return c.Run("SubjectExport", [&](Compliance& e, EventStore&) {
              SubjectExport x = Unwrap(e.subjects().ExportAt(subject_ref, when ? *when : e.Now()));
              return FormatSubjectExportJson(x);
            });
          },
          py::arg("subject_ref"), py::arg("at") = py::none(),
          "SubjectIndex::ExportAt formatted by FormatSubjectExportJson (what `consentctl "
          "subject` prints); NotFoundError for a ref the log never names, InvalidEventError "
          "for an empty one.")
      .def(
          "_call_rows_for_bench",
          [](PyCompliance& c, py::object at) {
            const std::optional<TimePoint> when = OptTime(at);
            std::vector<CallVerdicts> rows = c.Run("calls", [&](Compliance& e, EventStore&) {
              return CollectCallsNoGil(e, when ? *when : e.Now());
            });
            return MakeCallRowsForBench(std::move(rows));
          },
          py::arg("at") = py::none(),
          "Benchmark hook: every call's verdicts, evaluated and held in C++ memory.")
      .def(
          "_scan_calls_for_bench",
          [](PyCompliance& c, py::object at) {
            const std::optional<TimePoint> when = OptTime(at);
            return c.Run("calls", [&](Compliance& e, EventStore&) {
              return ScanCallsNoGil(e, when ? *when : e.Now());
            });
          },
          py::arg("at") = py::none(),
          "Benchmark hook: the engine evaluates every call (CallCompliance::ForEach), nothing "
          "else; returns the number of calls.");

  m.def(
      "simulate_day",
      [](py::handle store, uint64_t seed, uint32_t calls, uint32_t agents, py::object start,
         bool sync) {
        auto handle = HandleOf(store);
        SimulationOptions o;
        o.seed = seed;
        o.calls = calls;
        o.agents = agents;
        o.start = OptTime(start);
        o.sync = sync;
        SimulationSummary s;
        {
          py::gil_scoped_release release;
          auto use = handle->Acquire("SimulateDay");
          s = Unwrap(SimulateDay(use.get(), o));
        }
        py::dict d;
        d["day_start"] = ToDatetime(s.day_start);
        d["first_event"] = ToDatetime(s.first_event);
        d["last_event"] = ToDatetime(s.last_event);
        d["continued"] = s.continued;
        d["first_position"] = s.first_position;
        d["last_position"] = s.last_position;
        d["events"] = s.events;
        d["calls"] = s.calls;
        d["recorded_calls"] = s.recorded_calls;
        d["recordings"] = s.recordings;
        d["recordings_without_gate"] = s.recordings_without_gate;
        d["gate_asked"] = s.gate_asked;
        d["gate_allowed"] = s.gate_allowed;
        d["private_calls"] = s.private_calls;
        d["transfers"] = s.transfers;
        d["objections_caller"] = s.objections_caller;
        d["objections_agent"] = s.objections_agent;
        d["live_listens"] = s.live_listens;
        d["accesses"] = s.accesses;
        d["refused_accesses"] = s.refused_accesses;
        d["elapsed_s"] = static_cast<double>(s.elapsed.count()) / 1000.0;
        return d;
      },
      py::arg("store"), py::kw_only(), py::arg("seed") = 42, py::arg("calls") = 5000,
      py::arg("agents") = 40, py::arg("start") = py::none(), py::arg("sync") = false);

  m.def("rule_catalogue", [] {
    py::list out;
    for (const RuleInfo& r : RuleCatalogue()) {
      out.append(py::make_tuple(std::string(r.id), std::string(r.title), std::string(r.attaches_to)));
    }
    return out;
  });
  m.attr("SIMULATED_REGISTRATION_ID") = kSimulatedRegistrationId;
  m.attr("SIMULATED_NOTICE_POINTER") = kSimulatedNoticePointer;
}

}  // namespace consent::python
