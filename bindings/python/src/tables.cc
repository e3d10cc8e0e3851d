// SPDX-License-Identifier: Apache-2.0
// The tables behind libconsent's to_pandas(): calls, verdicts, violations, objections, agents,
// accesses, retention_plan, record_verdicts. Adding a table = one Build* function declaring its columns with Columns<Row>, plus
// a line in kTables. See tables.h.

#include "tables.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "consent/v1/event.pb.h"

namespace consent::python {
namespace {

constexpr int64_t kNaT = std::numeric_limits<int64_t>::min();

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using CodeMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

// Declares the columns of a table over rows of type Row, collects them row by row.
template <typename Row>
class Columns {
 public:
  using Kind = ColumnData::Kind;

  void Int(std::string name, std::function<int64_t(const Row&)> f) {
    Add(std::move(name), Kind::kInt64, [f = std::move(f)](ColumnData& c, const Row& r) {
      c.i64.push_back(f(r));
    });
  }
  // std::nullopt -> NaN.
  void Float(std::string name, std::function<std::optional<double>(const Row&)> f) {
    Add(std::move(name), Kind::kFloat64, [f = std::move(f)](ColumnData& c, const Row& r) {
      const std::optional<double> v = f(r);
      c.f64.push_back(v ? *v : std::nan(""));
    });
  }
  void Bool(std::string name, std::function<bool(const Row&)> f) {
    Add(std::move(name), Kind::kBool, [f = std::move(f)](ColumnData& c, const Row& r) {
      c.b.push_back(f(r) ? 1 : 0);
    });
  }
  // std::nullopt -> NaT.
  void Time(std::string name, std::function<std::optional<TimePoint>(const Row&)> f) {
    Add(std::move(name), Kind::kTime, [f = std::move(f)](ColumnData& c, const Row& r) {
      const std::optional<TimePoint> t = f(r);
      c.i64.push_back(t ? ToUnixNanos(*t) : kNaT);
    });
  }
  // A pandas Categorical. "" -> missing. `fixed` lists categories that exist even when no row
  // has them (verdicts), in that order; other values are appended as they appear.
  void Cat(std::string name, std::function<std::string_view(const Row&)> f,
           std::vector<std::string> fixed = {}) {
    struct State {
      CodeMap map;
      std::string last;  // the previous cell's value and code: runs of one value are common
      int32_t last_code = -1;
    };
    auto st = std::make_shared<State>();
    Add(std::move(name), Kind::kCategory,
        [f = std::move(f), st](ColumnData& c, const Row& r) {
          const std::string_view v = f(r);
          if (v.empty()) {
            c.codes.push_back(-1);
            return;
          }
          if (st->last_code >= 0 && v == st->last) {
            c.codes.push_back(st->last_code);
            return;
          }
          auto it = st->map.find(v);
          if (it == st->map.end()) {
            it = st->map.emplace(std::string(v), static_cast<int32_t>(c.strs.size())).first;
            c.strs.Add(v);
          }
          st->last.assign(v);
          st->last_code = it->second;
          c.codes.push_back(it->second);
        });
    for (std::string& s : fixed) {
      st->map.emplace(s, static_cast<int32_t>(st->map.size()));
      cols_.back().data.strs.Add(s);
    }
  }
  // One Python str per cell: for values unique per row (ids).
  void Str(std::string name, std::function<std::string_view(const Row&)> f) {
    Add(std::move(name), Kind::kStr, [f = std::move(f)](ColumnData& c, const Row& r) {
      c.strs.Add(f(r));
    });
  }

  // Capacity for `rows` rows (optional; avoids regrowing the columns).
  void Reserve(size_t rows) {
    for (Column& c : cols_) {
      switch (c.data.kind) {
        case Kind::kInt64:
        case Kind::kTime: c.data.i64.reserve(rows); break;
        case Kind::kFloat64: c.data.f64.reserve(rows); break;
        case Kind::kBool: c.data.b.reserve(rows); break;
        case Kind::kCategory: c.data.codes.reserve(rows); break;
        case Kind::kStr: c.data.strs.ends.reserve(rows); break;
      }
    }
  }

