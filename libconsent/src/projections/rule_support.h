// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the rule evaluators (call_rules.cc, retention.cc, subjects.cc): verdict
// accumulation, calendar months, legal holds, request deadlines. Internal.
#ifndef CONSENT_PROJECTIONS_RULE_SUPPORT_H_
#define CONSENT_PROJECTIONS_RULE_SUPPORT_H_

#include <cstdint>
#include <map>
#include <unordered_map>
#include <string>
#include <vector>

#include "consent/policy.h"
#include "consent/retention.h"
#include "consent/verdict.h"
#include "projections/state.pb.h"

namespace consent::internal {

namespace st = consent::internal::state;

inline int Rank(Verdict v) {
  switch (v) {
    case Verdict::kViolated: return 4;
    case Verdict::kUnverified: return 3;
    case Verdict::kPending: return 2;
    case Verdict::kOk: return 1;
    case Verdict::kNotApplicable: return 0;
  }
  return 0;
}

// Accumulates the verdict of one rule from several findings: the worst wins, evidence adds up.
struct Acc {
  Verdict verdict = Verdict::kNotApplicable;
  std::string detail;
  std::vector<uint64_t> evidence;
  int findings = 0;
  void Add(Verdict v, const std::string& d, const std::vector<uint64_t>& ev) {
    if (v != Verdict::kOk && v != Verdict::kNotApplicable) ++findings;
    if (Rank(v) > Rank(verdict)) {
      verdict = v;
      detail = d;
    }
    if (v != Verdict::kOk && v != Verdict::kNotApplicable) {
      for (uint64_t e : ev) {
        if (e != 0) evidence.push_back(e);
      }
    }
  }
  void Ok(const std::string& d) {
    if (verdict == Verdict::kNotApplicable) {
      verdict = Verdict::kOk;
      detail = d;
    }
  }
  // An ok finding that carries its evidence (e.g. the overrule that allowed recording again).
  void Ok(const std::string& d, const std::vector<uint64_t>& ev) {
    if (verdict == Verdict::kNotApplicable || verdict == Verdict::kOk) {
      verdict = Verdict::kOk;
      detail = d;
      evidence.insert(evidence.end(), ev.begin(), ev.end());
    }
  }
  RuleVerdict Take(const char* rule) {
    return RuleVerdict{rule, verdict, std::move(detail), std::move(evidence)};
  }
};

inline constexpr int64_t kNsPerHour = 3600LL * 1000000000LL;
inline constexpr int64_t kNsPerDay = 24 * kNsPerHour;

// Calendar months on the UTC date, clamped (RULES.md, "Months are calendar months").
int64_t AddMonthsNs(int64_t ns, int months);

// What identifies a purge target for hold scopes: the recording or document, its calls, and the
// people those calls and documents concern.
struct HoldKeys {
  std::string recording_id;
  std::string document_id;
  std::vector<std::string> call_ids;
  std::vector<std::string> refs;  // callers' subject refs and agent refs
};
bool HoldCovers(const st::Hold& h, const HoldKeys& k);
// The keys of a call's media (call id, callers' subject refs, agents; recording_id left for the
// caller to set) and of an analysis document (document id, its calls, its agent).
HoldKeys CallHoldKeys(const st::Call& c);
HoldKeys DocumentHoldKeys(const st::Document& d);
// The holds of `holds` that cover `k`.
std::vector<const st::Hold*> CoveringHolds(const std::vector<st::Hold>& holds, const HoldKeys& k);

// The deadline after legal holds, and whether a hold in force suspends the purge at `at_ns`.
struct HeldDeadline {
  int64_t deadline = 0;
  bool held = false;                  // a covering hold is in force at at_ns
  bool overdue_before_hold = false;   // the deadline had passed before the hold in force began
  std::vector<std::string> held_by;   // holds in force
  std::vector<std::string> extended_by;  // released holds that moved the deadline
};
// `holds` are those covering the target. A purge whose deadline fell during a hold released at R
// is due at R + grace (RULES.md, "Legal hold release"); holds placed after `at_ns` are ignored.
HeldDeadline ApplyHolds(int64_t deadline, const std::vector<const st::Hold*>& holds, int64_t at_ns,
                        int64_t grace_ns);

// Purges that fell due during a hold are due this long after its release (RULES.md): the
// policy of the registration the purged data was collected under (hold_release_purge_hours).
inline int64_t HoldReleaseGraceNs(const Policy& p) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(p.hold_release_grace).count();
}
inline int64_t HoldReleaseGraceNs(const st::Call& c) {
  return c.policy().hold_release_grace_ns() ? c.policy().hold_release_grace_ns() : 24 * kNsPerHour;
}

// Whether an override (RetentionOverridden) in force at at_ns keeps `artefact_id`'s copy (empty:
// the recording's own) from the purge caused by `cause` (an override without cause keeps it from
// every purge but retention).
bool Overridden(const google::protobuf::RepeatedPtrField<st::Override>& overrides, const std::string& cause,
                const std::string& artefact_id, int64_t at_ns);

// Effective retention limits of a registration version: the registered months, capped at the
// legal 6/12 months unless a legal-text reference allows more (RULES.md "Retention limit").
struct RetentionLimits {
  int recording_months = 6;
  int analysis_months = 12;
};
RetentionLimits LimitsOf(const consent::v1::ProcessingDetails& d);

// Retention limits per registration version, resolved once per evaluation.
struct LimitsTable {
  struct Entry {
    int64_t valid_from_ns;
    RetentionLimits limits;
    Policy policy;
  };
  std::unordered_map<std::string, std::vector<Entry>> by_registration;
  const Entry* At(const std::string& reg, int64_t ns) const {
    auto it = by_registration.find(reg);
    if (it == by_registration.end() || it->second.empty()) return nullptr;
    const Entry* best = &it->second.front();
    for (const auto& e : it->second) {
      if (e.valid_from_ns <= ns) best = &e;
    }
    return best;
  }
  RetentionLimits LimitsAt(const std::string& reg, int64_t ns) const {
    const Entry* e = At(reg, ns);
    return e ? e->limits : RetentionLimits{};
  }
  Policy PolicyAt(const std::string& reg, int64_t ns) const {
    const Entry* e = At(reg, ns);
    return e ? e->policy : Policy::Defaults();
  }
};

LimitsTable BuildLimits(const std::unordered_map<std::string, st::Registration>& regs);

// Deadline of a subject request: received + 1 month + logged extensions (at most 2 months).
int64_t RequestDeadline(const st::Request& r, const Policy& p);

// LC-EVAL-1 for one document (agent: the evaluated agent's state, nullptr when unknown) and
// LC-EVAL-3 for one decision (documents: at least the agent's).
RuleVerdict Eval1(const st::Document& d, const std::map<std::string, st::Method>& methods, const st::Agent* agent);
RuleVerdict Eval3(const st::Decision& d, const std::map<std::string, st::Document>& documents);

std::string FormatNs(int64_t ns);           // "2026-03-01T10:00:00Z"
std::string FormatDuration(int64_t ns);     // "3d 4h", "12m", "40s"

}  // namespace consent::internal

#endif  // CONSENT_PROJECTIONS_RULE_SUPPORT_H_
