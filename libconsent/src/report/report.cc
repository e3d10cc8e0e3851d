// SPDX-License-Identifier: Apache-2.0
// The audit report: aggregation of the compliance views, and its three printed forms.

#include "consent/report.h"
#include "internal/json_writer.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace consent {
namespace {

using google::protobuf::util::TimeUtil;

// ---- Building -------------------------------------------------------------------------------

// Median and p95 (nearest rank) of `v`; sorts it.
std::pair<double, double> MedianAndP95(std::vector<double>& v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  const double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
  size_t rank = static_cast<size_t>(std::ceil(0.95 * static_cast<double>(n)));
  if (rank == 0) rank = 1;
  return {median, v[rank - 1]};
}

uint32_t ShareBp(uint64_t part, uint64_t whole) {
  if (whole == 0) return 0;
  return static_cast<uint32_t>((part * 10000 + whole / 2) / whole);
}

// Orders rule ids by their place in the catalogue; unknown ids after, alphabetically.
size_t CatalogueIndex(std::string_view id) {
  const auto& cat = RuleCatalogue();
  for (size_t i = 0; i < cat.size(); ++i) {
    if (cat[i].id == id) return i;
  }
  return cat.size();
}

class Tallies {
 public:
  explicit Tallies(size_t max_examples) : max_examples_(max_examples) {
    for (const RuleInfo& r : RuleCatalogue()) {
      if (r.attaches_to == "call" || r.attaches_to == "agent") Get(r.id, r.attaches_to);
    }
  }

  // A rule judged on calls and on agents (LC-PROP-1: at recording time and rolling) gets one
  // row for each: their counts are of different subjects.
  void Add(const RuleVerdict& v, const std::string& subject, std::string_view attaches_to) {
    RuleTally& t = Get(v.rule_id, attaches_to);
    const std::string key = Key(v.rule_id, attaches_to);
    switch (v.verdict) {
      case Verdict::kOk:
        ++t.ok;
        break;
      case Verdict::kViolated:
        ++t.violated;
        break;
      case Verdict::kUnverified:
        ++t.unverified;
        break;
      case Verdict::kNotApplicable:
        ++t.not_applicable;
        break;
      case Verdict::kPending:
        ++t.pending;
        break;
    }
    if (v.verdict == Verdict::kViolated || v.verdict == Verdict::kUnverified) {
      ReportExample ex{subject, v.verdict, v.detail, v.evidence};
      std::vector<ReportExample>& list =
          v.verdict == Verdict::kViolated ? violated_examples_[key] : unverified_examples_[key];
      if (list.size() < max_examples_) list.push_back(std::move(ex));
    }
  }

  std::vector<RuleTally> Finish() {
    std::vector<RuleTally> out;
    out.reserve(tallies_.size());
    for (auto& [key, t] : tallies_) {
      std::vector<ReportExample>& ex = t.examples;
      for (auto& e : violated_examples_[key]) {
        if (ex.size() < max_examples_) ex.push_back(std::move(e));
      }
      for (auto& e : unverified_examples_[key]) {
        if (ex.size() < max_examples_) ex.push_back(std::move(e));
      }
      out.push_back(std::move(t));
    }
    std::stable_sort(out.begin(), out.end(), [](const RuleTally& a, const RuleTally& b) {
      const size_t ia = CatalogueIndex(a.rule_id), ib = CatalogueIndex(b.rule_id);
      if (ia != ib) return ia < ib;
      if (a.rule_id != b.rule_id) return a.rule_id < b.rule_id;
      return a.attaches_to == "call" && b.attaches_to != "call";
    });
    return out;
  }

 private:
  static std::string Key(std::string_view id, std::string_view attaches_to) {
    return std::string(id) + '/' + std::string(attaches_to);
  }

  RuleTally& Get(std::string_view id, std::string_view attaches_to) {
    const std::string key = Key(id, attaches_to);
    auto it = tallies_.find(key);
    if (it != tallies_.end()) return it->second;
    RuleTally t;
    t.rule_id = std::string(id);
    const RuleInfo* info = FindRule(id);
    t.title = info != nullptr ? std::string(info->title) : std::string(id);
    t.attaches_to = std::string(attaches_to);
    return tallies_.emplace(key, std::move(t)).first->second;
  }

