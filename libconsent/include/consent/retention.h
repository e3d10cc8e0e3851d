// SPDX-License-Identifier: Apache-2.0
// consent::RetentionSchedule — what must be deleted, by when, and why (LC-RET-1..4, LC-OBJ-4,
// LC-PRIV-1, LC-DSR-2); and verdicts on the records that are not calls: recordings, analysis
// documents, legal holds, subject requests, survey answers and decisions (LC-RET-*, LC-DSR-*,
// LC-DATA-2, LC-EVAL-*).
//
// The log is immutable; media and documents are not in it. The library tells the host what to
// delete (the purge plan) and the host confirms each deleted copy with a receipt event
// (Ledger::PurgeRecording / PurgeAnalysisDocument). A purge is complete when every copy has a
// receipt (content hash + storage receipt).
//
//   consent::RetentionPlan plan = compliance->retention().Plan(compliance->Now());
//   for (const consent::PurgeItem& item : plan.items)
//     if (item.state == consent::PurgeState::kOverdue) std::cout << item.Describe() << "\n";
//
// Deadlines (RULES.md, "Precise readings"): retention counts calendar months on UTC dates from
// collection (RecordingStarted for recordings and their copies and derivatives,
// AnalysisDocumentCreated for documents), a day missing in the target month clamping to its
// last day; the limit is the registration's (above 6/12 months only with a legal-text reference,
// else 6/12). Objection and private-call purges are due 24 h (policy) after the triggering fact;
// erasure and objection requests by the request's deadline (1 month + logged extensions). A
// legal hold suspends every purge in its scope while active; purges that fell due during a hold
// are due at its release plus 24 h (policy).
//
// Thread-safety: views of a Compliance; safe for concurrent use, like the other views.
#ifndef CONSENT_RETENTION_H_
#define CONSENT_RETENTION_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/status.h"
#include "consent/verdict.h"
#include "consent/v1/retention.pb.h"