  void Append(const Row& r) {
    for (Column& c : cols_) c.push(c.data, r);
  }

  TableData Finish() {
    TableData out;
    out.reserve(cols_.size());
    for (Column& c : cols_) out.push_back(std::move(c.data));
    return out;
  }

 private:
  struct Column {
    ColumnData data;
    std::function<void(ColumnData&, const Row&)> push;
  };
  void Add(std::string name, Kind kind, std::function<void(ColumnData&, const Row&)> push) {
    Column c;
    c.data.name = std::move(name);
    c.data.kind = kind;
    c.push = std::move(push);
    cols_.push_back(std::move(c));
  }
  std::vector<Column> cols_;
};

std::vector<std::string> VerdictCategories() {
  return {"ok", "violated", "unverified", "not_applicable", "pending"};
}
std::string_view Verdict_(Verdict v) { return VerdictName(v); }
int64_t I(uint64_t v) { return static_cast<int64_t>(v); }
std::string_view PartyName(v1::Party p) {
  switch (p) {
    case v1::PARTY_CALLER: return "caller";
    case v1::PARTY_AGENT: return "agent";
    default: return "";
  }
}

// ---- calls: one row per call ---------------------------------------------------------------------
// A call and what its row derives from its rules, computed once per row.
struct CallRow {
  const CallVerdicts* v;
  int64_t violated;
  Verdict overall;
};
// One pass over the rules for both (this loop is most of the row's cost when the verdicts are
// not in cache). `overall` ranks as CallVerdicts::Overall() does — violated > unverified >
// pending > ok > not_applicable — which the Python suite checks call by call.
int Rank(Verdict v) {
  switch (v) {
    case Verdict::kViolated: return 4;
    case Verdict::kUnverified: return 3;
    case Verdict::kPending: return 2;
    case Verdict::kOk: return 1;
    case Verdict::kNotApplicable: return 0;
  }
  return 0;
}
CallRow MakeCallRow(const CallVerdicts& v) {
  int64_t violated = 0;
  Verdict worst = Verdict::kNotApplicable;
  for (const RuleVerdict& r : v.rules) {
    violated += r.verdict == Verdict::kViolated ? 1 : 0;
    if (Rank(r.verdict) > Rank(worst)) worst = r.verdict;
  }
  return CallRow{&v, violated, worst};
}

void DeclareCallColumns(Columns<CallRow>& t) {
  t.Str("call_id", [](const CallRow& r) -> std::string_view { return r.v->call_id; });
  t.Cat("agent_ref", [](const CallRow& r) -> std::string_view { return r.v->agent_ref; });
  t.Cat("site_id", [](const CallRow& r) -> std::string_view { return r.v->site_id; });
  t.Cat("queue_id", [](const CallRow& r) -> std::string_view { return r.v->queue_id; });
  t.Cat("line_id", [](const CallRow& r) -> std::string_view { return r.v->line_id; });
  t.Cat("registration_id", [](const CallRow& r) -> std::string_view { return r.v->registration_id; });
  t.Time("started", [](const CallRow& r) -> std::optional<TimePoint> { return r.v->started; });
  t.Time("ended", [](const CallRow& r) { return r.v->ended; });
  t.Bool("recorded", [](const CallRow& r) { return r.v->recorded; });
  t.Bool("private_call", [](const CallRow& r) { return r.v->private_call; });
  t.Int("objections", [](const CallRow& r) { return I(r.v->objections.size()); });
  t.Int("rules_violated", [](const CallRow& r) { return r.violated; });
  t.Cat("overall", [](const CallRow& r) { return Verdict_(r.overall); }, VerdictCategories());
  t.Int("position", [](const CallRow& r) { return I(r.v->position); });
}

TableData BuildCalls(const Compliance& c, const EventStore&, TimePoint at) {
  Columns<CallRow> t;
  DeclareCallColumns(t);
  t.Reserve(c.calls().size());
  c.calls().ForEach(at, [&](const CallVerdicts& v) {
    t.Append(MakeCallRow(v));
    return true;
  });
  return t.Finish();
}

// ---- verdicts: one row per call x rule -------------------------------------------------------------
struct CallRule {
  const CallVerdicts* call;
  const RuleVerdict* rule;
};
TableData BuildVerdicts(const Compliance& c, const EventStore&, TimePoint at) {
  Columns<CallRule> t;
  t.Cat("call_id", [](const CallRule& r) -> std::string_view { return r.call->call_id; });
  t.Cat("rule_id", [](const CallRule& r) -> std::string_view { return r.rule->rule_id; });
  t.Cat("verdict", [](const CallRule& r) { return Verdict_(r.rule->verdict); }, VerdictCategories());
  // A few hundred distinct sentences over hundreds of thousands of rows: a category.
  t.Cat("detail", [](const CallRule& r) -> std::string_view { return r.rule->detail; });
  t.Int("evidence_count", [](const CallRule& r) { return I(r.rule->evidence.size()); });
  t.Int("first_evidence", [](const CallRule& r) {
    return r.rule->evidence.empty() ? int64_t{0} : I(r.rule->evidence.front());
  });
  c.calls().ForEach(at, [&](const CallVerdicts& v) {
    for (const RuleVerdict& r : v.rules) t.Append(CallRule{&v, &r});
    return true;
  });
  return t.Finish();
}

// ---- violations: one row per violated rule of a call or an agent -----------------------------------
struct Violation {
  std::string_view subject_kind;
  std::string_view subject;
  std::string_view agent_ref;
  std::string_view site_id;
  std::string_view queue_id;
  std::optional<TimePoint> started;
  const RuleVerdict* rule;
  std::string evidence;
};
std::string JoinPositions(const std::vector<uint64_t>& v) {
  std::string s;
  for (uint64_t p : v) {
    if (!s.empty()) s += ';';
    s += std::to_string(p);
  }
  return s;
}
TableData BuildViolations(const Compliance& c, const EventStore&, TimePoint at) {
  Columns<Violation> t;
  t.Cat("subject_kind", [](const Violation& v) { return v.subject_kind; }, {"call", "agent"});
  t.Str("subject", [](const Violation& v) { return v.subject; });
  t.Cat("rule_id", [](const Violation& v) -> std::string_view { return v.rule->rule_id; });
  t.Cat("agent_ref", [](const Violation& v) { return v.agent_ref; });
  t.Cat("site_id", [](const Violation& v) { return v.site_id; });
  t.Cat("queue_id", [](const Violation& v) { return v.queue_id; });
  t.Time("call_started", [](const Violation& v) { return v.started; });
  t.Str("detail", [](const Violation& v) -> std::string_view { return v.rule->detail; });
  t.Str("evidence", [](const Violation& v) -> std::string_view { return v.evidence; });
  t.Int("first_evidence", [](const Violation& v) {
    return v.rule->evidence.empty() ? int64_t{0} : I(v.rule->evidence.front());
  });
  c.calls().ForEach(at, [&](const CallVerdicts& v) {
    for (const RuleVerdict& r : v.rules) {
      if (r.verdict != Verdict::kViolated) continue;
      t.Append(Violation{"call", v.call_id, v.agent_ref, v.site_id, v.queue_id, v.started, &r,
                         JoinPositions(r.evidence)});
    }
    return true;
  });
  c.agents().ForEach(at, [&](const AgentSummary& a) {
    for (const RuleVerdict& r : a.rules) {
      if (r.verdict != Verdict::kViolated) continue;
      t.Append(Violation{"agent", a.agent_ref, a.agent_ref, a.site_id, "", std::nullopt, &r,
                         JoinPositions(r.evidence)});
    }
    return true;
  });
  return t.Finish();
}

// ---- objections: one row per objection raised on a call ---------------------------------------------
struct CallObjection {
  const CallVerdicts* call;
  const ObjectionSummary* o;
};
TableData BuildObjections(const Compliance& c, const EventStore&, TimePoint at) {
  Columns<CallObjection> t;
  t.Str("call_id", [](const CallObjection& r) -> std::string_view { return r.call->call_id; });
  t.Str("objection_id", [](const CallObjection& r) -> std::string_view { return r.o->objection_id; });
  t.Cat("party", [](const CallObjection& r) { return PartyName(r.o->party); }, {"caller", "agent"});
  t.Cat("agent_ref", [](const CallObjection& r) -> std::string_view { return r.call->agent_ref; });
  t.Cat("queue_id", [](const CallObjection& r) -> std::string_view { return r.call->queue_id; });
  t.Time("raised", [](const CallObjection& r) -> std::optional<TimePoint> { return r.o->raised; });
  t.Bool("capture_running", [](const CallObjection& r) { return r.o->capture_running; });
  t.Float("pause_latency_ms", [](const CallObjection& r) { return r.o->pause_latency_ms; });
  t.Bool("honoured", [](const CallObjection& r) { return r.o->honoured; });
  t.Bool("withdrawn", [](const CallObjection& r) { return r.o->withdrawn; });
  t.Bool("overruled", [](const CallObjection& r) { return r.o->overruled; });
  t.Bool("inherited", [](const CallObjection& r) { return r.o->inherited; });
  t.Cat("verdict", [](const CallObjection& r) { return Verdict_(r.o->verdict); }, VerdictCategories());
  c.calls().ForEach(at, [&](const CallVerdicts& v) {
    for (const ObjectionSummary& o : v.objections) t.Append(CallObjection{&v, &o});
    return true;
  });
  return t.Finish();
}

// ---- agents: one row per agent ------------------------------------------------------------------------
TableData BuildAgents(const Compliance& c, const EventStore&, TimePoint at) {
  Columns<AgentSummary> t;
  t.Str("agent_ref", [](const AgentSummary& a) -> std::string_view { return a.agent_ref; });
  t.Cat("team_id", [](const AgentSummary& a) -> std::string_view { return a.team_id; });
  t.Cat("site_id", [](const AgentSummary& a) -> std::string_view { return a.site_id; });
  t.Bool("provisioned", [](const AgentSummary& a) { return a.provisioned; });
  t.Bool("is_protected", [](const AgentSummary& a) { return a.is_protected; });
  t.Bool("protection_means", [](const AgentSummary& a) { return a.protection_means; });
  t.Bool("informed", [](const AgentSummary& a) { return a.informed; });
  t.Bool("objection_active", [](const AgentSummary& a) { return a.objection_active; });
  t.Int("handled_calls", [](const AgentSummary& a) { return I(a.handled_calls); });
  t.Int("recorded_calls", [](const AgentSummary& a) { return I(a.recorded_calls); });
  t.Float("recorded_share", [](const AgentSummary& a) -> std::optional<double> {
    return static_cast<double>(a.recorded_share_bp) / 10000.0;
  });
  t.Bool("over_warn_share", [](const AgentSummary& a) { return a.over_warn_share; });
  t.Bool("over_max_share", [](const AgentSummary& a) { return a.over_max_share; });
  t.Int("accesses", [](const AgentSummary& a) { return I(a.accesses); });
  t.Int("accesses_refused", [](const AgentSummary& a) { return I(a.accesses_refused); });
  t.Int("accesses_unlawful", [](const AgentSummary& a) { return I(a.accesses_unlawful); });
  t.Int("survey_answers", [](const AgentSummary& a) { return I(a.survey_answers); });
  t.Int("survey_answers_counted", [](const AgentSummary& a) { return I(a.survey_answers_counted); });
  t.Int("survey_answers_excluded", [](const AgentSummary& a) { return I(a.survey_answers_excluded); });
  t.Float("survey_score", [](const AgentSummary& a) { return a.survey_score; });
  t.Int("analysis_documents", [](const AgentSummary& a) { return I(a.analysis_documents); });
  c.agents().ForEach(at, [&](const AgentSummary& a) {
    t.Append(a);
    return true;
  });
  return t.Finish();
}

// ---- accesses: one row per access fact in the log (granted, refused, live listen) ----------------
struct Access {
  const Event* e;
  std::string_view kind;
  std::string_view call_id, recording_id, principal_ref, role;
  std::string_view action, purpose, refusal_reason;
};
TableData BuildAccesses(const Compliance& c, const EventStore& store, TimePoint) {
  Columns<Access> t;
  t.Int("position", [](const Access& a) { return I(a.e->position()); });
  t.Time("time", [](const Access& a) -> std::optional<TimePoint> {
    return FromTimestamp(a.e->occur_time());
  });
  t.Cat("kind", [](const Access& a) { return a.kind; }, {"accessed", "refused", "live_listen"});
  t.Str("call_id", [](const Access& a) { return a.call_id; });
  t.Str("recording_id", [](const Access& a) { return a.recording_id; });
  t.Cat("principal_ref", [](const Access& a) { return a.principal_ref; });
  t.Cat("role", [](const Access& a) { return a.role; });
  t.Cat("action", [](const Access& a) { return a.action; });
  t.Cat("purpose", [](const Access& a) { return a.purpose; });
  t.Cat("refusal_reason", [](const Access& a) { return a.refusal_reason; });
  auto enum_name = [](const std::string& full, std::string_view prefix) -> std::string_view {
    std::string_view s = full;
    if (s.substr(0, prefix.size()) == prefix) s.remove_prefix(prefix.size());
    return s == "UNSPECIFIED" ? std::string_view() : s;
  };
  ReadAllOptions o;
  o.to_position = c.position();
  o.filter.types = {"RecordingAccessed", "AccessRefused", "LiveListenStarted"};
  if (o.to_position == 0) return t.Finish();
  // Enum names are static strings owned by the descriptors: safe to keep as views.
  Check(store.ScanAll(o, [&](const Event& e) {
    Access a{&e, {}, {}, {}, {}, {}, {}, {}, {}};
    if (e.has_recording_accessed()) {
      const auto& p = e.recording_accessed();
      a = {&e, "accessed", p.call_id(), p.recording_id(), p.principal_ref(), p.role(),
           enum_name(v1::AccessAction_Name(p.action()), "ACCESS_ACTION_"),
           enum_name(v1::Purpose_Name(p.purpose()), "PURPOSE_"), {}};
    } else if (e.has_access_refused()) {
      const auto& p = e.access_refused();
      a = {&e, "refused", p.call_id(), p.recording_id(), p.principal_ref(), p.role(),
           enum_name(v1::AccessAction_Name(p.action()), "ACCESS_ACTION_"),
           enum_name(v1::Purpose_Name(p.purpose()), "PURPOSE_"),
           enum_name(v1::AccessRefusalReason_Name(p.reason()), "ACCESS_REFUSAL_REASON_")};
    } else if (e.has_live_listen_started()) {
      const auto& p = e.live_listen_started();
      a = {&e, "live_listen", p.call_id(), {}, p.principal_ref(), p.role(), "LIVE_LISTEN",
           enum_name(v1::Purpose_Name(p.purpose()), "PURPOSE_"), {}};
    }
    t.Append(a);
    return true;
  }));
  return t.Finish();
}

// ---- retention_plan: one row per PurgeItem of RetentionSchedule::Plan ------------------------------
std::vector<std::string> PurgeStateCategories() {
  return {"overdue", "due", "awaiting_receipt", "held", "scheduled", "done"};
}
// "RETENTION" for PURGE_REASON_RETENTION; "" (missing) for UNSPECIFIED. The names are static
// strings owned by the descriptors: safe to keep as views.
std::string_view PurgeReasonShort(v1::PurgeReason r) {
  if (r == v1::PURGE_REASON_UNSPECIFIED) return {};
  std::string_view s = v1::PurgeReason_Name(r);
  constexpr std::string_view kPrefix = "PURGE_REASON_";
  if (s.substr(0, kPrefix.size()) == kPrefix) s.remove_prefix(kPrefix.size());
  return s;
}
std::vector<std::string> PurgeReasonCategories() {
  std::vector<std::string> out;
  for (int i = v1::PurgeReason_MIN; i <= v1::PurgeReason_MAX; ++i) {
    if (!v1::PurgeReason_IsValid(i) || i == v1::PURGE_REASON_UNSPECIFIED) continue;
    out.emplace_back(PurgeReasonShort(static_cast<v1::PurgeReason>(i)));
  }
  return out;
}

struct PlanRow {
  const PurgeItem* i;
  std::string held_by;
};
std::string JoinStrings(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) {
    if (!s.empty()) s += ';';
    s += x;
  }
  return s;
}

TableData BuildRetentionPlanRows(const Compliance& c, TimePoint at, const PlanOptions& options) {
  Columns<PlanRow> t;
  t.Cat("state", [](const PlanRow& r) { return PurgeStateName(r.i->state); }, PurgeStateCategories());
  t.Cat("rule_id", [](const PlanRow& r) -> std::string_view { return r.i->rule_id; });
  t.Time("due", [](const PlanRow& r) -> std::optional<TimePoint> { return r.i->due; });
  t.Time("collected", [](const PlanRow& r) -> std::optional<TimePoint> { return r.i->collected; });
  t.Cat("target", [](const PlanRow& r) { return PurgeTargetName(r.i->target); },
        {"recording_copy", "artefact_copy", "document"});
  t.Str("recording_id", [](const PlanRow& r) -> std::string_view { return r.i->recording_id; });
  t.Str("artefact_id", [](const PlanRow& r) -> std::string_view { return r.i->artefact_id; });
  t.Str("copy_id", [](const PlanRow& r) -> std::string_view { return r.i->copy_id; });
  t.Str("document_id", [](const PlanRow& r) -> std::string_view { return r.i->document_id; });
  t.Str("call_id", [](const PlanRow& r) -> std::string_view { return r.i->call_id; });
  t.Str("agent_ref", [](const PlanRow& r) -> std::string_view { return r.i->agent_ref; });
  t.Str("storage_ref", [](const PlanRow& r) -> std::string_view { return r.i->storage_ref; });
  t.Str("content_hash", [](const PlanRow& r) -> std::string_view { return r.i->content_hash_hex; });
  t.Cat("reason", [](const PlanRow& r) { return PurgeReasonShort(r.i->reason); },
        PurgeReasonCategories());
  t.Str("cause_ref", [](const PlanRow& r) -> std::string_view { return r.i->cause_ref; });
  t.Float("overdue_seconds", [](const PlanRow& r) -> std::optional<double> {
    return std::chrono::duration<double>(r.i->overdue_by).count();
  });
  t.Str("held_by", [](const PlanRow& r) -> std::string_view { return r.held_by; });
  const RetentionPlan plan = c.retention().Plan(at, options);
  t.Reserve(plan.items.size());
  for (const PurgeItem& i : plan.items) t.Append(PlanRow{&i, JoinStrings(i.held_by)});
  return t.Finish();
}

TableData BuildRetentionPlan(const Compliance& c, const EventStore&, TimePoint at) {
  return BuildRetentionPlanRows(c, at, PlanOptions{});
}

// ---- record_verdicts: one row per record (not a call) x rule -----------------------------------------
constexpr RecordKind kRecordKinds[] = {RecordKind::kRecording, RecordKind::kDocument,
                                       RecordKind::kHold,      RecordKind::kRequest,
                                       RecordKind::kAnswer,    RecordKind::kDecision};
struct RecordRule {
  const RecordVerdicts* rec;
  const RuleVerdict* rule;
};
TableData BuildRecordVerdicts(const Compliance& c, const EventStore&, TimePoint at) {
  Columns<RecordRule> t;
  std::vector<std::string> kinds;
  for (RecordKind k : kRecordKinds) kinds.emplace_back(RecordKindName(k));
  t.Cat("kind", [](const RecordRule& r) { return RecordKindName(r.rec->kind); }, kinds);
  t.Str("id", [](const RecordRule& r) -> std::string_view { return r.rec->id; });
  t.Str("call_id", [](const RecordRule& r) -> std::string_view { return r.rec->call_id; });
  t.Str("agent_ref", [](const RecordRule& r) -> std::string_view { return r.rec->agent_ref; });
  t.Str("subject_ref", [](const RecordRule& r) -> std::string_view { return r.rec->subject_ref; });
  t.Time("time", [](const RecordRule& r) -> std::optional<TimePoint> { return r.rec->time; });
  t.Time("deadline", [](const RecordRule& r) { return r.rec->deadline; });
  t.Cat("rule_id", [](const RecordRule& r) -> std::string_view { return r.rule->rule_id; });
  t.Cat("verdict", [](const RecordRule& r) { return Verdict_(r.rule->verdict); }, VerdictCategories());
  t.Str("detail", [](const RecordRule& r) -> std::string_view { return r.rule->detail; });
  for (RecordKind k : kRecordKinds) {
    c.retention().ForEach(at, k, [&](const RecordVerdicts& v) {
      for (const RuleVerdict& r : v.rules) t.Append(RecordRule{&v, &r});
      return true;
    });
  }
  return t.Finish();
}

using Builder = TableData (*)(const Compliance&, const EventStore&, TimePoint);
const std::vector<std::pair<std::string, Builder>>& Tables() {
  static const auto* tables = new std::vector<std::pair<std::string, Builder>>{
      {"calls", &BuildCalls},           {"verdicts", &BuildVerdicts},
      {"violations", &BuildViolations}, {"objections", &BuildObjections},
      {"agents", &BuildAgents},         {"accesses", &BuildAccesses},
      {"retention_plan", &BuildRetentionPlan}, {"record_verdicts", &BuildRecordVerdicts},
  };
  return *tables;
}

// The vector becomes the array's memory; the capsule frees it with the array.
template <typename T>
py::array Adopt(std::vector<T>&& v, const char* dtype = nullptr) {
  auto* heap = new std::vector<T>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  py::dtype dt = dtype ? py::dtype(dtype) : py::dtype::of<T>();
  return py::array(dt, {static_cast<py::ssize_t>(heap->size())}, {static_cast<py::ssize_t>(sizeof(T))},
                   heap->data(), owner);
}

py::array ObjectStrings(const Strings& strs) {
  py::array arr(py::dtype("object"), {static_cast<py::ssize_t>(strs.size())}, {});
  auto** data = static_cast<PyObject**>(arr.mutable_data());
  for (size_t i = 0; i < strs.size(); ++i) {
    const std::string_view v = strs[i];
    PyObject* s = PyUnicode_DecodeUTF8(v.data(), static_cast<Py_ssize_t>(v.size()), "replace");
    if (s == nullptr) throw py::error_already_set();
    Py_XDECREF(data[i]);
    data[i] = s;
  }
  return arr;
}

}  // namespace