  size_t max_examples_;
  std::map<std::string, RuleTally> tallies_;
  // Examples are collected in subject order (calls and agents are visited in id order).
  std::map<std::string, std::vector<ReportExample>> violated_examples_;
  std::map<std::string, std::vector<ReportExample>> unverified_examples_;
};

// Adds an agent's survey answers and documents; `score_sum` accumulates score x counted answers.
void AddAgentRecords(const AgentSummary& a, AuditReport::AgentRecords* out, double* score_sum) {
  out->survey_answers += a.survey_answers;
  out->survey_answers_counted += a.survey_answers_counted;
  out->survey_answers_excluded += a.survey_answers_excluded;
  out->analysis_documents += a.analysis_documents;
  if (a.survey_score) *score_sum += *a.survey_score * static_cast<double>(a.survey_answers_counted);
}

std::vector<RoleCount> SortedRoles(const std::map<std::string, uint64_t>& counts) {
  std::vector<RoleCount> out;
  for (const auto& [role, n] : counts) out.push_back({role, n});
  std::stable_sort(out.begin(), out.end(),
                   [](const RoleCount& x, const RoleCount& y) { return x.count > y.count; });
  return out;
}

struct Built {
  AuditReport report;
  std::unordered_set<std::string> period_calls;  // empty when the period is unbounded
  // Positions of the events that LC-ACC-1 verdicts name as evidence of a violation.
  std::vector<uint64_t> unlawful_access_positions;
};

Built Build(const Compliance& compliance, const ReportOptions& options) {
  Built b;
  AuditReport& r = b.report;
  r.at = options.at.value_or(compliance.Now());
  r.from = options.from;
  r.to = options.to;
  r.position = compliance.position();

  Tallies tallies(options.max_examples);
  std::vector<double> latencies;
  std::unordered_set<std::string> seen_objections;
  std::map<std::string, uint64_t> calls_by_registration;
  const bool bounded = options.from.has_value() || options.to.has_value();
  ReportTotals& t = r.totals;

  compliance.calls().ForEach(r.at, [&](const CallVerdicts& c) {
    if (options.from && c.started < *options.from) return true;
    if (options.to && c.started >= *options.to) return true;
    if (bounded) b.period_calls.insert(c.call_id);
    ++t.calls;
    if (!r.first_call || c.started < *r.first_call) r.first_call = c.started;
    if (!r.last_call || c.started > *r.last_call) r.last_call = c.started;
    ++calls_by_registration[c.registration_id];
    if (c.recorded) ++t.recorded_calls;
    if (c.private_call) ++t.private_calls;
    const Verdict overall = c.Overall();
    if (overall == Verdict::kViolated) ++t.calls_violated;
    if (overall == Verdict::kUnverified) ++t.calls_unverified;
    // The call's verdict of the objection rules, to tell an unacknowledged stop (unverified)
    // from capture that ran on (violated) when an objection has no known latency.
    Verdict caller_rule = Verdict::kNotApplicable, agent_rule = Verdict::kNotApplicable;
    for (const RuleVerdict& v : c.rules) {
      if (v.rule_id == "LC-OBJ-1") caller_rule = v.verdict;
      if (v.rule_id == "LC-OBJ-2") agent_rule = v.verdict;
    }
    for (const ObjectionSummary& o : c.objections) {
      // A transferred call that gets a new id carries its objections along: count them once.
      if (!seen_objections.insert(o.objection_id).second) continue;
      if (o.party == v1::PARTY_AGENT) {
        ++t.objections_agent;
      } else {
        ++t.objections_caller;
      }
      if (o.withdrawn) ++t.objections_withdrawn;
      if (o.overruled) ++t.objections_overruled;
      if (!o.capture_running) continue;
      ++t.objections_during_capture;
      if (o.honoured) ++t.objections_honoured;
      if (o.pause_latency_ms) latencies.push_back(*o.pause_latency_ms);
      if (o.honoured) continue;
      if (o.pause_latency_ms) {
        ++t.objections_late;
      } else if ((o.party == v1::PARTY_AGENT ? agent_rule : caller_rule) == Verdict::kUnverified) {
        ++t.objections_unverified;
      } else {
        ++t.objections_not_stopped;
      }
    }
    for (const RuleVerdict& v : c.rules) {
      tallies.Add(v, c.call_id, "call");
      if (v.rule_id == "LC-ACC-1" && v.verdict == Verdict::kViolated) {
        b.unlawful_access_positions.insert(b.unlawful_access_positions.end(), v.evidence.begin(),
                                           v.evidence.end());
      }
    }
    return true;
  });
  t.recorded_share_bp = ShareBp(t.recorded_calls, t.calls);
  if (!latencies.empty()) {
    auto [median, p95] = MedianAndP95(latencies);
    t.pause_latency_median_ms = median;
    t.pause_latency_p95_ms = p95;
  }

  double score_sum = 0;
  compliance.agents().ForEach(r.at, [&](const AgentSummary& a) {
    ++r.agents;
    AddAgentRecords(a, &r.agent_records, &score_sum);
    if (a.is_protected) ++r.agents_protected;
    if (!a.informed) ++r.agents_not_informed;
    if (a.objection_active) ++r.agents_objecting;
    t.accesses += a.accesses;
    t.accesses_refused += a.accesses_refused;
    t.accesses_unlawful += a.accesses_unlawful;
    for (const RuleVerdict& v : a.rules) tallies.Add(v, a.agent_ref, "agent");
    if (a.over_warn_share || a.over_max_share) {
      r.agents_over_share.push_back({a.agent_ref, a.team_id, a.handled_calls, a.recorded_calls,
                                     a.recorded_share_bp, a.over_max_share, a.is_protected,
                                     a.informed});
    }
    return true;
  });
  if (r.agent_records.survey_answers_counted > 0) {
    r.agent_records.survey_score = score_sum / static_cast<double>(r.agent_records.survey_answers_counted);
  }
  std::stable_sort(r.agents_over_share.begin(), r.agents_over_share.end(),
                   [](const AgentShareRow& x, const AgentShareRow& y) {
                     if (x.recorded_share_bp != y.recorded_share_bp) {
                       return x.recorded_share_bp > y.recorded_share_bp;
                     }
                     return x.agent_ref < y.agent_ref;
                   });
  // Rules attached to recordings, documents, holds, requests, answers and decisions. LC-EVAL-1
  // is reported per agent (RULES.md, "Where verdicts attach"), not per document.
  for (RecordKind kind : {RecordKind::kRecording, RecordKind::kDocument, RecordKind::kHold, RecordKind::kRequest,
                          RecordKind::kAnswer, RecordKind::kDecision}) {
    compliance.retention().ForEach(r.at, kind, [&](const RecordVerdicts& rv) {
      for (const RuleVerdict& v : rv.rules) {
        if (kind == RecordKind::kDocument && v.rule_id == "LC-EVAL-1") continue;
        tallies.Add(v, rv.id, RecordKindName(kind));
      }
      return true;
    });
  }
  r.rules = tallies.Finish();
  {
    const RetentionPlan plan = compliance.retention().Plan(r.at);
    auto& ret = r.retention;
    ret.overdue = plan.overdue;
    ret.due = plan.due;
    ret.awaiting_receipt = plan.awaiting_receipt;
    ret.held = plan.held;
    ret.scheduled = plan.scheduled;
    ret.done = plan.done;
    ret.recordings = plan.recordings;
    ret.documents = plan.documents;
    for (const HoldStatus& h : plan.holds) {
      if (h.active) ++ret.holds_active;
      if (h.review_overdue) ++ret.holds_review_overdue;
    }
    for (const PurgeItem& i : plan.items) {
      if (i.state == PurgeState::kOverdue && ret.overdue_examples.size() < options.max_examples) {
        ret.overdue_examples.push_back(i);
      }
    }
  }

  // Registrations, and the one whose policy the report prints: most calls, then id order.
  uint64_t best_calls = 0;
  for (const std::string& id : compliance.Registrations()) {
    RegistrationRow row;
    row.registration_id = id;
    row.policy = compliance.PolicyFor(id);
    row.description = row.policy.Describe();
    auto it = calls_by_registration.find(id);
    row.calls = it == calls_by_registration.end() ? 0 : it->second;
    if (r.policy_registration_id.empty() || row.calls > best_calls) {
      r.policy_registration_id = id;
      r.policy = row.policy;
      r.policy_description = row.description;
      best_calls = row.calls;
    }
    r.registrations.push_back(std::move(row));
  }
  if (r.policy_registration_id.empty()) r.policy_description = r.policy.Describe();
  return b;
}

}  // namespace

