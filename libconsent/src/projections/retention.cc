// SPDX-License-Identifier: Apache-2.0
// RetentionSchedule: the purge plan (LC-RET-1..4, LC-OBJ-4, LC-PRIV-1, LC-DSR-2) and verdicts on
// recordings, documents, holds, requests, survey answers and decisions (LC-RET-*, LC-DSR-*,
// LC-DATA-2, LC-EVAL-*), computed from the folded state against an evaluation time.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "consent/event_id.h"
#include "consent/time_format.h"
#include "projections/engine.h"
#include "projections/rule_support.h"

namespace consent {

// ---- Public helpers --------------------------------------------------------------------------

std::string_view PurgeTargetName(PurgeTarget t) {
  switch (t) {
    case PurgeTarget::kRecordingCopy: return "recording_copy";
    case PurgeTarget::kArtefactCopy: return "artefact_copy";
    case PurgeTarget::kDocument: return "document";
  }
  return "?";
}

std::string_view PurgeStateName(PurgeState s) {
  switch (s) {
    case PurgeState::kScheduled: return "scheduled";
    case PurgeState::kDue: return "due";
    case PurgeState::kOverdue: return "overdue";
    case PurgeState::kAwaitingReceipt: return "awaiting_receipt";
    case PurgeState::kHeld: return "held";
    case PurgeState::kDone: return "done";
  }
  return "?";
}

std::string_view RecordKindName(RecordKind k) {
  switch (k) {
    case RecordKind::kRecording: return "recording";
    case RecordKind::kDocument: return "document";
    case RecordKind::kHold: return "hold";
    case RecordKind::kRequest: return "request";
    case RecordKind::kAnswer: return "answer";
    case RecordKind::kDecision: return "decision";
  }
  return "?";
}

TimePoint AddCalendarMonths(TimePoint t, int months) {
  return internal::FromNs(internal::AddMonthsNs(internal::ToNs(t), months));
}

std::string PurgeItem::Describe() const {
  // What a reader needs first: the state and its age, the rule and the target; then the cause.
  std::string out = std::string(PurgeStateName(state));
  if (overdue_by.count() > 0) out += " " + internal::FormatDuration(overdue_by.count());
  out += " " + rule_id + " ";
  switch (target) {
    case PurgeTarget::kRecordingCopy: out += "copy " + copy_id + " of " + recording_id; break;
    case PurgeTarget::kArtefactCopy: out += "copy " + copy_id + " of " + artefact_id; break;
    case PurgeTarget::kDocument: out += "document " + document_id; break;
  }
  if (!call_id.empty()) out += " (call " + call_id + ")";
  out += ", due " + internal::FormatNs(internal::ToNs(due));
  std::string reason_name(v1::PurgeReason_Name(reason));
  if (reason_name.rfind("PURGE_REASON_", 0) == 0) reason_name = reason_name.substr(13);
  for (char& c : reason_name) c = static_cast<char>(c == '_' ? ' ' : std::tolower(static_cast<unsigned char>(c)));
  out += ", " + reason_name;
  if (!cause_ref.empty()) out += " " + cause_ref;
  for (const auto& h : held_by) out += ", hold " + h;
  return out;
}

RetentionPlan RetentionSchedule::Plan(TimePoint at, const PlanOptions& options) const {
  return engine_->PlanRetention(at, options);
}

void RetentionSchedule::ForEach(TimePoint at, RecordKind kind,
                                const std::function<bool(const RecordVerdicts&)>& fn) const {
  engine_->ForEachRecordVerdicts(at, kind, fn);
}

namespace internal {

// ---- Shared rule support ---------------------------------------------------------------------

int64_t AddMonthsNs(int64_t ns, int months) {
  using namespace std::chrono;
  const sys_time<nanoseconds> t{nanoseconds{ns}};
  const sys_days day = floor<days>(t);
  const nanoseconds tod = t - day;
  const year_month_day ymd{day};
  year_month ym = year_month{ymd.year(), ymd.month()} + std::chrono::months{months};
  year_month_day target{ym.year(), ym.month(), ymd.day()};
  if (!target.ok()) target = year_month_day{year_month_day_last{ym.year(), month_day_last{ym.month()}}};
  return (sys_days{target} + tod).time_since_epoch().count();
}

bool HoldCovers(const st::Hold& h, const HoldKeys& k) {
  auto in = [](const google::protobuf::RepeatedPtrField<std::string>& list, const std::string& x) {
    return !x.empty() && std::find(list.begin(), list.end(), x) != list.end();
  };
  if (in(h.recording_ids(), k.recording_id) || in(h.document_ids(), k.document_id)) return true;
  for (const auto& c : k.call_ids) {
    if (in(h.call_ids(), c)) return true;
  }
  for (const auto& r : k.refs) {
    if (in(h.agent_refs(), r) || in(h.subject_refs(), r)) return true;
  }
  return false;
}

HoldKeys CallHoldKeys(const st::Call& c) {
  HoldKeys k;
  k.call_ids.push_back(c.call_id());
  for (const auto& p : c.started().participants()) {
    if (!p.subject_ref().empty()) k.refs.push_back(p.subject_ref());
  }
  for (const auto& a : c.agent_refs()) k.refs.push_back(a);
  return k;
}

HoldKeys DocumentHoldKeys(const st::Document& d) {
  HoldKeys k;
  k.document_id = d.document_id();
  k.call_ids.assign(d.call_ids().begin(), d.call_ids().end());
  k.refs.push_back(d.agent_ref());
  return k;
}

std::vector<const st::Hold*> CoveringHolds(const std::vector<st::Hold>& holds, const HoldKeys& k) {
  std::vector<const st::Hold*> out;
  for (const auto& h : holds) {
    if (HoldCovers(h, k)) out.push_back(&h);
  }
  return out;
}

HeldDeadline ApplyHolds(int64_t deadline, const std::vector<const st::Hold*>& holds, int64_t at_ns,
                        int64_t grace_ns) {
  HeldDeadline out;
  out.deadline = deadline;
  // Released holds (as seen at at_ns) whose span contains the deadline move it to release +
  // grace; repeat while the moved deadline falls inside another released hold.
  for (bool moved = true; moved;) {
    moved = false;
    for (const st::Hold* h : holds) {
      if (h->placed_ns() > at_ns) continue;
      const bool released = h->released_ns() != 0 && h->released_ns() <= at_ns;
      if (!released) continue;
      if (h->placed_ns() <= out.deadline && out.deadline <= h->released_ns() &&
          h->released_ns() + grace_ns > out.deadline) {
        out.deadline = h->released_ns() + grace_ns;
        out.extended_by.push_back(h->hold_id());
        moved = true;
      }
    }
  }
  int64_t earliest_active = 0;
  for (const st::Hold* h : holds) {
    if (h->placed_ns() > at_ns) continue;
    if (h->released_ns() != 0 && h->released_ns() <= at_ns) continue;
    out.held = true;
    out.held_by.push_back(h->hold_id());
    if (earliest_active == 0 || h->placed_ns() < earliest_active) earliest_active = h->placed_ns();
  }
  if (out.held) out.overdue_before_hold = out.deadline < earliest_active;
  std::sort(out.held_by.begin(), out.held_by.end());
  return out;
}

RetentionLimits LimitsOf(const v1::ProcessingDetails& d) {
  RetentionLimits l;
  if (d.recording_retention_months() != 0) {
    l.recording_months = static_cast<int>(d.recording_retention_months());
    if (l.recording_months > 6 && d.recording_retention_legal_text_ref().empty()) l.recording_months = 6;
  }
  if (d.analysis_retention_months() != 0) {
    l.analysis_months = static_cast<int>(d.analysis_retention_months());
    if (l.analysis_months > 12 && d.analysis_retention_legal_text_ref().empty()) l.analysis_months = 12;
  }
  return l;
}

int64_t RequestDeadline(const st::Request& r, const Policy& p) {
  const uint32_t ext = std::min(r.extension_months(), p.dsr_extension_months);
  return AddMonthsNs(r.received_ns(), static_cast<int>(p.dsr_deadline_months + ext));
}

std::string FormatNs(int64_t ns) {
  // RFC 3339 to the second, by the formatter the report uses (FormatTime).
  return FormatTime(std::chrono::floor<std::chrono::seconds>(FromNs(ns)));
}

std::string FormatDuration(int64_t ns) {
  if (ns < 0) ns = -ns;
  const int64_t s = ns / 1000000000LL;
  if (s >= 86400) return std::to_string(s / 86400) + "d " + std::to_string((s % 86400) / 3600) + "h";
  if (s >= 3600) return std::to_string(s / 3600) + "h " + std::to_string((s % 3600) / 60) + "m";
  if (s >= 60) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

namespace {


// What the plan and the verdicts need from the records, copied under one shared lock.
struct RecordsSnapshot {
  std::shared_ptr<const std::vector<st::Hold>> holds;
  std::vector<st::Request> requests;
  std::unordered_map<std::string, std::vector<const st::Request*>> purge_requests_by_ref;
};

bool PurgeRequest(const st::Request& r) {
  return r.kind() == v1::REQUEST_KIND_ERASURE || r.kind() == v1::REQUEST_KIND_OBJECTION;
}

bool Refused(const st::Request& r, int64_t at_ns) {
  return r.fulfilled_ns() != 0 && r.fulfilled_ns() <= at_ns && r.outcome() == v1::REQUEST_OUTCOME_REFUSED;
}

bool RequestCoversCall(const st::Request& r, const std::string& call_id) {
  return r.call_ids().empty() || std::find(r.call_ids().begin(), r.call_ids().end(), call_id) != r.call_ids().end();
}

// One purge obligation on a target: the rule, why, and its deadline.
struct Obligation {
  const char* rule;
  v1::PurgeReason reason;
  std::string cause_ref;
  int64_t deadline;
  uint64_t position;
};

}  // namespace

bool Overridden(const google::protobuf::RepeatedPtrField<st::Override>& overrides, const std::string& cause,
                const std::string& artefact_id, int64_t at_ns) {
  for (const auto& o : overrides) {
    if (o.ns() > at_ns) continue;
    if (!o.artefact_id().empty() && o.artefact_id() != artefact_id) continue;
    if (!o.cause_ref().empty() && o.cause_ref() != cause) continue;
    if (o.keep_until_ns() != 0 && o.keep_until_ns() < at_ns) continue;
    return true;
  }
  return false;
}

// Everything the plan and the recording verdicts compute for one call. `fn` receives each copy
// with its earliest obligation (after holds) and its retention deadline.
struct CopyObligation {
  const st::Recording* recording;
  const st::Copy* copy;
  Obligation governing;       // earliest deadline
  HeldDeadline held;          // for `governing`
  int64_t retention_deadline; // LC-RET-1, after holds
  HeldDeadline retention_held;
};

namespace {

// The review period of a hold (LC-RET-3). A hold names no registration: with a single
// registration its policy at the hold's placement applies (hold_review_days); with several, the
// RULES.md default.
int64_t HoldReviewNs(const st::Hold& h, const LimitsTable& limits) {
  const Policy p = limits.by_registration.size() == 1
                       ? limits.PolicyAt(limits.by_registration.begin()->first, h.placed_ns())
                       : Policy::Defaults();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(p.hold_review).count();
}

// The obligation that falls due first once holds are applied, among those `skip` keeps. The
// retention obligation is never skipped, so there is always one.
struct Governing {
  const Obligation* obligation = nullptr;
  HeldDeadline held;
};
template <typename Skip>
Governing Earliest(const std::vector<Obligation>& obligations, const std::vector<const st::Hold*>& holds,
                   int64_t at_ns, int64_t grace_ns, Skip&& skip) {
  Governing g;
  for (const auto& ob : obligations) {
    if (skip(ob)) continue;
    HeldDeadline hd = ApplyHolds(ob.deadline, holds, at_ns, grace_ns);
    if (g.obligation == nullptr || hd.deadline < g.held.deadline) {
      g.obligation = &ob;
      g.held = std::move(hd);
    }
  }
  return g;
}

template <typename Fn>
void ForEachCopyObligation(const st::Call& c, int64_t at_ns, const LimitsTable& limits, const RecordsSnapshot& rs,
                           Fn&& fn) {
  if (c.recordings().empty()) return;
  const Policy policy = limits.PolicyAt(c.registration_id(), c.started_ns());
  const int64_t grace_ns = HoldReleaseGraceNs(policy);
  const int64_t purge_obj = c.policy().purge_after_objection_ns() ? c.policy().purge_after_objection_ns()
                                                                   : 24 * kNsPerHour;
  const int64_t purge_priv = c.policy().purge_after_private_ns() ? c.policy().purge_after_private_ns()
                                                                  : 24 * kNsPerHour;
  HoldKeys keys = CallHoldKeys(c);
  std::vector<const st::Request*> requests;
  for (const auto& ref : keys.refs) {
    auto it = rs.purge_requests_by_ref.find(ref);
    if (it == rs.purge_requests_by_ref.end()) continue;
    for (const st::Request* r : it->second) {
      if (r->received_ns() <= at_ns && !Refused(*r, at_ns) && RequestCoversCall(*r, c.call_id())) requests.push_back(r);
    }
  }
  for (const auto& r : c.recordings()) {
    if (r.started_ns() > at_ns) continue;
    keys.recording_id = r.recording_id();
    const std::vector<const st::Hold*> holds = CoveringHolds(*rs.holds, keys);
    const RetentionLimits lim = limits.LimitsAt(c.registration_id(), r.started_ns());
    std::vector<Obligation> obligations;
    const int64_t retention = AddMonthsNs(r.started_ns(), lim.recording_months);
    obligations.push_back({"LC-RET-1", v1::PURGE_REASON_RETENTION, "", retention, r.started_position()});
    for (const auto& p : c.private_flags()) {
      if (p.ns() > at_ns) continue;
      obligations.push_back({p.mandate_related() ? "LC-AGT-3" : "LC-PRIV-1", v1::PURGE_REASON_PRIVATE_CALL,
                             c.call_id(), p.ns() + purge_priv, p.position()});
    }
    for (const auto& o : c.objections()) {
      if (o.raised_ns() > at_ns || o.call_id() != c.call_id() || r.started_ns() > o.raised_ns()) continue;
      const int64_t deadline = o.raised_ns() + purge_obj;
      if (o.withdrawn_ns() != 0 && o.withdrawn_ns() <= at_ns && o.withdrawn_ns() <= deadline) continue;
      obligations.push_back({"LC-OBJ-4", v1::PURGE_REASON_OBJECTION, o.objection_id(), deadline, o.raised_position()});
    }
    for (const st::Request* q : requests) {
      obligations.push_back({"LC-DSR-2",
                             q->kind() == v1::REQUEST_KIND_ERASURE ? v1::PURGE_REASON_ERASURE_REQUEST
                                                                   : v1::PURGE_REASON_OBJECTION_REQUEST,
                             q->request_id(), RequestDeadline(*q, policy), q->received_position()});
    }
    const HeldDeadline retention_held = ApplyHolds(retention, holds, at_ns, grace_ns);
    for (const auto& cp : r.copies()) {
      if (cp.stored_ns() > at_ns) continue;
      Governing g = Earliest(obligations, holds, at_ns, grace_ns, [&](const Obligation& ob) {
        return ob.reason != v1::PURGE_REASON_RETENTION && Overridden(r.overrides(), ob.cause_ref, cp.artefact_id(), at_ns);
      });
      fn(CopyObligation{&r, &cp, *g.obligation, std::move(g.held), retention_held.deadline, retention_held});
    }
  }
}

PurgeState StateOf(bool purged, bool receipt, const HeldDeadline& hd, int64_t at_ns, int64_t horizon_ns,
                   bool immediate) {
  if (purged && receipt) return PurgeState::kDone;
  if (purged) return PurgeState::kAwaitingReceipt;
  if (hd.held) return PurgeState::kHeld;
  if (at_ns > hd.deadline) return PurgeState::kOverdue;
  if (immediate || at_ns + horizon_ns >= hd.deadline) return PurgeState::kDue;
  return PurgeState::kScheduled;
}

int StateRank(PurgeState s) {
  switch (s) {
    case PurgeState::kOverdue: return 0;
    case PurgeState::kDue: return 1;
    case PurgeState::kAwaitingReceipt: return 2;
    case PurgeState::kHeld: return 3;
    case PurgeState::kScheduled: return 4;
    case PurgeState::kDone: return 5;
  }
  return 6;
}

}  // namespace

// ---- Engine: snapshots -------------------------------------------------------------------------

namespace {

}  // namespace

LimitsTable BuildLimits(const std::unordered_map<std::string, st::Registration>& regs) {
  LimitsTable t;
  for (const auto& [id, r] : regs) {
    auto& v = t.by_registration[id];
    for (const auto& ver : r.versions()) {
      v.push_back({ver.valid_from_ns(), LimitsOf(ver.details()), Policy::ForRegistration(ver.details())});
    }
  }
  return t;
}

RetentionPlan ComplianceEngine::PlanRetention(TimePoint at, const PlanOptions& options) const {
  const int64_t at_ns = ToNs(at);
  const int64_t horizon_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options.horizon).count();
  RetentionPlan plan;
  plan.at = at;
  plan.position = position();
  const LimitsTable limits = Limits();
  RecordsSnapshot rs;
  std::vector<st::Document> documents;
  {
    std::shared_lock<std::shared_mutex> lock(records_mu_);
    rs.holds = holds_snapshot_;
    for (const auto& [id, q] : requests_) rs.requests.push_back(q);
    for (const auto& [id, d] : documents_) {
      if (d.created_ns() <= at_ns) documents.push_back(d);
    }
  }
  for (const auto& q : rs.requests) {
    if (PurgeRequest(q)) rs.purge_requests_by_ref[q.subject_ref()].push_back(&q);
  }
  auto count = [&](PurgeState s) {
    switch (s) {
      case PurgeState::kOverdue: ++plan.overdue; break;
      case PurgeState::kDue: ++plan.due; break;
      case PurgeState::kAwaitingReceipt: ++plan.awaiting_receipt; break;
      case PurgeState::kHeld: ++plan.held; break;
      case PurgeState::kScheduled: ++plan.scheduled; break;
      case PurgeState::kDone: ++plan.done; break;
    }
  };
  auto keep = [&](PurgeState s) {
    if (s == PurgeState::kDone) return options.include_done;
    if (s == PurgeState::kScheduled) return options.include_scheduled;
    return true;
  };
  std::map<std::string, uint64_t> held_per_hold;
  for (size_t i = 0; i < kCallShards; ++i) {
    std::shared_lock<std::shared_mutex> lock(call_shards_[i].mu);
    for (const auto& [id, c] : call_shards_[i].calls) {
      const auto& call = c;  // clang 14 cannot capture a structured binding in a lambda
      plan.recordings += static_cast<uint64_t>(c.recordings_size());
      ForEachCopyObligation(c, at_ns, limits, rs, [&](const CopyObligation& co) {
        const st::Copy& cp = *co.copy;
        const bool purged = cp.purged_position() != 0 && cp.purged_ns() <= at_ns;
        const bool immediate = co.governing.reason != v1::PURGE_REASON_RETENTION;
        const PurgeState state = StateOf(purged, cp.receipt(), co.held, at_ns, horizon_ns, immediate);
        count(state);
        if (state == PurgeState::kHeld) {
          for (const auto& h : co.held.held_by) ++held_per_hold[h];
        }
        if (!keep(state)) return;
        PurgeItem item;
        item.target = cp.artefact_id().empty() ? PurgeTarget::kRecordingCopy : PurgeTarget::kArtefactCopy;
        item.recording_id = co.recording->recording_id();
        item.artefact_id = cp.artefact_id();
        item.copy_id = cp.copy_id();
        item.call_id = call.call_id();
        item.agent_ref = call.agent_ref();
        item.storage_ref = cp.storage_ref();
        item.content_hash_hex = ToHex(cp.content_hash());
        item.rule_id = co.governing.rule;
        item.reason = co.governing.reason;
        item.cause_ref = co.governing.cause_ref;
        item.collected = FromNs(co.recording->started_ns());
        item.due = FromNs(co.held.deadline);
        item.state = state;
        if (at_ns > co.held.deadline && (state == PurgeState::kOverdue || state == PurgeState::kAwaitingReceipt ||
                                         (state == PurgeState::kHeld && co.held.overdue_before_hold))) {
          item.overdue_by = std::chrono::nanoseconds(at_ns - co.held.deadline);
        }
        item.held_by = co.held.held_by;
        item.evidence_position = co.governing.position;
        plan.items.push_back(std::move(item));
      });
    }
  }
  // Documents: LC-RET-2, and LC-DSR-2 for an agent's erasure or objection request.
  for (const auto& d : documents) {
    ++plan.documents;
    std::vector<Obligation> obligations;
    const RetentionLimits lim = limits.LimitsAt(d.registration_id(), d.created_ns());
    obligations.push_back({"LC-RET-2", v1::PURGE_REASON_RETENTION, "", AddMonthsNs(d.created_ns(), lim.analysis_months),
                           d.created_position()});
    if (auto it = rs.purge_requests_by_ref.find(d.agent_ref()); it != rs.purge_requests_by_ref.end()) {
      for (const st::Request* q : it->second) {
        if (q->received_ns() > at_ns || Refused(*q, at_ns)) continue;
        bool in_scope = q->call_ids().empty();
        for (const auto& c : d.call_ids()) in_scope = in_scope || RequestCoversCall(*q, c);
        if (!in_scope || Overridden(d.overrides(), q->request_id(), "", at_ns)) continue;
        obligations.push_back({"LC-DSR-2",
                               q->kind() == v1::REQUEST_KIND_ERASURE ? v1::PURGE_REASON_ERASURE_REQUEST
                                                                     : v1::PURGE_REASON_OBJECTION_REQUEST,
                               q->request_id(), RequestDeadline(*q, limits.PolicyAt(d.registration_id(), d.created_ns())),
                               q->received_position()});
      }
    }
    const std::vector<const st::Hold*> holds = CoveringHolds(*rs.holds, DocumentHoldKeys(d));
    const int64_t grace = HoldReleaseGraceNs(limits.PolicyAt(d.registration_id(), d.created_ns()));
    const Governing g = Earliest(obligations, holds, at_ns, grace, [](const Obligation&) { return false; });
    const Obligation* best = g.obligation;
    const HeldDeadline& best_held = g.held;
    const bool purged = d.purged_position() != 0 && d.purged_ns() <= at_ns;
    const bool immediate = best->reason != v1::PURGE_REASON_RETENTION;
    const PurgeState state = StateOf(purged, d.receipt(), best_held, at_ns, horizon_ns, immediate);
    count(state);
    if (state == PurgeState::kHeld) {
      for (const auto& h : best_held.held_by) ++held_per_hold[h];
    }
    if (!keep(state)) continue;
    PurgeItem item;
    item.target = PurgeTarget::kDocument;
    item.document_id = d.document_id();
    if (!d.call_ids().empty()) item.call_id = d.call_ids(0);
    item.agent_ref = d.agent_ref();
    item.storage_ref = d.storage_ref();
    item.content_hash_hex = ToHex(d.content_hash());
    item.rule_id = best->rule;
    item.reason = best->reason;
    item.cause_ref = best->cause_ref;
    item.collected = FromNs(d.created_ns());
    item.due = FromNs(best_held.deadline);
    item.state = state;
    if (at_ns > best_held.deadline && (state == PurgeState::kOverdue || state == PurgeState::kAwaitingReceipt ||
                                       (state == PurgeState::kHeld && best_held.overdue_before_hold))) {
      item.overdue_by = std::chrono::nanoseconds(at_ns - best_held.deadline);
    }
    item.held_by = best_held.held_by;
    item.evidence_position = best->position;
    plan.items.push_back(std::move(item));
  }
  std::sort(plan.items.begin(), plan.items.end(), [](const PurgeItem& a, const PurgeItem& b) {
    if (StateRank(a.state) != StateRank(b.state)) return StateRank(a.state) < StateRank(b.state);
    if (a.due != b.due) return a.due < b.due;
    if (a.recording_id != b.recording_id) return a.recording_id < b.recording_id;
    if (a.artefact_id != b.artefact_id) return a.artefact_id < b.artefact_id;
    if (a.copy_id != b.copy_id) return a.copy_id < b.copy_id;
    return a.document_id < b.document_id;
  });
  for (const auto& h : *rs.holds) {
    if (h.placed_ns() > at_ns) continue;
    const int64_t review_ns = HoldReviewNs(h, limits);
    HoldStatus hs;
    hs.hold_id = h.hold_id();
    hs.case_reference = h.case_reference();
    hs.owner_ref = h.owner_ref();
    hs.reason = h.reason();
    hs.placed = FromNs(h.placed_ns());
    hs.active = h.released_ns() == 0 || h.released_ns() > at_ns;
    if (!hs.active) hs.released = FromNs(h.released_ns());
    int64_t last = h.placed_ns();
    for (const auto& r : h.reviews()) {
      if (r.ns() <= at_ns) last = std::max(last, r.ns());
    }
    hs.review_due = FromNs(last + review_ns);
    hs.review_overdue = hs.active && at_ns > last + review_ns;
    hs.items_held = held_per_hold[h.hold_id()];
    plan.holds.push_back(std::move(hs));
  }
  return plan;
}

// ---- Verdicts on records ----------------------------------------------------------------------

// LC-EVAL-1 for one document: the method version was published, and shown to the agent, before
// the document applied it.
RuleVerdict Eval1(const st::Document& d, const std::map<std::string, st::Method>& methods, const st::Agent* agent) {
  Acc acc;
  if (d.method_id().empty()) {
    if (d.kind() == v1::ANALYSIS_DOCUMENT_KIND_GRID) {
      acc.Add(Verdict::kViolated, "evaluation grid " + d.document_id() + " names no evaluation method",
              {d.created_position()});
    }
    return acc.Take("LC-EVAL-1");
  }
  const std::string what = "method " + d.method_id() + " v" + std::to_string(d.method_version());
  const st::MethodVersion* published = nullptr;
  if (auto it = methods.find(d.method_id()); it != methods.end()) {
    for (const auto& v : it->second.versions()) {
      if (v.version() == d.method_version()) published = &v;
    }
  }
  if (published == nullptr || published->published_ns() > d.created_ns()) {
    acc.Add(Verdict::kViolated, what + " was not published before document " + d.document_id(),
            {d.created_position(), published ? published->position() : 0});
    return acc.Take("LC-EVAL-1");
  }
  uint64_t shown = 0;
  if (agent != nullptr) {
    for (const auto& inf : agent->informed()) {
      // A version of 0 in AgentInformed shows the method as published at that time.
      if (inf.evaluation_method_id() == d.method_id() &&
          (inf.evaluation_method_version() == d.method_version() || inf.evaluation_method_version() == 0) &&
          inf.ns() <= d.created_ns()) {
        shown = inf.position();
      }
    }
  }
  if (shown == 0) {
    acc.Add(Verdict::kViolated, what + " was not shown to agent " + d.agent_ref() + " before document " + d.document_id(),
            {d.created_position()});
  } else {
    acc.Ok(what + " published and shown to the agent before it was applied");
  }
  return acc.Take("LC-EVAL-1");
}

namespace {

RuleVerdict Data2(const st::Document& d, const Policy& p) {
  Acc acc;
  for (int i = 0; i < d.disallowed_categories_size(); ++i) {
    acc.Add(Verdict::kViolated,
            "holds " + v1::DataCategory_Name(static_cast<v1::DataCategory>(d.disallowed_categories(i))) +
                ", outside the allowed categories",
            {d.disallowed_positions(i)});
  }
  if (d.free_text_chars() > p.analysis_free_text_max_chars) {
    acc.Add(Verdict::kViolated,
            "free text of " + std::to_string(d.free_text_chars()) + " characters exceeds " +
                std::to_string(p.analysis_free_text_max_chars),
            {d.created_position()});
  } else if (d.free_text_chars() > 0 && !d.free_text_flagged()) {
    acc.Add(Verdict::kViolated, "free text is not flagged as free text", {d.created_position()});
  } else {
    acc.Ok("only identifiers, call data and criteria codes; free text bounded and flagged");
  }
  return acc.Take("LC-DATA-2");
}

// One purge target against `deadline` (after holds): into `ret` whether it was purged in time
// (LC-RET-1/2), into `ret4` whether every purge has its receipt (LC-RET-4). Either may be null.
void JudgePurge(const std::string& what, int64_t deadline, const HeldDeadline& held, bool purged,
                int64_t purged_ns, bool receipt, uint64_t purged_position, uint64_t origin, int64_t at_ns,
                Acc* ret, Acc* ret4) {
  Acc unused;
  if (ret == nullptr) ret = &unused;
  if (ret4 == nullptr) ret4 = &unused;
  if (purged) {
    if (purged_ns <= deadline) ret->Ok(what + " purged on time");
    else ret->Add(Verdict::kViolated, what + " purged " + FormatDuration(purged_ns - deadline) + " late", {origin, purged_position});
    if (receipt) ret4->Ok("every copy purged with a receipt");
    else if (at_ns > deadline) ret4->Add(Verdict::kViolated, what + " purged without a receipt", {purged_position});
    else ret4->Add(Verdict::kPending, what + " purged, receipt awaited", {purged_position});
    return;
  }
  if (held.held && !held.overdue_before_hold) {
    ret->Add(Verdict::kPending, what + " held by a legal hold", {origin});
    return;
  }
  if (at_ns > deadline) {
    ret->Add(Verdict::kViolated, what + " not purged, overdue by " + FormatDuration(at_ns - deadline) +
                                     " (due " + FormatNs(deadline) + ")", {origin});
    ret4->Add(Verdict::kViolated, what + " has no purge receipt past its deadline", {origin});
  } else {
    ret->Add(Verdict::kPending, what + " due by " + FormatNs(deadline), {origin});
  }
}

}  // namespace

void ComplianceEngine::ForEachRecordVerdicts(TimePoint at, RecordKind kind,
                                             const std::function<bool(const RecordVerdicts&)>& fn) const {
  const int64_t at_ns = ToNs(at);
  const LimitsTable limits = Limits();
  RecordsSnapshot rs;
  std::map<std::string, st::Document> documents;
  std::map<std::string, st::Answer> answers;
  std::map<std::string, st::Decision> decisions;
  std::map<std::string, st::Method> methods;
  {
    std::shared_lock<std::shared_mutex> lock(records_mu_);
    rs.holds = holds_snapshot_;
    for (const auto& [id, q] : requests_) rs.requests.push_back(q);
    if (kind == RecordKind::kDocument || kind == RecordKind::kDecision || kind == RecordKind::kRequest) documents = documents_;
    if (kind == RecordKind::kAnswer) answers = answers_;
    if (kind == RecordKind::kDecision) decisions = decisions_;
    if (kind == RecordKind::kDocument || kind == RecordKind::kRequest) methods = methods_;
  }
  for (const auto& q : rs.requests) {
    if (PurgeRequest(q)) rs.purge_requests_by_ref[q.subject_ref()].push_back(&q);
  }

  switch (kind) {
    case RecordKind::kRecording: {
      std::vector<RecordVerdicts> out;
      for (size_t i = 0; i < kCallShards; ++i) {
        std::shared_lock<std::shared_mutex> lock(call_shards_[i].mu);
        for (const auto& [id, c] : call_shards_[i].calls) {
          std::map<std::string, std::pair<Acc, Acc>> per_recording;
          ForEachCopyObligation(c, at_ns, limits, rs, [&](const CopyObligation& co) {
            auto& [ret1, ret4] = per_recording[co.recording->recording_id()];
            const st::Copy& cp = *co.copy;
            const bool purged = cp.purged_position() != 0 && cp.purged_ns() <= at_ns;
            const std::string what = "copy " + cp.copy_id() + (cp.artefact_id().empty() ? "" : " of artefact " + cp.artefact_id());
            // LC-RET-1 against the retention deadline; LC-RET-4 against the first obligation.
            JudgePurge(what, co.retention_deadline, co.retention_held, purged, cp.purged_ns(), cp.receipt(),
                       cp.purged_position(), cp.stored_position(), at_ns, &ret1, nullptr);
            JudgePurge(what, co.held.deadline, co.held, purged, cp.purged_ns(), cp.receipt(), cp.purged_position(),
                       cp.stored_position(), at_ns, nullptr, &ret4);
          });
          for (const auto& r : c.recordings()) {
            if (r.started_ns() > at_ns) continue;
            RecordVerdicts v;
            v.kind = RecordKind::kRecording;
            v.id = r.recording_id();
            v.call_id = c.call_id();
            v.agent_ref = c.agent_ref();
            v.time = FromNs(r.started_ns());
            v.deadline = FromNs(AddMonthsNs(r.started_ns(), limits.LimitsAt(c.registration_id(), r.started_ns()).recording_months));
            auto it = per_recording.find(r.recording_id());
            if (it == per_recording.end()) {
              v.rules.push_back({"LC-RET-1", Verdict::kOk, "no stored copy to purge", {}});
              v.rules.push_back({"LC-RET-4", Verdict::kNotApplicable, "no stored copy", {}});
            } else {
              v.rules.push_back(it->second.first.Take("LC-RET-1"));
              v.rules.push_back(it->second.second.Take("LC-RET-4"));
            }
            out.push_back(std::move(v));
          }
        }
      }
      std::sort(out.begin(), out.end(), [](const RecordVerdicts& a, const RecordVerdicts& b) { return a.id < b.id; });
      for (const auto& v : out) {
        if (!fn(v)) return;
      }
      return;
    }
    case RecordKind::kDocument: {
      for (const auto& [id, d] : documents) {
        if (d.created_ns() > at_ns) continue;
        st::Agent agent;
        bool has_agent = false;
        {
          AgentShard& sh = ShardOfAgent(d.agent_ref());
          std::shared_lock<std::shared_mutex> lock(sh.mu);
          if (auto it = sh.agents.find(d.agent_ref()); it != sh.agents.end()) {
            agent = it->second;
            has_agent = true;
          }
        }
        const Policy policy = limits.PolicyAt(d.registration_id(), d.created_ns());
        const int64_t deadline = AddMonthsNs(d.created_ns(), limits.LimitsAt(d.registration_id(), d.created_ns()).analysis_months);
        const HeldDeadline hd = ApplyHolds(deadline, CoveringHolds(*rs.holds, DocumentHoldKeys(d)), at_ns,
                                           HoldReleaseGraceNs(policy));
        const bool purged = d.purged_position() != 0 && d.purged_ns() <= at_ns;
        Acc ret2, ret4;
        JudgePurge("document " + d.document_id(), hd.deadline, hd, purged, d.purged_ns(), d.receipt(),
                   d.purged_position(), d.created_position(), at_ns, &ret2, &ret4);
        RecordVerdicts v;
        v.kind = RecordKind::kDocument;
        v.id = d.document_id();
        if (!d.call_ids().empty()) v.call_id = d.call_ids(0);
        v.agent_ref = d.agent_ref();
        v.time = FromNs(d.created_ns());
        v.deadline = FromNs(hd.deadline);
        v.rules.push_back(Data2(d, policy));
        v.rules.push_back(ret2.Take("LC-RET-2"));
        v.rules.push_back(ret4.Take("LC-RET-4"));
        v.rules.push_back(Eval1(d, methods, has_agent ? &agent : nullptr));
        if (!fn(v)) return;
      }
      return;
    }
    case RecordKind::kHold: {
      for (const auto& h : *rs.holds) {
        if (h.placed_ns() > at_ns) continue;
        const int64_t review_ns = HoldReviewNs(h, limits);
        Acc acc;
        std::vector<std::string> missing;
        if (h.reason().empty()) missing.push_back("reason");
        if (h.case_reference().empty()) missing.push_back("case reference");
        if (h.owner_ref().empty()) missing.push_back("owner");
        if (h.recording_ids().empty() && h.document_ids().empty() && h.call_ids().empty() && h.agent_refs().empty() &&
            h.subject_refs().empty()) {
          missing.push_back("scope");
        }
        for (const auto& m : missing) acc.Add(Verdict::kViolated, "hold has no " + m, {h.placed_position()});
        // Review every 90 days (policy) from placement or the last review, while active.
        const int64_t end = h.released_ns() != 0 && h.released_ns() <= at_ns ? h.released_ns() : at_ns;
        int64_t last = h.placed_ns();
        uint64_t last_pos = h.placed_position();
        auto check_gap = [&](int64_t until) {
          if (until - last > review_ns) {
            acc.Add(Verdict::kViolated,
                    "not reviewed within " + std::to_string(review_ns / kNsPerDay) + " days of " + FormatNs(last) +
                        " (review was due " + FormatNs(last + review_ns) + ")",
                    {last_pos});
          }
        };
        for (const auto& r : h.reviews()) {
          if (r.ns() > end) break;
          check_gap(r.ns());
          last = r.ns();
          last_pos = r.position();
        }
        check_gap(end);
        for (uint64_t p : h.purged_while_held()) acc.Add(Verdict::kViolated, "data in scope purged while the hold was active", {p});
        acc.Ok(h.released_ns() != 0 && h.released_ns() <= at_ns ? "hold reviewed in time and released"
                                                                 : "hold scoped, reasoned and reviewed in time");
        RecordVerdicts v;
        v.kind = RecordKind::kHold;
        v.id = h.hold_id();
        v.time = FromNs(h.placed_ns());
        if (h.released_ns() == 0 || h.released_ns() > at_ns) v.deadline = FromNs(last + review_ns);
        v.rules.push_back(acc.Take("LC-RET-3"));
        if (!fn(v)) return;
      }
      return;
    }
    case RecordKind::kRequest: {
      for (const auto& q : rs.requests) {
        if (q.received_ns() > at_ns) continue;
        if (!fn(EvaluateRequest(q, at_ns, Policy::Defaults(), *rs.holds, documents))) return;
      }
      return;
    }
    case RecordKind::kAnswer: {
      for (const auto& [id, a] : answers) {
        if (a.ns() > at_ns) continue;
        RecordVerdicts v;
        v.kind = RecordKind::kAnswer;
        v.id = a.answer_id();
        v.call_id = a.call_id();
        v.agent_ref = a.agent_ref();
        v.time = FromNs(a.ns());
        RuleVerdict r{"LC-EVAL-2", Verdict::kOk, "", {}};
        const bool attributed = a.attributed_position() != 0;
        if (!attributed) {
          r.detail = "no other cause attributed: counted for the agent";
        } else if (a.attributed_by_ref().empty()) {
          r.verdict = Verdict::kViolated;
          r.detail = "cause attributed without its author";
          r.evidence = {a.attributed_position()};
        } else if (a.cause() == v1::SURVEY_CAUSE_AGENT) {
          r.detail = "attributed to the agent by " + a.attributed_by_ref() + ": counted";
        } else {
          r.detail = "attributed to " + std::string(v1::SurveyCause_Name(a.cause())) + " by " + a.attributed_by_ref() +
                     ": excluded from the agent's scores";
        }
        v.rules.push_back(std::move(r));
        if (!fn(v)) return;
      }
      return;
    }
    case RecordKind::kDecision: {
      for (const auto& [id, d] : decisions) {
        if (d.ns() > at_ns) continue;
        RecordVerdicts v;
        v.kind = RecordKind::kDecision;
        v.id = d.decision_id();
        v.agent_ref = d.agent_ref();
        v.time = FromNs(d.ns());
        v.rules.push_back(Eval3(d, documents));
        if (!fn(v)) return;
      }
      return;
    }
  }
}

static bool IsSelf(int kind) { return kind == v1::ANALYSIS_DOCUMENT_KIND_SELF_EVALUATION; }

RuleVerdict Eval3(const st::Decision& d, const std::map<std::string, st::Document>& documents) {
  Acc acc;
  size_t self = 0, known = 0, unknown = 0;
  for (const auto& id : d.document_ids()) {
    auto it = documents.find(id);
    if (it == documents.end()) {
      ++unknown;
      continue;
    }
    ++known;
    if (IsSelf(it->second.kind())) ++self;
  }
  if (d.other_inputs() == 0 && known > 0 && self == known && unknown == 0) {
    acc.Add(Verdict::kViolated, "decision " + d.decision_id() + " rests only on self-evaluations", {d.position()});
  } else if (unknown > 0 && d.other_inputs() == 0 && self == known) {
    acc.Add(Verdict::kUnverified, "decision " + d.decision_id() + " names documents absent from the log", {d.position()});
  } else {
    acc.Ok("decision rests on more than a self-evaluation");
  }
  return acc.Take("LC-EVAL-3");
}

RecordVerdicts ComplianceEngine::EvaluateRequest(const st::Request& q, int64_t at_ns, const Policy& policy,
                                                 const std::vector<st::Hold>& holds,
                                                 const std::map<std::string, st::Document>& documents) const {
  RecordVerdicts v;
  v.kind = RecordKind::kRequest;
  v.id = q.request_id();
  v.subject_ref = q.subject_ref();
  v.time = FromNs(q.received_ns());
  const int64_t deadline = RequestDeadline(q, policy);
  v.deadline = FromNs(deadline);
  const bool purge = PurgeRequest(q);
  const char* rule = purge ? "LC-DSR-2" : "LC-DSR-1";
  Acc acc;
  const bool fulfilled = q.fulfilled_position() != 0 && q.fulfilled_ns() <= at_ns;
  if (q.extension_months() > policy.dsr_extension_months) {
    acc.Add(Verdict::kViolated, "extended by " + std::to_string(q.extension_months()) + " months, more than " +
                                    std::to_string(policy.dsr_extension_months), {q.received_position()});
  }
  if (!fulfilled) {
    if (at_ns > deadline) {
      acc.Add(Verdict::kViolated, "unanswered, overdue by " + FormatDuration(at_ns - deadline) + " (due " + FormatNs(deadline) + ")",
              {q.received_position()});
    } else {
      acc.Add(Verdict::kPending, "to answer by " + FormatNs(deadline), {q.received_position()});
    }
  } else if (q.fulfilled_ns() > deadline) {
    acc.Add(Verdict::kViolated, "answered " + FormatDuration(q.fulfilled_ns() - deadline) + " late",
            {q.received_position(), q.fulfilled_position()});
  }
  const bool refused = fulfilled && (q.outcome() == v1::REQUEST_OUTCOME_REFUSED);
  if (fulfilled && (q.outcome() == v1::REQUEST_OUTCOME_REFUSED || q.outcome() == v1::REQUEST_OUTCOME_PARTIALLY_GRANTED) &&
      !q.refusal_ground()) {
    acc.Add(Verdict::kViolated, "refused or partly granted without a ground", {q.fulfilled_position()});
  }
  // The subject's data in scope.
  std::vector<std::string> calls;
  {
    std::shared_lock<std::shared_mutex> lock(records_mu_);
    if (auto it = subject_calls_.find(q.subject_ref()); it != subject_calls_.end()) calls = it->second;
  }
  std::sort(calls.begin(), calls.end());
  std::vector<std::pair<std::string, const st::Document*>> docs;
  if (q.subject_kind() == v1::PARTY_AGENT) {
    for (const auto& [id, d] : documents) {
      if (d.agent_ref() == q.subject_ref() && d.created_ns() <= q.received_ns()) docs.emplace_back(id, &d);
    }
  }
  if (fulfilled && !refused && !purge) {
    // LC-DSR-1: the answer holds the recordings, the access log and (agents) the documents with
    // their codes explained.
    std::vector<std::string> missing;
    for (const auto& call_id : calls) {
      if (!RequestCoversCall(q, call_id)) continue;
      CallShard& sh = ShardOfCall(call_id);
      std::shared_lock<std::shared_mutex> lock(sh.mu);
      auto it = sh.calls.find(call_id);
      if (it == sh.calls.end()) continue;
      for (const auto& r : it->second.recordings()) {
        if (r.started_ns() > q.received_ns()) continue;
        bool gone = !r.copies().empty();
        for (const auto& cp : r.copies()) gone = gone && cp.purged_position() != 0 && cp.purged_ns() <= q.fulfilled_ns();
        if (gone) continue;
        if (std::find(q.answered_recording_ids().begin(), q.answered_recording_ids().end(), r.recording_id()) ==
            q.answered_recording_ids().end()) {
          missing.push_back("recording " + r.recording_id());
        }
      }
    }
    for (const auto& [id, d] : docs) {
      if (d->purged_position() != 0 && d->purged_ns() <= q.fulfilled_ns()) continue;
      if (std::find(q.answered_document_ids().begin(), q.answered_document_ids().end(), id) ==
          q.answered_document_ids().end()) {
        missing.push_back("analysis document " + id);
      }
    }
    if (!q.access_log_included()) missing.push_back("the access log");
    if (!docs.empty() && !q.evaluation_codes_explained()) missing.push_back("the evaluation codes explained");
    if (!missing.empty()) {
      std::string list;
      for (size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + missing[i];
      if (missing.size() > 5) list += " and " + std::to_string(missing.size() - 5) + " more";
      acc.Add(Verdict::kViolated, "answer omits " + list, {q.fulfilled_position()});
    }
  }
  if (purge && !refused) {
    // LC-DSR-2: the purges it triggers (LC-RET-4) are complete by the deadline, holds aside.
    size_t open = 0, late = 0, held = 0;
    std::vector<uint64_t> evidence;
    for (const auto& call_id : calls) {
      if (!RequestCoversCall(q, call_id)) continue;
      CallShard& sh = ShardOfCall(call_id);
      std::shared_lock<std::shared_mutex> lock(sh.mu);
      auto it = sh.calls.find(call_id);
      if (it == sh.calls.end()) continue;
      const st::Call& c = it->second;
      HoldKeys keys = CallHoldKeys(c);
      for (const auto& r : c.recordings()) {
        if (r.started_ns() > at_ns) continue;
        keys.recording_id = r.recording_id();
        const HeldDeadline hd = ApplyHolds(deadline, CoveringHolds(holds, keys), at_ns, HoldReleaseGraceNs(c));
        for (const auto& cp : r.copies()) {
          if (Overridden(r.overrides(), q.request_id(), cp.artefact_id(), at_ns)) continue;
          const bool done = cp.purged_position() != 0 && cp.purged_ns() <= at_ns && cp.receipt();
          if (done && cp.purged_ns() <= hd.deadline) continue;
          if (done) {
            ++late;
            evidence.push_back(cp.purged_position());
          } else if (hd.held && !hd.overdue_before_hold) {
            ++held;
          } else {
            ++open;
            if (at_ns > hd.deadline) evidence.push_back(cp.stored_position());
          }
        }
      }
    }
    for (const auto& [id, d] : docs) {
      if (Overridden(d->overrides(), q.request_id(), "", at_ns)) continue;
      const bool done = d->purged_position() != 0 && d->purged_ns() <= at_ns && d->receipt();
      if (done && d->purged_ns() <= deadline) continue;
      if (done) {
        ++late;
        evidence.push_back(d->purged_position());
      } else {
        ++open;
        if (at_ns > deadline) evidence.push_back(d->created_position());
      }
    }
    if (late > 0) acc.Add(Verdict::kViolated, std::to_string(late) + " purge(s) completed after the deadline", evidence);
    if (open > 0) {
      if (at_ns > deadline) {
        acc.Add(Verdict::kViolated, std::to_string(open) + " item(s) not purged with a receipt by " + FormatNs(deadline),
                evidence);
      } else {
        acc.Add(Verdict::kPending, std::to_string(open) + " item(s) to purge by " + FormatNs(deadline), {});
      }
    }
    if (held > 0 && open == 0 && late == 0) acc.Add(Verdict::kPending, std::to_string(held) + " item(s) held by a legal hold", {});
  }
  if (fulfilled) acc.Ok(refused ? "refused with a ground, on time" : "answered on time and complete");
  v.rules.push_back(acc.Take(rule));
  return v;
}

void ComplianceEngine::AddRecordRules(const st::Agent& a, int64_t at_ns, AgentSummary* s) const {
  std::map<std::string, st::Document> documents;
  std::map<std::string, st::Method> methods;
  std::vector<st::Decision> decisions;
  uint64_t answers = 0, counted = 0, excluded = 0;
  double score_sum = 0;
  {
    std::shared_lock<std::shared_mutex> lock(records_mu_);
    for (const auto& [id, d] : documents_) {
      if (d.agent_ref() == a.agent_ref() && d.created_ns() <= at_ns) documents.emplace(id, d);
    }
    for (const auto& [id, d] : decisions_) {
      if (d.agent_ref() == a.agent_ref() && d.ns() <= at_ns) decisions.push_back(d);
    }
    for (const auto& [id, ans] : answers_) {
      if (ans.agent_ref() != a.agent_ref() || ans.ns() > at_ns) continue;
      ++answers;
      // Counted for the agent unless a cause other than the agent is attributed (with or without
      // its author: an attribution lacking one is itself a violation, judged on the answer).
      const bool elsewhere = ans.attributed_position() != 0 && ans.cause() != v1::SURVEY_CAUSE_AGENT;
      if (elsewhere) {
        ++excluded;
      } else {
        ++counted;
        if (ans.max_score() > 0) score_sum += static_cast<double>(ans.score()) / ans.max_score();
      }
    }
    if (!documents.empty()) methods = methods_;
  }
  s->survey_answers = answers;
  s->survey_answers_counted = counted;
  s->survey_answers_excluded = excluded;
  if (counted > 0) s->survey_score = score_sum / static_cast<double>(counted);
  s->analysis_documents = documents.size();
  Acc eval1;
  for (const auto& [id, d] : documents) {
    RuleVerdict r = Eval1(d, methods, &a);
    if (r.verdict == Verdict::kOk) eval1.Ok("every evaluation applied a method published and shown to the agent first");
    else eval1.Add(r.verdict, r.detail, r.evidence);
  }
  Acc eval3;
  for (const auto& d : decisions) {
    RuleVerdict r = Eval3(d, documents);
    if (r.verdict == Verdict::kOk) eval3.Ok("no decision rests on a self-evaluation alone");
    else eval3.Add(r.verdict, r.detail, r.evidence);
  }
  s->rules.push_back(eval1.Take("LC-EVAL-1"));
  s->rules.push_back(eval3.Take("LC-EVAL-3"));
}

}  // namespace internal
}  // namespace consent
