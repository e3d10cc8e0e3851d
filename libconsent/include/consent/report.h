// SPDX-License-Identifier: Apache-2.0
// consent::AuditReport — what a DPO or a staff committee reads about a period of call recording.
//
// BuildReport() reads the compliance projections (consent/compliance.h) — and, when given the
// store, a few figures the projections do not keep — and aggregates them: the period, the store
// position the verdicts reflect, the policy in force, totals (calls, recorded calls, recordings,
// private calls, objections with their pause latencies), every rule with its verdict counts and
// example calls with the positions of the events that prove them, the agents over the sampling
// share, refused and unlawful accesses, and the registrations. FormatReport() prints it as an
// aligned table, one JSON object, or CSV (one row per rule).
//
//   auto store = consent::EventStore::Open({}, "./consent-data");
//   auto compliance = consent::Compliance::Open(store->get());
//   if (auto n = (*compliance)->CatchUp(); !n.ok()) return fail(n.status());
//   consent::AuditReport report = consent::BuildReport(**compliance, **store, {});
//   std::cout << consent::FormatReport(report, consent::ReportFormat::kTable);
//
// A report is a plain value: build it once, print it in several formats, read it from any
// thread. BuildReport takes only the engine's shared read locks: it may run while the engine
// folds, and then reflects the position it read (`position`); it never writes.
// Everything in a report is a function of the log up to `position`, the evaluation time and
// the options: the same inputs print byte-identical text, JSON and CSV.

#ifndef CONSENT_REPORT_H_
#define CONSENT_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/policy.h"
#include "consent/time_format.h"  // FormatTime, ParseTime: report times are written with them

