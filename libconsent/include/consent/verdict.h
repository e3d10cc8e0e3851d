// SPDX-License-Identifier: Apache-2.0
// consent::Verdict and consent::RuleVerdict — the outcome of one rule of RULES.md for one
// subject (a call, an agent, a recording, a document, a hold, a request, an answer, a decision).
//
// Thread-safety: plain values.
#ifndef CONSENT_VERDICT_H_
#define CONSENT_VERDICT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace consent {

enum class Verdict {
  kOk,             // the rule held
  kViolated,       // the log proves the rule was broken
  kUnverified,     // a needed fact is missing (e.g. the platform never acknowledged a pause)
  kNotApplicable,  // the rule does not concern this subject (e.g. notice rules, call not recorded)
  kPending,        // a deadline has not passed yet (a purge due within 24 h): no verdict yet
};

// "ok", "violated", "unverified", "not_applicable", "pending".
std::string_view VerdictName(Verdict v);

struct RuleVerdict {
  std::string rule_id;             // "LC-OBJ-1"
  Verdict verdict = Verdict::kNotApplicable;
  std::string detail;              // one sentence a DPO can read
  std::vector<uint64_t> evidence;  // positions of the events that prove the verdict
};

}  // namespace consent

#endif  // CONSENT_VERDICT_H_
