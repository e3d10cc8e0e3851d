// SPDX-License-Identifier: Apache-2.0
// consent::Compliance — the projections that judge the rules of RULES.md from the event log.
//
// One engine folds the log (in position order, deterministically) into three views:
//   * RecordingGate  — "may I record this call now?" (LC-LIVE-1): allow, or deny with every
//                      failing rule; and "must I stop now?" when an objection or private flag
//                      arrives during capture.
//   * CallCompliance — per call, a verdict for each rule attached to calls, with the positions
//                      of the events that prove it.
//   * AgentLedger    — per agent: informed, objected, protected, recorded share over the
//                      rolling window, accesses to their recordings; LC-AGT-2 and LC-PROP-1.
//
// The engine persists its state and its checkpoint in one atomic batch, so it resumes after a
// restart exactly where it stopped; Rebuild() refolds from position 1 and yields the same
// state. Rules use event times and the injected clock, never the wall clock directly.
//
//   auto store = consent::EventStore::Open({}, "./consent-data");
//   auto compliance = consent::Compliance::Open(store->get());
//   (*compliance)->CatchUp();                       // or StartLive() to follow appends
//   consent::GateDecision d = (*compliance)->gate().Decide("c-42");
//   if (!d.allow) for (const auto& r : d.failing) std::cout << r.rule_id << ": " << r.detail;
//
// Thread-safety: a Compliance is safe for concurrent use. Gate decisions and evaluations may run
// on any number of threads while events are folded; they take only shared, sharded locks.
// Folding (CatchUp, StartLive, Rebuild) is serialized internally.

#ifndef CONSENT_COMPLIANCE_H_
#define CONSENT_COMPLIANCE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/event_store.h"
#include "consent/policy.h"
#include "consent/retention.h"
#include "consent/status.h"
#include "consent/subject_index.h"
#include "consent/verdict.h"
#include "consent/v1/common.pb.h"

namespace consent {

namespace internal {
class ComplianceEngine;
}  // namespace internal

using TimePoint = std::chrono::system_clock::time_point;

// A rule of the catalogue.
struct RuleInfo {
  std::string_view id;           // "LC-OBJ-1"
  std::string_view title;        // "A caller's objection stops capture on all tracks within 2 s"
  std::string_view attaches_to;  // "call", "agent", "site", "recording", "document", "hold", "request", "answer", "gate", "store"
};
// Every rule of RULES.md, in catalogue order.
const std::vector<RuleInfo>& RuleCatalogue();
// nullptr when `id` is not in the catalogue.
const RuleInfo* FindRule(std::string_view id);

// ---- RecordingGate ---------------------------------------------------------------------------

struct GateDecision {
  bool allow = false;
  // Every rule that fails now (violated, or unverified because a fact that must exist before
  // recording is unknown). Empty when allowed.
  std::vector<RuleVerdict> failing;
  // True when capture is running on the call and must stop now (objection, private flag,
  // payment segment); `stop_rules` says why.
  bool must_stop = false;
  std::vector<std::string> stop_rules;
  // Log position the decision reflects.
  uint64_t position = 0;
};

// Raised when a fact arrives that requires running capture to stop.
struct StopOrder {
  std::string call_id;
  std::vector<std::string> recording_ids;  // recordings capturing at that moment
  std::string rule_id;                     // LC-OBJ-1, LC-OBJ-2, LC-PRIV-1, LC-AGT-3, LC-DATA-1
  std::string reason;
  uint64_t position = 0;                   // the triggering event
  TimePoint deadline;                      // trigger time + pause budget
};

// A view of the engine; obtained from Compliance::gate(), valid as long as the Compliance.
class RecordingGate {
 public:
  // "May I record `call_id` now (on `tracks`; empty = caller and agent)?" = LC-REG-1..3,
  // LC-AGT-1, LC-AGT-3, LC-PRIV-1, LC-NOT-1, LC-OBJ-1..3, LC-OBJ-5, LC-PROP-1, LC-DATA-1 at the
  // clock's now. Unknown facts deny: an unknown call is denied with LC-REG-1 ("call unknown").
  // Never blocks on I/O.
  GateDecision Decide(std::string_view call_id, const std::vector<v1::Track>& tracks = {}) const;
  GateDecision DecideAt(std::string_view call_id, const std::vector<v1::Track>& tracks, TimePoint now) const;
  // `fn` is called on the folding thread for each StopOrder; it must be quick and not call back
  // into the engine's folding functions. Replaces any previous listener.
  void OnMustStop(std::function<void(const StopOrder&)> fn);

