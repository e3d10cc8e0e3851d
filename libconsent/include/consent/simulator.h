// SPDX-License-Identifier: Apache-2.0
// consent::SimulateDay — a seeded, reproducible contact-centre day, recorded through the Ledger.
//
// The simulator plays one working day of a contact centre into a store, using only the Ledger
// (consent/ledger.h), never raw appends, so every fact passes the same checks as production
// input. It exists for the demo (`consentctl demo`), for tests and benchmarks that need a
// realistic log, and for the Python bindings.
//
// What happens (all of it drawn from a std::mt19937_64 seeded with `seed`):
//  * Governance, on an empty store: one processing registration (purposes training and
//    evaluation, legitimate interests, recipient roles "trainer", "quality-analyst",
//    "team-lead", retention 6/12 months, default sampling), staff committee and DPO consulted,
//    a DPIA; tier-1 and tier-2 caller notices (the tier-2 pointer is kSimulatedNoticePointer),
//    an agent notice and an evaluation method; suspend capabilities for seven queues, of which
//    one cannot suspend at all (the legacy queue), one does not cover the agent track, one has
//    a failed probe and one a stale probe.
//  * Agents: most informed with an announced recording window; a few staff representatives
//    (one without a private line or exclusion key), two never informed, one informed without
//    the evaluation method, one without a window, one with a standing written objection.
//  * Calls over the day (arrivals follow a morning and an afternoon peak): a tier-1 notice at
//    the start (sometimes cut off or missing) with the tier-2 pointer (sometimes a stale one);
//    a sampler that asks the RecordingGate before recording a small share of calls — and
//    misbehaviour besides: a legacy queue that records every call without asking, manual
//    recordings started without asking; payment segments paused (sometimes late or not at
//    all); caller objections (mostly honoured within 100-1800 ms, some late, some never
//    acknowledged, a few ignored, a few pausing only the caller track); agent objections with
//    reasons, some overruled by a named supervisor with a written ground; withdrawals (by the
//    objector, and occasionally by the other party followed by a resume); private calls
//    flagged before dialling (one mandate-related call of a protected agent); transfers;
//    stored copies at the end of recorded calls; live listening; accesses by recipient roles
//    and by forbidden ones ("sales-manager", "it-admin"), which the Ledger refuses and records.
//  * Evaluation (SimulationOptions::evaluations): on the first day a second version of the
//    evaluation method (GREET-1, SOLVE-2, CLOSE-1, EMPATHY-1) is published and never shown to
//    the agents, who were informed of version 1. Supervisors fill evaluation grids on some
//    stored recordings (a few with version 2, a few with free text over 500 characters, some
//    unflagged); some agents write self-evaluations. In the evening decisions are recorded for
//    the agents evaluated, most resting on grids, one on a self-evaluation only (LC-EVAL-3).
//  * Surveys (surveys): callers answer a satisfaction survey after some calls; poor scores get
//    a cause attributed by a quality analyst (agent, network, carrier, product, policy,
//    unknown).
//  * Retention (retention): transcripts derived from some recordings (with their first copy);
//    the recordings of callers whose objection still stood at the end of the call, and the
//    recordings of private calls, are purged copy by copy with receipts, mostly within 24 h of
//    the objection or flag, a few late (the next day, after more than 24 h), and the day's first
//    such purge without a storage receipt; one legal hold placed over three recorded calls with a
//    review date; subject requests: a caller's access request answered with the access log, an
//    agent's access request answered with the evaluation codes explained, and a caller's
//    erasure request whose deadline is extended by one month.
//
// Reproducibility: event ids, call ids, references, times and choices derive from `seed` and
// the day simulated, so two runs with the same options into fresh stores append identical
// events (identical bytes when the stores' clocks, which stamp record_time, agree).
// On a store that already holds events the simulator plays the next day after the last call,
// skipping the governance and the agents the log already knows.
//
//   auto store = consent::EventStore::Open({}, "./consent-data");
//   consent::SimulationOptions options;
//   options.calls = 300;
//   auto summary = consent::SimulateDay(store->get(), options);
//   if (!summary.ok()) return fail(summary.status());
//   std::cout << summary->calls << " calls, " << summary->recordings << " recordings\n";
//
// Thread-safety: SimulateDay may run concurrently with readers of the store; two simulations
// into the same store at the same time would interleave two days and are not supported.

#ifndef CONSENT_SIMULATOR_H_
#define CONSENT_SIMULATOR_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/status.h"