namespace consent {

namespace internal {
class ComplianceEngine;
}  // namespace internal

using TimePoint = std::chrono::system_clock::time_point;
// ---- Purge plan ------------------------------------------------------------------------------

enum class PurgeTarget {
  kRecordingCopy,  // a stored copy of a recording (RecordingStored)
  kArtefactCopy,   // a copy of a transcript, redacted copy or excerpt
  kDocument,       // an analysis document (and the host's stored copy, if any)
};
// "recording_copy", "artefact_copy", "document".
std::string_view PurgeTargetName(PurgeTarget t);

enum class PurgeState {
  kScheduled,        // deadline later than the plan's time: delete by `due`
  kDue,              // deadline reached or within the plan's horizon: delete now
  kOverdue,          // deadline passed without a purge: a violation, `overdue_by` says how long
  kAwaitingReceipt,  // deleted, but the receipt (hash + storage receipt) is missing (LC-RET-4)
  kHeld,             // a legal hold in force suspends the purge (`held_by`)
  kDone,             // every copy purged with a receipt (only with PlanOptions::include_done)
};
// "scheduled", "due", "overdue", "awaiting_receipt", "held", "done".
std::string_view PurgeStateName(PurgeState s);

// One thing to delete, and why.
struct PurgeItem {
  PurgeTarget target = PurgeTarget::kRecordingCopy;
  std::string recording_id;  // recording and artefact copies
  std::string artefact_id;   // artefact copies
  std::string copy_id;       // recording and artefact copies
  std::string document_id;   // documents
  std::string call_id;       // the call the media belongs to (first call for documents)
  std::string agent_ref;
  std::string storage_ref;        // where the host keeps it
  std::string content_hash_hex;   // the receipt must repeat it
  std::string rule_id;            // LC-RET-1, LC-RET-2, LC-OBJ-4, LC-PRIV-1, LC-DSR-2
  v1::PurgeReason reason = v1::PURGE_REASON_UNSPECIFIED;  // what the receipt should say
  std::string cause_ref;          // objection_id, call_id, request_id; empty for retention
  TimePoint collected;            // RecordingStarted / AnalysisDocumentCreated
  TimePoint due;                  // deadline after holds (inclusive)
  PurgeState state = PurgeState::kScheduled;
  std::chrono::nanoseconds overdue_by{0};  // kOverdue (and kHeld when overdue before the hold)
  std::vector<std::string> held_by;        // hold ids in force
  uint64_t evidence_position = 0;          // the fact that created the obligation
  // "overdue 3d 2h LC-RET-1 copy k-1 of r-1 (call c-1), due 2026-03-01T10:00:00Z, retention".
  std::string Describe() const;
};

// A legal hold as seen at the plan's time.
struct HoldStatus {
  std::string hold_id;
  std::string case_reference;
  std::string owner_ref;
  std::string reason;
  bool active = false;
  TimePoint placed;
  std::optional<TimePoint> released;
  TimePoint review_due;      // last review (or placement) + 90 days (policy)
  bool review_overdue = false;
  uint64_t items_held = 0;   // purge items it suspends now
};

struct PlanOptions {
  // Retention purges are listed as kDue from `horizon` before their deadline; later ones are
  // kScheduled and listed only when `include_scheduled`. Default: 24 h.
  std::chrono::hours horizon{24};
  // List retention purges further away than `horizon`. Default: false.
  bool include_scheduled = false;
  // List completed purges (every copy receipted). Default: false.
  bool include_done = false;
};

struct RetentionPlan {
  TimePoint at;
  uint64_t position = 0;  // log position the plan reflects
  // Sorted by state (overdue, due, awaiting receipt, held, scheduled, done), then deadline.
  std::vector<PurgeItem> items;
  std::vector<HoldStatus> holds;  // every hold placed, by id
  // Counts over every obligation, whatever the options list.
  uint64_t overdue = 0, due = 0, awaiting_receipt = 0, held = 0, scheduled = 0, done = 0;
  uint64_t recordings = 0, documents = 0;  // records considered
};

// ---- Verdicts on records that are not calls ------------------------------------------------

enum class RecordKind {
  kRecording,  // LC-RET-1, LC-RET-4
  kDocument,   // LC-RET-2, LC-RET-4, LC-DATA-2, LC-EVAL-1
  kHold,       // LC-RET-3
  kRequest,    // LC-DSR-1, LC-DSR-2
  kAnswer,     // LC-EVAL-2
  kDecision,   // LC-EVAL-3
};
// "recording", "document", "hold", "request", "answer", "decision".
std::string_view RecordKindName(RecordKind k);

struct RecordVerdicts {
  RecordKind kind = RecordKind::kRecording;
  std::string id;         // recording, document, hold, request, answer or decision id
  std::string call_id;    // the call, when there is one
  std::string agent_ref;  // the agent concerned, when there is one
  std::string subject_ref;  // requests
  TimePoint time;         // collection, creation, placement, receipt, answer, decision time
  std::optional<TimePoint> deadline;  // purges and requests
  std::vector<RuleVerdict> rules;
};

// A view of the engine; obtained from Compliance::retention(), valid as long as the Compliance.
class RetentionSchedule {
 public:
  // The purge plan at `at` (facts with a later occur time are ignored, so a plan "as of" a past
  // or future date can be computed from the same state). Never fails.
  RetentionPlan Plan(TimePoint at, const PlanOptions& options = {}) const;
  // Verdicts of every record of `kind` at `at`, in id order; return false to stop.
  void ForEach(TimePoint at, RecordKind kind, const std::function<bool(const RecordVerdicts&)>& fn) const;

 private:
  friend class Compliance;
  explicit RetentionSchedule(internal::ComplianceEngine* e) : engine_(e) {}
  internal::ComplianceEngine* engine_;
};

// Adds `months` calendar months to `t` on its UTC date, clamping a day missing in the target
// month to its last day (Aug 31 + 6 months = Feb 28/29). Time of day is kept.
TimePoint AddCalendarMonths(TimePoint t, int months);

}  // namespace consent

#endif  // CONSENT_RETENTION_H_