AuditReport BuildReport(const Compliance& compliance, const ReportOptions& options) {
  return Build(compliance, options).report;
}

StatusOr<AuditReport> BuildReport(const Compliance& compliance, const EventStore& store,
                                  const ReportOptions& options) {
  Built b = Build(compliance, options);
  AuditReport& r = b.report;
  r.store_figures = true;
  const bool bounded = options.from.has_value() || options.to.has_value();
  auto in_period = [&](const std::string& call_id) {
    return !bounded || b.period_calls.count(call_id) > 0;
  };

  uint64_t recordings = 0;
  std::map<std::string, uint64_t> refused;
  if (r.position > 0) {
    ReadAllOptions read;
    read.to_position = r.position;
    read.filter.types = {"RecordingStarted", "AccessRefused"};
    Status s = store.ScanAll(read, [&](const Event& e) {
      if (e.has_recording_started()) {
        if (in_period(e.recording_started().call_id())) ++recordings;
      } else if (e.has_access_refused()) {
        if (in_period(e.access_refused().call_id())) ++refused[e.access_refused().role()];
      }
      return true;
    });
    if (!s.ok()) return s.Annotate("BuildReport");
  }
  r.totals.recordings = recordings;
  r.refused_by_role = SortedRoles(refused);

  // The engine names the offending access events as evidence of LC-ACC-1; their roles.
  std::sort(b.unlawful_access_positions.begin(), b.unlawful_access_positions.end());
  b.unlawful_access_positions.erase(
      std::unique(b.unlawful_access_positions.begin(), b.unlawful_access_positions.end()),
      b.unlawful_access_positions.end());
  std::map<std::string, uint64_t> unlawful;
  for (uint64_t pos : b.unlawful_access_positions) {
    StatusOr<Event> e = store.ReadEvent(pos);
    if (!e.ok()) return e.status().Annotate("BuildReport");
    if (e->has_recording_accessed()) ++unlawful[e->recording_accessed().role()];
    if (e->has_live_listen_started()) ++unlawful[e->live_listen_started().role()];
  }
  r.unlawful_by_role = SortedRoles(unlawful);
  return r;
}