namespace consent {

struct ReportOptions {
  // Evaluation time: deadlines (purges, rolling sampling windows) are judged against it.
  // Default (nullopt): the engine's clock, Compliance::Now().
  std::optional<TimePoint> at;
  // Only calls whose CallStarted time t has from <= t < to are counted (a day is midnight to
  // midnight); rules attached to agents are evaluated at `at` whatever the period.
  // Default: every call.
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
  // Example subjects listed per rule (violated ones first, then unverified). Default: 5.
  size_t max_examples = 5;
};

// One subject (call, or agent for rules attached to agents) that illustrates a rule's verdict.
struct ReportExample {
  std::string subject;  // call id, or agent ref
  Verdict verdict = Verdict::kViolated;
  std::string detail;              // the engine's sentence
  std::vector<uint64_t> evidence;  // positions of the events that prove it
};

// Verdict counts of one rule over the period's calls (or the agents, for agent rules). A rule
// judged on both (LC-PROP-1: at recording time per call, rolling per agent) has a row for each;
// `attaches_to` tells them apart (CSV, which has no such column, appends " (per agent)" to the
// second one's title).
struct RuleTally {
  std::string rule_id;      // "LC-OBJ-1"
  std::string title;        // from FindRule(); the id again when the catalogue lacks it
  std::string attaches_to;  // "call" or "agent"
  uint64_t violated = 0;
  uint64_t unverified = 0;
  uint64_t pending = 0;
  uint64_t ok = 0;
  uint64_t not_applicable = 0;
  std::vector<ReportExample> examples;  // at most ReportOptions::max_examples
};

// An agent whose recorded share over the rolling window reaches the warning threshold.
struct AgentShareRow {
  std::string agent_ref;
  std::string team_id;
  uint64_t handled_calls = 0;
  uint64_t recorded_calls = 0;
  uint32_t recorded_share_bp = 0;
  bool over_max = false;  // above the maximum share: LC-PROP-1 violated
  bool is_protected = false;
  bool informed = false;
};

// A count per principal role (refused or unlawful accesses).
struct RoleCount {
  std::string role;
  uint64_t count = 0;
};

struct RegistrationRow {
  std::string registration_id;
  Policy policy;            // Compliance::PolicyFor(registration_id)
  std::string description;  // policy.Describe()
  uint64_t calls = 0;       // calls of the period under this registration
};

struct ReportTotals {
  uint64_t calls = 0;
  uint64_t recorded_calls = 0;     // calls with capture (recording or live listening)
  uint32_t recorded_share_bp = 0;  // recorded_calls / calls, in basis points
  // RecordingStarted events of the period's calls; nullopt when built without the store.
  std::optional<uint64_t> recordings;
  uint64_t private_calls = 0;
  uint64_t calls_violated = 0;    // calls whose worst verdict is violated
  uint64_t calls_unverified = 0;  // calls whose worst verdict is unverified
  // Objections raised on the period's calls (each once, even when a transfer carried it to a
  // new call id); an agent's standing objection is counted under AuditReport::agents_objecting.
  uint64_t objections_caller = 0;
  uint64_t objections_agent = 0;
  uint64_t objections_during_capture = 0;  // raised while capture was running
  // Of those: honoured (every running track stopped within the budget and acknowledged by the
  // platform); stopped late (every track acknowledged, the last after the budget); not stopped
  // in time (a track commanded to stop after the budget, or never); never acknowledged (stopped
  // in time, but the platform never confirmed it: LC-OBJ-1/2 unverified). The last two are told
  // apart by the call's verdict of LC-OBJ-1 (caller) or LC-OBJ-2 (agent), so on a call with two
  // objections of one party, one unverified and one not stopped, both count as not stopped.
  uint64_t objections_honoured = 0;
  uint64_t objections_late = 0;
  uint64_t objections_not_stopped = 0;
  uint64_t objections_unverified = 0;
  uint64_t objections_withdrawn = 0;
  uint64_t objections_overruled = 0;
  // Over the objections raised during capture whose pause latency is known (every running
  // track acknowledged); nullopt when there is none.
  std::optional<double> pause_latency_median_ms;
  std::optional<double> pause_latency_p95_ms;
  // Accesses to recordings of the agents' calls (AgentLedger), whatever the period.
  uint64_t accesses = 0;
  uint64_t accesses_refused = 0;
  uint64_t accesses_unlawful = 0;
};

struct AuditReport {
  TimePoint at;                   // evaluation time
  std::optional<TimePoint> from;  // the period asked for (ReportOptions), if any
  std::optional<TimePoint> to;
  // Earliest and latest CallStarted among the counted calls; nullopt when there is no call.
  std::optional<TimePoint> first_call;
  std::optional<TimePoint> last_call;
  uint64_t position = 0;  // log position the verdicts reflect
  // The registration most calls were made under (the first registration when there is no
  // call; empty when there is none) and its policy: the policy the report used.
  std::string policy_registration_id;
  Policy policy;
  std::string policy_description;
  ReportTotals totals;
  // One row per rule the catalogue attaches to calls or agents, plus one per rule the engine
  // also judges on the other kind of subject; catalogue order, calls first. Rules the
  // projections do not judge have all counts 0.
  std::vector<RuleTally> rules;
  // Agents at or over the warning share at `at`, by share (highest first), then agent ref.
  std::vector<AgentShareRow> agents_over_share;
  uint64_t agents = 0;               // agents known to the ledger, and of those at `at`:
  uint64_t agents_protected = 0;     //   staff representatives (LC-AGT-3)
  uint64_t agents_not_informed = 0;  //   not informed under the registration in force (LC-AGT-1)
  uint64_t agents_objecting = 0;     //   with a standing objection (LC-OBJ-2)
  // Satisfaction-survey answers and analysis documents about the agents, at `at` whatever the
  // period (AgentSummary's survey and document fields, summed).
  struct AgentRecords {
    uint64_t survey_answers = 0;
    uint64_t survey_answers_counted = 0;   // counted in the agents' scores (LC-EVAL-2)
    uint64_t survey_answers_excluded = 0;  // a cause other than the agent was attributed
    std::optional<double> survey_score;    // mean of the counted answers, in [0, 1]
    uint64_t analysis_documents = 0;
  };
  AgentRecords agent_records;
  // AccessRefused events of the period's calls, by role (most first); empty without the store.
  std::vector<RoleCount> refused_by_role;
  // Accesses granted to a role that is not a declared recipient, by role; empty without the store.
  std::vector<RoleCount> unlawful_by_role;
  std::vector<RegistrationRow> registrations;
  bool store_figures = false;  // built with the store (recordings, accesses by role)
  // The purge plan at `at` (RetentionSchedule::Plan, default options): counts, and the holds.
  struct Retention {
    uint64_t overdue = 0, due = 0, awaiting_receipt = 0, held = 0, scheduled = 0, done = 0;
    uint64_t recordings = 0, documents = 0;
    uint64_t holds_active = 0, holds_review_overdue = 0;
    std::vector<PurgeItem> overdue_examples;  // at most ReportOptions::max_examples
  } retention;
};

// Builds the report from the projections alone. The engine must have folded the log
// (CatchUp() or live); the report reflects compliance.position().
AuditReport BuildReport(const Compliance& compliance, const ReportOptions& options);

// As above, and reads `store` (the store the engine folds, up to compliance.position()) for
// the figures the projections do not keep: the number of recordings and the accesses refused
// or granted by role. Errors: those of EventStore::ScanAll (kUnavailable, kDataLoss).
StatusOr<AuditReport> BuildReport(const Compliance& compliance, const EventStore& store,
                                  const ReportOptions& options);

enum class ReportFormat {
  kTable,  // aligned sections, fits in 100 columns
  kJson,   // one object, snake_case keys in a fixed order, times in RFC 3339 UTC
  kCsv,    // header, then one row per rule (the JSON "rules" columns, docs/output.md):
           // rule_id,title,attaches_to,violated,unverified,pending,ok,not_applicable,example_calls
};

struct FormatOptions {
  // Table only: emphasise headings and non-zero violation counts with ANSI escapes. Set it only
  // when the output is a terminal. Default: false.
  bool color = false;
};

// The report as text in `format`. Deterministic: the same report gives the same bytes.
// CSV: consent/output.h's writer (RFC 4180, CRLF); example_calls
// holds "subject@pos+pos" items separated by ';' (agent refs for rules attached to agents).
std::string FormatReport(const AuditReport& report, ReportFormat format,
                         const FormatOptions& options = {});

}  // namespace consent

#endif  // CONSENT_REPORT_H_