const std::vector<std::string>& TableNames() {
  static const auto* names = [] {
    auto* n = new std::vector<std::string>;
    for (const auto& t : Tables()) n->push_back(t.first);
    return n;
  }();
  return *names;
}

TableData BuildTable(const std::string& name, const Compliance& compliance,
                     const EventStore& store, TimePoint at) {
  for (const auto& [n, build] : Tables()) {
    if (n == name) return build(compliance, store, at);
  }
  std::string known;
  for (const std::string& n : TableNames()) known += (known.empty() ? "" : ", ") + n;
  ThrowInvalid("table: unknown table \"" + name + "\" (known: " + known + ")", "name");
}

py::list TableToPython(TableData&& table) {
  py::list out;
  for (ColumnData& c : table) {
    using Kind = ColumnData::Kind;
    py::object values, categories = py::none();
    const char* kind = "";
    switch (c.kind) {
      case Kind::kInt64:
        values = Adopt(std::move(c.i64));
        kind = "int64";
        break;
      case Kind::kTime:
        values = Adopt(std::move(c.i64), "datetime64[ns]");
        kind = "time";
        break;
      case Kind::kFloat64:
        values = Adopt(std::move(c.f64));
        kind = "float64";
        break;
      case Kind::kBool:
        values = Adopt(std::move(c.b), "bool");
        kind = "bool";
        break;
      case Kind::kCategory:
        values = Adopt(std::move(c.codes));
        categories = ObjectStrings(c.strs);
        kind = "category";
        break;
      case Kind::kStr:
        values = ObjectStrings(c.strs);
        kind = "str";
        break;
    }
    out.append(py::make_tuple(c.name, kind, values, categories));
  }
  return out;
}