 private:
  friend class Compliance;
  explicit RecordingGate(internal::ComplianceEngine* e) : engine_(e) {}
  internal::ComplianceEngine* engine_;
};

// ---- CallCompliance --------------------------------------------------------------------------

struct ObjectionSummary {
  std::string objection_id;
  v1::Party party = v1::PARTY_UNSPECIFIED;
  TimePoint raised;
  bool capture_running = false;          // capture was running when it was raised
  std::optional<double> pause_latency_ms;  // raise -> last acknowledgement of the tracks stopped
  bool honoured = false;                 // every running track stopped within the budget, acknowledged
  bool withdrawn = false;
  bool overruled = false;
  // Raised on an earlier leg and carried over by a transfer (LC-OBJ-3); judged on that leg.
  bool inherited = false;
  // This objection's own verdict under LC-OBJ-1 (caller) or LC-OBJ-2 (agent): ok, violated,
  // unverified (no platform acknowledgement), pending (within the budget), not_applicable
  // (nothing was capturing, or inherited).
  Verdict verdict = Verdict::kNotApplicable;
};

struct CallVerdicts {
  std::string call_id;
  std::string agent_ref;
  std::string line_id;
  std::string queue_id;
  std::string site_id;
  std::string registration_id;
  TimePoint started;
  std::optional<TimePoint> ended;
  bool recorded = false;  // capture happened (recording or live listening)
  bool private_call = false;
  std::vector<ObjectionSummary> objections;
  // One verdict per rule attached to calls (catalogue order).
  std::vector<RuleVerdict> rules;
  uint64_t position = 0;  // last event of the call folded
  // The worst verdict: violated > unverified > pending > ok > not_applicable.
  Verdict Overall() const;
};

// A view of the engine; obtained from Compliance::calls(), valid as long as the Compliance.
class CallCompliance {
 public:
  // Verdicts for one call at the clock's now (deadlines such as purges are judged against it).
  // kNotFound for an unknown call.
  StatusOr<CallVerdicts> Evaluate(std::string_view call_id) const;
  StatusOr<CallVerdicts> EvaluateAt(std::string_view call_id, TimePoint at) const;
  // Every call, in call id order; return false to stop.
  void ForEach(TimePoint at, const std::function<bool(const CallVerdicts&)>& fn) const;
  size_t size() const;

 private:
  friend class Compliance;
  explicit CallCompliance(internal::ComplianceEngine* e) : engine_(e) {}
  internal::ComplianceEngine* engine_;
};

// ---- AgentLedger -----------------------------------------------------------------------------

struct AgentSummary {
  std::string agent_ref;
  std::string team_id;
  std::string site_id;
  bool provisioned = false;
  bool is_protected = false;
  bool protection_means = false;  // private line or exclusion key (LC-AGT-3)
  bool informed = false;          // under the registration version in force, all items
  bool objection_active = false;  // standing objection, neither withdrawn nor overruled
  // Over the rolling window ending at the evaluation time (LC-PROP-1).
  uint64_t handled_calls = 0;
  uint64_t recorded_calls = 0;
  uint32_t recorded_share_bp = 0;
  bool over_warn_share = false;
  bool over_max_share = false;
  // Accesses to recordings of the agent's calls.
  uint64_t accesses = 0;
  uint64_t accesses_refused = 0;
  uint64_t accesses_unlawful = 0;
  // Satisfaction surveys (LC-EVAL-2): an answer counts for the agent unless a cause other than
  // the agent was attributed to it (network, carrier, product, policy, unknown): then excluded.
  uint64_t survey_answers = 0;
  uint64_t survey_answers_counted = 0;
  uint64_t survey_answers_excluded = 0;
  std::optional<double> survey_score;  // mean of counted answers, score / max_score in [0, 1]
  uint64_t analysis_documents = 0;
  // LC-AGT-2, LC-PROP-1 (rolling), LC-EVAL-1 (documents applied a method shown first),
  // LC-EVAL-3 (decisions about the agent).
  std::vector<RuleVerdict> rules;
};

// A view of the engine; obtained from Compliance::agents(), valid as long as the Compliance.
class AgentLedger {
 public:
  // kNotFound for an agent never seen in the log.
  StatusOr<AgentSummary> Evaluate(std::string_view agent_ref) const;
  StatusOr<AgentSummary> EvaluateAt(std::string_view agent_ref, TimePoint at) const;
  // Every agent, in agent_ref order; return false to stop.
  void ForEach(TimePoint at, const std::function<bool(const AgentSummary&)>& fn) const;
  size_t size() const;