namespace consent {

// The tier-2 (full) caller notice's pointer, offered at the start of every simulated call.
inline constexpr const char* kSimulatedNoticePointer = "https://example.test/privacy/calls";
// The registration the simulator records calls under.
inline constexpr const char* kSimulatedRegistrationId = "reg-calls-training";

struct SimulationOptions {
  // Seed of every random choice. Default: 42.
  uint64_t seed = 42;
  // Calls to simulate. Must be >= 1. Default: 5000.
  uint32_t calls = 5000;
  // Agents on duty. Must be >= 12 (the cast of special agents and the outbound and legacy
  // teams need them). Default: 40.
  uint32_t agents = 40;
  // Start of the working day (calls arrive over the 12 hours that follow).
  // Default (nullopt): SimulatedFirstDay() (2026-03-02T08:00:00Z) on an empty store; on a store
  // that holds events, 08:00 UTC of the day after the latest CallStarted in the log (the latest
  // occur_time when the log holds no call). Late facts about a day's calls (purges the next
  // day) do not move the next day.
  std::optional<TimePoint> start;
  // Sync every append to disk. A simulation is re-playable, so the default trades durability
  // for speed. Default: false.
  bool sync = false;
  // Called every `progress_every` calls and once at the end with the events appended and the
  // calls started so far. Optional.
  std::function<void(uint64_t events, uint64_t calls)> progress;
  // Default: 100.
  uint32_t progress_every = 100;
  // Evaluation method version 2, analysis documents and decisions (see the file comment).
  // Default: true.
  bool evaluations = true;
  // Satisfaction survey answers and cause attributions. Default: true.
  bool surveys = true;
  // Derived artefacts, purges with receipts, the legal hold and the subject requests.
  // Default: true.
  bool retention = true;
};

// 2026-03-02T08:00:00Z, the first simulated day when none is given.
TimePoint SimulatedFirstDay();

struct SimulationSummary {
  TimePoint day_start;    // the start of the simulated day
  TimePoint first_event;  // earliest and latest occur_time appended
  TimePoint last_event;
  // The log already held the registration, so the governance facts were not recorded again.
  bool continued = false;
  uint64_t first_position = 0;  // positions of the events appended (0 when none)
  uint64_t last_position = 0;
  uint64_t events = 0;                   // events appended
  uint64_t calls = 0;                    // CallStarted
  uint64_t recorded_calls = 0;           // calls with at least one RecordingStarted
  uint64_t recordings = 0;               // RecordingStarted
  uint64_t recordings_without_gate = 0;  // started without asking the gate (gate_position 0)
  uint64_t gate_asked = 0;               // gate decisions asked by the sampler
  uint64_t gate_allowed = 0;
  uint64_t private_calls = 0;
  uint64_t transfers = 0;
  uint64_t objections_caller = 0;
  uint64_t objections_agent = 0;
  uint64_t live_listens = 0;
  uint64_t accesses = 0;                 // RecordingAccessed
  uint64_t refused_accesses = 0;         // AccessRefused
  uint64_t documents = 0;                // AnalysisDocumentCreated
  uint64_t self_evaluations = 0;         //   of which ANALYSIS_DOCUMENT_KIND_SELF_EVALUATION
  uint64_t decisions = 0;                // DecisionRecorded
  uint64_t survey_answers = 0;           // SurveyAnswered
  uint64_t cause_attributions = 0;       // CauseAttributed
  uint64_t artefacts = 0;                // DerivedArtefactCreated
  uint64_t purges = 0;                   // RecordingPurged
  uint64_t purges_without_receipt = 0;   //   of which without content_hash + storage_receipt
  uint64_t purges_late = 0;              //   of which more than 24 h after their trigger
  uint64_t legal_holds = 0;              // LegalHoldPlaced
  uint64_t subject_requests = 0;         // SubjectRequestReceived
  std::chrono::milliseconds elapsed{0};  // wall-clock time of the simulation (not reproducible)
};

// Plays one day into `store` (see the file comment).
// Errors: kInvalidArgument for options out of range; any error the Ledger or the store returns
// (the simulation stops there; the events appended before stay, as in any real day).
// REQUIRES: store != nullptr.
StatusOr<SimulationSummary> SimulateDay(EventStore* store, const SimulationOptions& options);

}  // namespace consent

#endif  // CONSENT_SIMULATOR_H_