namespace {

// For bench/bench_python_tables.py: the calls table's column building alone, fed with rows
// the engine already evaluated, so its cost can be measured apart from the engine's.
class CallRowsForBench {
 public:
  explicit CallRowsForBench(std::vector<CallVerdicts> rows) : rows_(std::move(rows)) {}
  size_t size() const { return rows_.size(); }
  // `total` rows, cycling over the first `distinct` held rows (0: all). Few distinct rows
  // stay in cache, as a row just made by the engine does in to_pandas(); all of them do not.
  py::list BuildColumns(size_t total, size_t distinct) const {
    TableData data;
    {
      py::gil_scoped_release release;
      const size_t n = distinct == 0 ? rows_.size() : std::min(distinct, rows_.size());
      Columns<CallRow> t;
      DeclareCallColumns(t);
      t.Reserve(total);
      for (size_t i = 0; i < total && n > 0; ++i) t.Append(MakeCallRow(rows_[i % n]));
      data = t.Finish();
    }
    return TableToPython(std::move(data));
  }

 private:
  std::vector<CallVerdicts> rows_;
};

std::vector<CallVerdicts> CollectCalls(const Compliance& compliance, TimePoint at) {
  std::vector<CallVerdicts> rows;
  compliance.calls().ForEach(at, [&](const CallVerdicts& v) {
    rows.push_back(v);
    return true;
  });
  return rows;
}

}  // namespace