 private:
  friend class Compliance;
  explicit AgentLedger(internal::ComplianceEngine* e) : engine_(e) {}
  internal::ComplianceEngine* engine_;
};

// ---- Recording use (LC-PROP-2) ----------------------------------------------------------------

// Over the 30 days ending at the evaluation time: recordings started, and those used (played
// back, downloaded or exported by someone not refused). Analysis documents count as use once
// they are recorded in the log. Below the policy's minimum share (default 50 %) is a warning,
// never a violation: rule.verdict stays kOk and `warning` is set.
struct RecordingUse {
  uint64_t recordings = 0;
  uint64_t used = 0;
  uint32_t used_share_bp = 0;
  bool warning = false;
  RuleVerdict rule;  // LC-PROP-2; evidence: start positions of (up to 20) unused recordings
};

// ---- The engine ------------------------------------------------------------------------------

struct ComplianceOptions {
  // "Now" for gate decisions and verdicts. Default: std::chrono::system_clock::now.
  Clock clock;
  // Write state and checkpoint to the store so the engine resumes after restart. False keeps
  // everything in memory (replays to a past position, what-if analyses). Default: true.
  bool persist = true;
  // Fold only up to this position (0: no bound). With persist=false this recomputes every
  // verdict as of that position (LC-AUD-1). Default: 0.
  uint64_t to_position = 0;
  // Commit state at least every this many folded events during catch-up. Default: 50000.
  size_t commit_every = 50000;
  // In a group store (consent/group.h): fold only the events received from this site
  // (consent.v1.Origin.site), so that the views are that site's. "" folds every event. A site
  // view is computed in memory: requires persist = false (kInvalidArgument otherwise).
  // Default: "".
  std::string site;
};

class Compliance {
 public:
  // The store must outlive the engine. Loads persisted state (if any) without folding; call
  // CatchUp() or StartLive(). Persisted state written by another state format is discarded
  // and rebuilt on the first CatchUp().
  static StatusOr<std::unique_ptr<Compliance>> Open(EventStore* store, ComplianceOptions options = {});
  ~Compliance();
  Compliance(const Compliance&) = delete;
  Compliance& operator=(const Compliance&) = delete;

  // Folds every event after position() up to the head (or to_position), in this thread, and
  // commits. Returns the number of events folded. Errors: kDataLoss (undecodable event),
  // kUnavailable (storage).
  StatusOr<uint64_t> CatchUp();
  // Follows the log on a background subscription from position() + 1. State is committed every
  // commit_every events and, at the head, at most every 100 ms, and by StopLive(); after a crash
  // the engine refolds from its last checkpoint, so nothing is lost or counted twice.
  // Idempotent.
  Status StartLive();
  void StopLive();
  // Blocks until `position` is folded (live mode) or the timeout expires.
  bool WaitFor(uint64_t position, std::chrono::milliseconds timeout) const;
  // Discards all state (persisted too) and folds again from position 1.
  StatusOr<uint64_t> Rebuild();
  // Position of the last folded event.
  uint64_t position() const;
  // Set when Open found persisted state it could not trust (malformed, or a checkpoint that is
  // missing, past the head, or does not match the event at its position: see
  // EventStore::CheckedProjectionCheckpoint) and discarded it, so that the next CatchUp() or
  // StartLive() refolds from position 1: says what was wrong. std::nullopt otherwise.
  std::optional<std::string> recovery() const;
  // Status of the live subscription: OK while running or stopped cleanly.
  Status live_status() const;

  const RecordingGate& gate() const { return gate_; }
  RecordingGate& gate() { return gate_; }
  const CallCompliance& calls() const { return calls_; }
  const AgentLedger& agents() const { return agents_; }
  // Purge plan and verdicts on recordings, documents, holds, requests, answers, decisions.
  const RetentionSchedule& retention() const { return retention_; }
  // Subject access exports (LC-DSR-1).
  const SubjectIndex& subjects() const { return subjects_; }

  // LC-PROP-2 over the 30 days ending at `at`.
  RecordingUse RecordingUseAt(TimePoint at) const;

  // The clock's now.
  TimePoint Now() const;
  // Policy of a registration's latest version (defaults when unknown).
  Policy PolicyFor(std::string_view registration_id) const;
  // Ids of every registration seen, in id order.
  std::vector<std::string> Registrations() const;

  // Serialized state, one entry per key, sorted — exactly what is persisted. Two engines
  // folded over the same log have equal dumps.
  std::vector<std::pair<std::string, std::string>> DumpState() const;

  internal::ComplianceEngine* engine() const { return engine_.get(); }

 private:
  explicit Compliance(std::unique_ptr<internal::ComplianceEngine> engine);
  std::unique_ptr<internal::ComplianceEngine> engine_;
  RecordingGate gate_;
  CallCompliance calls_;
  AgentLedger agents_;
  RetentionSchedule retention_;
  SubjectIndex subjects_;
};

}  // namespace consent

#endif  // CONSENT_COMPLIANCE_H_