namespace {

using internal::JsonString;
using internal::JsonWriter;

// ---- Shared formatting helpers ------------------------------------------------------------

// A rule's row for the kind of subject the catalogue does not attach it to (LC-PROP-1 per agent).
bool SecondaryRow(const RuleTally& t) {
  const RuleInfo* info = FindRule(t.rule_id);
  return info != nullptr && info->attaches_to != t.attaches_to;
}

std::string TitleWithSubject(const RuleTally& t) {
  return SecondaryRow(t) ? t.title + " (per " + t.attaches_to + ")" : t.title;
}

std::string Percent(uint32_t bp) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%u.%u %%", bp / 100, (bp % 100) / 10);
  return buf;
}

std::string Millis(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f ms", ms);
  return buf;
}

std::string EvidenceList(const std::vector<uint64_t>& evidence, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < evidence.size(); ++i) {
    if (i > 0) out.append(sep);
    out += std::to_string(evidence[i]);
  }
  return out;
}

// ---- JSON -----------------------------------------------------------------------------------

void JsonPolicy(JsonWriter& w, const AuditReport& r) {
  const Policy& p = r.policy;
  w.BeginObject("policy");
  w.String("registration_id", r.policy_registration_id);
  w.Uint("pause_budget_ms", static_cast<uint64_t>(p.pause_budget.count()));
  w.Uint("purge_after_objection_hours", static_cast<uint64_t>(p.purge_after_objection.count()));
  w.Uint("purge_after_private_hours", static_cast<uint64_t>(p.purge_after_private.count()));
  w.Uint("probe_max_age_hours", static_cast<uint64_t>(p.probe_max_age.count()));
  w.Uint("max_share_bp", p.max_share_bp);
  w.Uint("warn_share_bp", p.warn_share_bp);
  w.Uint("sampling_window_days", static_cast<uint64_t>(p.sampling_window.count() / 24));
  w.Uint("min_use_share_bp", p.min_use_share_bp);
  w.Uint("recording_retention_months", p.recording_retention_months);
  w.Uint("analysis_retention_months", p.analysis_retention_months);
  w.Uint("hold_review_days", static_cast<uint64_t>(p.hold_review.count() / 24));
  w.Uint("analysis_free_text_max_chars", p.analysis_free_text_max_chars);
  w.String("description", r.policy_description);
  w.EndObject();
}

void JsonRoles(JsonWriter& w, std::string_view key, const std::vector<RoleCount>& roles) {
  w.BeginArray(key);
  for (const RoleCount& rc : roles) {
    w.BeginObject();
    w.String("role", rc.role);
    w.Uint("count", rc.count);
    w.EndObject();
  }
  w.EndArray();
}