void RegisterTables(py::module_& m) {
  m.attr("TABLES") = py::cast(TableNames());
  py::class_<CallRowsForBench>(m, "_CallRowsForBench",
                               "Benchmark hook: evaluated calls held in C++ memory.")
      .def_property_readonly("size", &CallRowsForBench::size,
           "Number of evaluated calls held.")
      .def("columns", &CallRowsForBench::BuildColumns, py::arg("total"), py::arg("distinct") = 0,
           "Columns of the calls table for `total` rows cycling over the first `distinct` held "
           "ones (0: all).");
}

TableData BuildRetentionPlanTable(const Compliance& compliance, TimePoint at,
                                  const PlanOptions& options) {
  return BuildRetentionPlanRows(compliance, at, options);
}

py::object MakeCallRowsForBench(std::vector<CallVerdicts> rows) {
  return py::cast(CallRowsForBench(std::move(rows)));
}

std::vector<CallVerdicts> CollectCallsNoGil(const Compliance& compliance, TimePoint at) {
  return CollectCalls(compliance, at);
}

uint64_t ScanCallsNoGil(const Compliance& compliance, TimePoint at) {
  uint64_t n = 0;
  compliance.calls().ForEach(at, [&](const CallVerdicts&) {
    ++n;
    return true;
  });
  return n;
}

}  // namespace consent::python
