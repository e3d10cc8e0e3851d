// SPDX-License-Identifier: Apache-2.0
// consent::Policy — every number the rules use, in one place.
//
// The defaults are those of RULES.md. Values marked *policy* there are libconsent's choice, not
// legal numbers: a registration may override them (consent.v1.PolicyOverrides and
// SamplingPolicy in ProcessingDetails), and every report prints the policy it used.
//
//   consent::Policy p = consent::Policy::ForRegistration(details);   // defaults + overrides
//   std::cout << p.Describe();
//
// Thread-safety: a Policy is a plain value.

#ifndef CONSENT_POLICY_H_
#define CONSENT_POLICY_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "consent/v1/governance.pb.h"

namespace consent {

struct Policy {
  // LC-OBJ-1, LC-OBJ-2, LC-PRIV-1, LC-DATA-1: capture stops within this budget (inclusive).
  // Default: 2 s (*policy*).
  std::chrono::milliseconds pause_budget{2000};
  // LC-OBJ-4: media captured before an objection is purged within this. Default: 24 h (*policy*).
  std::chrono::hours purge_after_objection{24};
  // LC-PRIV-1: media of a private call is purged within this. Default: 24 h (*policy*).
  std::chrono::hours purge_after_private{24};
  // LC-RET-3: a legal hold is reviewed at least this often. Default: 90 days (*policy*).
  std::chrono::hours hold_review{24 * 90};
  // LC-RET-3: purges that fell due during a hold are on time within this of its release.
  // Default: 24 h.
  std::chrono::hours hold_release_grace{24};
  // LC-OBJ-5: a capability probe older than this does not count. Default: 24 h.
  std::chrono::hours probe_max_age{24};
  // LC-PROP-1: maximum recorded share of an agent's handled calls over the window, in basis
  // points (1000 = 10 %). Default: 1000 (*policy*).
  uint32_t max_share_bp = 1000;
  // LC-PROP-1: warning threshold. Default: 500 (5 %).
  uint32_t warn_share_bp = 500;
  // LC-PROP-1, LC-PROP-2: rolling window. Default: 30 days.
  std::chrono::hours sampling_window{24 * 30};
  // LC-PROP-2: minimum share of recordings used (listened to or analysed). Default: 5000 (50 %,
  // *policy*; a warning, not a violation).
  uint32_t min_use_share_bp = 5000;
  // LC-DATA-2: analysis-document free text above this many characters violates. Default: 500.
  uint32_t analysis_free_text_max_chars = 500;
  // LC-RET-1 / LC-RET-2: retention, in calendar months. Default: 6 and 12.
  uint32_t recording_retention_months = 6;
  uint32_t analysis_retention_months = 12;
  // LC-DSR-1: answer within this many calendar months, plus at most `dsr_extension_months`
  // with a logged extension. Default: 1 and 2.
  uint32_t dsr_deadline_months = 1;
  uint32_t dsr_extension_months = 2;

  // The RULES.md defaults.
  static Policy Defaults() { return Policy(); }
  // Defaults, then the registration's overrides, sampling shares and retention (the retention
  // values are taken as registered; LC-REG-3 judges whether they are lawful).
  static Policy ForRegistration(const v1::ProcessingDetails& details);

  // Multi-line, human-readable: one "name: value (default|override)" line per field.
  std::string Describe() const;
};

}  // namespace consent

#endif  // CONSENT_POLICY_H_