std::string ToJson(const AuditReport& r) {
  const ReportTotals& t = r.totals;
  JsonWriter w;
  w.BeginObject();
  w.Uint("report_version", 1);
  w.String("at", FormatTime(r.at));
  w.BeginObject("period");
  w.OptTime("from", r.from);
  w.OptTime("to", r.to);
  w.OptTime("first_call", r.first_call);
  w.OptTime("last_call", r.last_call);
  w.EndObject();
  w.Uint("store_position", r.position);
  JsonPolicy(w, r);

  w.BeginObject("totals");
  w.Uint("calls", t.calls);
  w.Uint("recorded_calls", t.recorded_calls);
  w.Uint("recorded_share_bp", t.recorded_share_bp);
  if (t.recordings) {
    w.Uint("recordings", *t.recordings);
  } else {
    w.Null("recordings");
  }
  w.Uint("private_calls", t.private_calls);
  w.Uint("calls_violated", t.calls_violated);
  w.Uint("calls_unverified", t.calls_unverified);
  w.EndObject();

  w.BeginObject("objections");
  w.Uint("caller", t.objections_caller);
  w.Uint("agent", t.objections_agent);
  w.Uint("during_capture", t.objections_during_capture);
  w.Uint("honoured", t.objections_honoured);
  w.Uint("late", t.objections_late);
  w.Uint("not_stopped", t.objections_not_stopped);
  w.Uint("unverified", t.objections_unverified);
  w.Uint("withdrawn", t.objections_withdrawn);
  w.Uint("overruled", t.objections_overruled);
  w.OptDouble("pause_latency_median_ms", t.pause_latency_median_ms);
  w.OptDouble("pause_latency_p95_ms", t.pause_latency_p95_ms);
  w.EndObject();

  w.BeginArray("rules");
  for (const RuleTally& rt : r.rules) {
    w.BeginObject();
    w.String("rule_id", rt.rule_id);
    w.String("title", rt.title);
    w.String("attaches_to", rt.attaches_to);
    w.Uint("violated", rt.violated);
    w.Uint("unverified", rt.unverified);
    w.Uint("pending", rt.pending);
    w.Uint("ok", rt.ok);
    w.Uint("not_applicable", rt.not_applicable);
    w.BeginArray("examples");
    for (const ReportExample& ex : rt.examples) {
      w.BeginObject();
      w.String("subject", ex.subject);
      w.String("verdict", VerdictName(ex.verdict));
      w.String("detail", ex.detail);
      w.BeginArray("evidence");
      for (uint64_t pos : ex.evidence) w.Uint({}, pos);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();

  w.BeginObject("agents");
  w.Uint("known", r.agents);
  w.Uint("protected", r.agents_protected);
  w.Uint("not_informed", r.agents_not_informed);
  w.Uint("standing_objection", r.agents_objecting);
  w.Uint("survey_answers", r.agent_records.survey_answers);
  w.Uint("survey_answers_counted", r.agent_records.survey_answers_counted);
  w.Uint("survey_answers_excluded", r.agent_records.survey_answers_excluded);
  w.OptDouble("survey_score", r.agent_records.survey_score);
  w.Uint("analysis_documents", r.agent_records.analysis_documents);
  w.BeginArray("over_share");
  for (const AgentShareRow& a : r.agents_over_share) {
    w.BeginObject();
    w.String("agent_ref", a.agent_ref);
    w.String("team_id", a.team_id);
    w.Uint("handled_calls", a.handled_calls);
    w.Uint("recorded_calls", a.recorded_calls);
    w.Uint("recorded_share_bp", a.recorded_share_bp);
    w.Bool("over_max", a.over_max);
    w.Bool("is_protected", a.is_protected);
    w.Bool("informed", a.informed);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();

  w.BeginObject("accesses");
  w.Uint("total", t.accesses);
  w.Uint("refused", t.accesses_refused);
  w.Uint("unlawful", t.accesses_unlawful);
  JsonRoles(w, "refused_by_role", r.refused_by_role);
  JsonRoles(w, "unlawful_by_role", r.unlawful_by_role);
  w.EndObject();

  w.BeginObject("retention");
  w.Uint("overdue", r.retention.overdue);
  w.Uint("due", r.retention.due);
  w.Uint("awaiting_receipt", r.retention.awaiting_receipt);
  w.Uint("held", r.retention.held);
  w.Uint("done", r.retention.done);
  w.Uint("holds_active", r.retention.holds_active);
  w.Uint("holds_review_overdue", r.retention.holds_review_overdue);
  w.EndObject();

  w.BeginArray("registrations");
  for (const RegistrationRow& reg : r.registrations) {
    w.BeginObject();
    w.String("registration_id", reg.registration_id);
    w.Uint("calls", reg.calls);
    w.String("policy_description", reg.description);
    w.EndObject();
  }
  w.EndArray();
  w.Bool("store_figures", r.store_figures);
  w.EndObject();
  return w.Take();
}

// ---- CSV ------------------------------------------------------------------------------------

std::string ToCsv(const AuditReport& r) {
  CsvWriter csv({"rule_id", "title", "attaches_to", "violated", "unverified", "pending", "ok",
                 "not_applicable", "example_calls"});
  for (const RuleTally& t : r.rules) {
    std::vector<std::string> examples;
    for (const auto& example : t.examples) {
      examples.push_back(example.subject);
      if (!example.evidence.empty()) examples.back() += "@" + EvidenceList(example.evidence, "+");
    }
    csv.Row({t.rule_id, t.title, t.attaches_to, std::to_string(t.violated), std::to_string(t.unverified),
             std::to_string(t.pending), std::to_string(t.ok), std::to_string(t.not_applicable),
             CsvList(examples)});
  }
  return csv.Take();
}

// ---- Table ----------------------------------------------------------------------------------

constexpr size_t kWidth = 100;

// Cuts `s` to `width` bytes, marking the cut with "..." (titles and details are ASCII).
std::string Fit(std::string_view s, size_t width) {
  if (s.size() <= width) return std::string(s);
  if (width <= 3) return std::string(s.substr(0, width));
  return std::string(s.substr(0, width - 3)) + "...";
}

std::string PadRight(std::string_view s, size_t width) {
  std::string out(s);
  if (out.size() < width) out.resize(width, ' ');
  return out;
}

std::string PadLeft(std::string_view s, size_t width) {
  std::string out;
  if (s.size() < width) out.assign(width - s.size(), ' ');
  out.append(s);
  return out;
}

class Table {
 public:
  explicit Table(bool color) : color_(color) {}

  void Title(std::string_view s) {
    Line(Bold(std::string(s)));
    Line(std::string(s.size(), '='));
  }
  void Heading(std::string_view s) {
    out_ += "\n";
    Line(Bold(std::string(s)));
    Line(std::string(s.size(), '-'));
  }
  // "  label ........ value" with the label padded to a column.
  void Field(std::string_view label, std::string_view value) {
    Line("  " + PadRight(label, 26) + std::string(value));
  }
  void Line(std::string_view s) {
    out_.append(s);
    out_ += "\n";
  }
  std::string Bold(const std::string& s) const { return color_ ? "\033[1m" + s + "\033[0m" : s; }
  std::string Red(const std::string& s) const { return color_ ? "\033[31m" + s + "\033[0m" : s; }
  std::string Yellow(const std::string& s) const { return color_ ? "\033[33m" + s + "\033[0m" : s; }
  std::string Take() { return std::move(out_); }

 private:
  bool color_;
  std::string out_;
};

std::string RoleList(const std::vector<RoleCount>& roles) {
  if (roles.empty()) return "none";
  std::string s;
  for (size_t i = 0; i < roles.size(); ++i) {
    if (i > 0) s += ", ";
    s += roles[i].role + " " + std::to_string(roles[i].count);
  }
  return s;
}

std::string ToTable(const AuditReport& r, bool color) {
  const ReportTotals& t = r.totals;
  Table tb(color);
  tb.Title("libconsent audit report");
  tb.Field("Evaluated at", FormatTime(r.at));
  std::string period;
  if (r.from || r.to) {
    period = (r.from ? FormatTime(*r.from) : std::string("start")) + " .. " +
             (r.to ? FormatTime(*r.to) : std::string("end"));
  } else {
    period = "every call in the log";
  }
  tb.Field("Period", period);
  if (r.first_call && r.last_call) {
    tb.Field("Calls started", FormatTime(*r.first_call) + " .. " + FormatTime(*r.last_call));
  }
  tb.Field("Store position", std::to_string(r.position));
  tb.Field("Policy of registration", r.policy_registration_id.empty() ? "none (RULES.md defaults)"
                                                                      : r.policy_registration_id);

  tb.Heading("Policy");
  // Describe() prints "  name: value" lines; keep them as they are.
  std::string_view desc = r.policy_description;
  while (!desc.empty()) {
    size_t nl = desc.find('\n');
    tb.Line(Fit(desc.substr(0, nl), kWidth));
    if (nl == std::string_view::npos) break;
    desc.remove_prefix(nl + 1);
  }

  tb.Heading("Totals");
  tb.Field("Calls", std::to_string(t.calls));
  tb.Field("Recorded calls",
           std::to_string(t.recorded_calls) + " (" + Percent(t.recorded_share_bp) + " of calls)");
  tb.Field("Recordings", t.recordings ? std::to_string(*t.recordings) : "not counted");
  tb.Field("Private calls", std::to_string(t.private_calls));
  tb.Field("Calls with a violation",
           t.calls_violated > 0 ? tb.Red(std::to_string(t.calls_violated)) : "0");
  tb.Field("Calls unverified", std::to_string(t.calls_unverified));
  tb.Field("Objections", std::to_string(t.objections_caller + t.objections_agent) + " (caller " +
                             std::to_string(t.objections_caller) + ", agent " +
                             std::to_string(t.objections_agent) + ")");
  tb.Field("  during capture", std::to_string(t.objections_during_capture));
  tb.Field("  honoured", std::to_string(t.objections_honoured));
  tb.Field("  stopped late", std::to_string(t.objections_late));
  tb.Field("  not stopped in time", std::to_string(t.objections_not_stopped));
  tb.Field("  never acknowledged", std::to_string(t.objections_unverified));
  tb.Field("  withdrawn / overruled",
           std::to_string(t.objections_withdrawn) + " / " + std::to_string(t.objections_overruled));
  if (t.pause_latency_median_ms) {
    tb.Field("Pause latency", "median " + Millis(*t.pause_latency_median_ms) + ", p95 " +
                                  Millis(*t.pause_latency_p95_ms) + " (budget " +
                                  std::to_string(r.policy.pause_budget.count()) + " ms)");
  } else {
    tb.Field("Pause latency", "no acknowledged pause after an objection");
  }

  tb.Heading("Rules");
  tb.Line("  " + PadRight("rule", 11) + PadLeft("violated", 9) + PadLeft("unverif.", 9) +
          PadLeft("pending", 8) + PadLeft("ok", 7) + PadLeft("n/a", 7) + "  title");
  for (const RuleTally& rt : r.rules) {
    const size_t used = 2 + 11 + 9 + 9 + 8 + 7 + 7 + 2;
    if (rt.violated + rt.unverified + rt.pending + rt.ok + rt.not_applicable == 0) {
      tb.Line("  " + PadRight(rt.rule_id, 11) + PadLeft("-", 9) + PadLeft("-", 9) +
              PadLeft("-", 8) + PadLeft("-", 7) + PadLeft("-", 7) + "  " +
              Fit(rt.title, kWidth - used));
      continue;
    }
    std::string violated = PadLeft(std::to_string(rt.violated), 9);
    if (rt.violated > 0) violated = tb.Red(violated);
    std::string unverified = PadLeft(std::to_string(rt.unverified), 9);
    if (rt.unverified > 0) unverified = tb.Yellow(unverified);
    tb.Line("  " + PadRight(rt.rule_id, 11) + violated + unverified +
            PadLeft(std::to_string(rt.pending), 8) + PadLeft(std::to_string(rt.ok), 7) +
            PadLeft(std::to_string(rt.not_applicable), 7) + "  " +
            Fit(SecondaryRow(rt) ? "per " + rt.attaches_to + ": " + rt.title : rt.title,
                kWidth - used));
  }
  tb.Line("  Each rule counts what it attaches to: calls, agents, recordings, documents, holds,");
  tb.Line("  requests, survey answers or decisions; '-': not judged by these projections.");

  bool any = false;
  for (const RuleTally& rt : r.rules) {
    if (rt.violated == 0 && rt.unverified == 0) continue;
    if (!any) tb.Heading("Violations, with examples (event positions)");
    any = true;
    tb.Line(tb.Bold(Fit(rt.rule_id + "  " + TitleWithSubject(rt), kWidth)));
    const std::string unit = rt.attaches_to == "answer" ? "survey answer" : rt.attaches_to;
    auto count = [&](uint64_t n) { return std::to_string(n) + " " + unit + (n == 1 ? "" : "s"); };
    tb.Line("    " + count(rt.violated) + " violated, " + count(rt.unverified) + " unverified");
    for (const ReportExample& ex : rt.examples) {
      std::string line =
          "    " + PadRight(ex.subject, 20) + " " + std::string(VerdictName(ex.verdict));
      if (!ex.evidence.empty()) {
        line = PadRight(line, 4 + 20 + 1 + 11) + " @" + EvidenceList(ex.evidence, " @");
      }
      tb.Line(Fit(line, kWidth));
      if (!ex.detail.empty()) tb.Line(Fit("      " + ex.detail, kWidth));
    }
  }
  if (!any) {
    tb.Heading("Violations");
    tb.Line("  none");
  }

  tb.Heading("Agents");
  tb.Field("Known to the ledger", std::to_string(r.agents));
  tb.Field("Protected employees", std::to_string(r.agents_protected));
  tb.Field("Not informed", std::to_string(r.agents_not_informed));
  tb.Field("Standing objection", std::to_string(r.agents_objecting));
  const AuditReport::AgentRecords& ar = r.agent_records;
  tb.Field("Survey answers", std::to_string(ar.survey_answers) + " (" + std::to_string(ar.survey_answers_counted) +
                                 " counted, " + std::to_string(ar.survey_answers_excluded) +
                                 " excluded: cause not the agent)");
  if (ar.survey_score) tb.Field("Survey score", Percent(static_cast<uint32_t>(*ar.survey_score * 10000 + 0.5)));
  tb.Field("Analysis documents", std::to_string(ar.analysis_documents));

  tb.Heading("Agents over the sampling share (warn " + Percent(r.policy.warn_share_bp) + ", max " +
             Percent(r.policy.max_share_bp) + ", " +
             std::to_string(r.policy.sampling_window.count() / 24) + " days to " +
             FormatTime(r.at) + ")");
  if (r.agents_over_share.empty()) {
    tb.Line("  none of " + std::to_string(r.agents) + " agents");
  } else {
    tb.Line("  " + PadRight("agent", 16) + PadRight("team", 14) + PadLeft("handled", 8) +
            PadLeft("recorded", 10) + PadLeft("share", 10) + "  status");
    for (const AgentShareRow& a : r.agents_over_share) {
      std::string status = a.over_max ? tb.Red("over max") : std::string("over warn");
      if (a.is_protected) status += ", protected";
      if (!a.informed) status += ", not informed";
      tb.Line("  " + PadRight(Fit(a.agent_ref, 15), 16) + PadRight(Fit(a.team_id, 13), 14) +
              PadLeft(std::to_string(a.handled_calls), 8) +
              PadLeft(std::to_string(a.recorded_calls), 10) +
              PadLeft(Percent(a.recorded_share_bp), 10) + "  " + status);
    }
    tb.Line("  " + std::to_string(r.agents_over_share.size()) + " of " + std::to_string(r.agents) +
            " agents");
  }

  tb.Heading("Accesses to recordings");
  tb.Field("Accesses logged", std::to_string(t.accesses));
  tb.Field("Refused", std::to_string(t.accesses_refused));
  if (r.store_figures) tb.Field("  by role", Fit(RoleList(r.refused_by_role), kWidth - 28));
  tb.Field("Unlawful (granted)",
           t.accesses_unlawful > 0 ? tb.Red(std::to_string(t.accesses_unlawful)) : "0");
  if (r.store_figures) tb.Field("  by role", Fit(RoleList(r.unlawful_by_role), kWidth - 28));

  tb.Heading("Retention (purge plan at the evaluation time)");
  const auto& ret = r.retention;
  tb.Field("Purges overdue", ret.overdue > 0 ? tb.Red(std::to_string(ret.overdue)) : "0");
  tb.Field("Due now", std::to_string(ret.due));
  tb.Field("Awaiting receipt", std::to_string(ret.awaiting_receipt));
  tb.Field("Held (legal hold)", std::to_string(ret.held));
  tb.Field("Completed with receipts", std::to_string(ret.done));
  tb.Field("Legal holds active", std::to_string(ret.holds_active) +
                                     (ret.holds_review_overdue ? " (" + std::to_string(ret.holds_review_overdue) +
                                                                     " past review)" : ""));
  for (const PurgeItem& i : ret.overdue_examples) tb.Line("  " + Fit(i.Describe(), kWidth - 2));

  tb.Heading("Registrations");
  if (r.registrations.empty()) tb.Line("  none");
  for (const RegistrationRow& reg : r.registrations) {
    tb.Line("  " + PadRight(Fit(reg.registration_id, 40), 42) + std::to_string(reg.calls) +
            " calls in the period");
  }
  return tb.Take();
}

}  // namespace

std::string FormatReport(const AuditReport& report, ReportFormat format,
                         const FormatOptions& options) {
  switch (format) {
    case ReportFormat::kJson:
      return ToJson(report);
    case ReportFormat::kCsv:
      return ToCsv(report);
    case ReportFormat::kTable:
      break;
  }
  return ToTable(report, options.color);
}

}  // namespace consent
