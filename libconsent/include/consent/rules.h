// SPDX-License-Identifier: Apache-2.0
// The rule catalogue: every rule libconsent judges, what it says, which facts it reads, the
// verdicts it can give, what its verdicts attach to, its default numbers, and the precise
// readings that settle its edge cases. The library's rule list (RuleCatalogue() in
// compliance.h), `consentctl rules` and docs/rules.md are all drawn from this one table.
//
//   for (const consent::Rule& r : consent::Rules()) std::cout << r.id << " " << r.title << "\n";
//   std::cout << consent::FormatRules(consent::RulesFormat::kMarkdown);
//
// The table is immutable static data: safe to read from any thread.
#ifndef CONSENT_RULES_H_
#define CONSENT_RULES_H_

#include <string>
#include <string_view>
#include <vector>

#include "consent/verdict.h"

namespace consent {

struct Rule {
  std::string_view id;           // "LC-OBJ-1"
  std::string_view area;         // "Objections": the catalogue's section
  std::string_view title;        // one line, as reports print it
  std::string_view statement;    // the rule in full
  std::string_view attaches_to;  // "call", "agent", "site", "recording", "document", "hold",
                                 // "request", "answer", "decision", "gate", "store"
  std::vector<Verdict> verdicts;         // the verdicts it can give
  std::vector<std::string_view> facts;   // the event types it reads ("ObjectionRaised")
  std::string_view defaults;     // its numbers ("2 s (policy)"); "" when it has none
};

// A precise reading: how the rules read an edge case. `rules` lists the ids it settles.
struct RuleReading {
  std::string_view name;  // "Thresholds are inclusive"
  std::string_view text;
  std::vector<std::string_view> rules;
};

// Every rule, in catalogue order.
const std::vector<Rule>& Rules();
// nullptr when `id` is not a rule of the catalogue.
const Rule* FindRuleById(std::string_view id);
// Every precise reading, in catalogue order.
const std::vector<RuleReading>& RuleReadings();
// The readings that name `id`, in catalogue order.
std::vector<const RuleReading*> ReadingsFor(std::string_view id);

enum class RulesFormat {
  kMarkdown,  // the document committed as docs/rules.md
  kJson,      // {"rules": [...], "readings": [...]}, snake_case keys (consent/output.h)
};

// The whole catalogue as text. Deterministic: the same build gives the same bytes.
std::string FormatRules(RulesFormat format);

}  // namespace consent

#endif  // CONSENT_RULES_H_
