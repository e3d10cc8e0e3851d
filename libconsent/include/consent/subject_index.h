// SPDX-License-Identifier: Apache-2.0
// consent::SubjectIndex — everything the log holds about one person, for a data subject access
// request (LC-DSR-1): their calls, recordings (with every copy and its purge), accesses to those
// recordings, requests with their deadlines and verdicts, holds that cover them, and — for an
// agent — the analysis documents about them with their criteria codes explained.
//
// A person is named by their pseudonymous reference: a caller's subject_ref
// (CallStarted.participants) or an agent's agent_ref. The real identity is not in these
// projections; it lives in the SubjectDirectory (consent/subject_directory.h), sealed.
//
//   auto e = compliance->subjects().Export("caller-77");
//   if (e.ok()) std::cout << consent::FormatSubjectExportJson(*e);
//
// Thread-safety: a view of a Compliance; safe for concurrent use, like the other views.
#ifndef CONSENT_SUBJECT_INDEX_H_
#define CONSENT_SUBJECT_INDEX_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/retention.h"
#include "consent/status.h"
#include "consent/subject_directory.h"
#include "consent/v1/common.pb.h"
#include "consent/verdict.h"

namespace consent {

namespace internal {
class ComplianceEngine;
}  // namespace internal

struct SubjectCall {
  std::string call_id;
  TimePoint started;
  std::optional<TimePoint> ended;
  std::string agent_ref;
  std::string queue_id;
  bool recorded = false;
  bool private_call = false;
  uint64_t position = 0;  // CallStarted
};

struct SubjectCopy {
  std::string copy_id;
  std::string artefact_id;  // empty: the recording's own media
  std::string storage_ref;
  std::optional<TimePoint> purged;
  bool receipt = false;
};

struct SubjectRecording {
  std::string recording_id;
  std::string call_id;
  TimePoint started;
  std::vector<v1::Track> tracks;
  std::vector<SubjectCopy> copies;
  TimePoint retention_due;  // LC-RET-1 deadline
};

struct SubjectAccess {
  TimePoint time;
  std::string call_id;
  std::string recording_id;  // empty for a live listen
  std::string principal_ref;
  std::string role;
  v1::AccessAction action = v1::ACCESS_ACTION_UNSPECIFIED;
  v1::Purpose purpose = v1::PURPOSE_UNSPECIFIED;
  bool refused = false;
  uint64_t position = 0;
};

struct ExplainedCriterion {
  std::string code;         // "GREET-1"
  std::string description;  // from the evaluation method version applied; empty if unknown
  std::optional<int32_t> score;
};

struct SubjectDocument {
  std::string document_id;
  std::string kind;  // "grid", "report", "self_evaluation"
  std::string evaluator_ref;
  TimePoint created;
  std::vector<std::string> call_ids;
  std::string method_id;
  uint32_t method_version = 0;
  std::vector<ExplainedCriterion> criteria;
  bool free_text = false;  // the document carries flagged free text (its content is the host's)
  std::optional<TimePoint> purged;
  TimePoint retention_due;  // LC-RET-2 deadline
};

struct SubjectRequest {
  std::string request_id;
  v1::RequestKind kind = v1::REQUEST_KIND_UNSPECIFIED;
  TimePoint received;
  TimePoint deadline;  // received + 1 month + logged extensions
  std::optional<TimePoint> fulfilled;
  std::vector<RuleVerdict> rules;  // LC-DSR-1 or LC-DSR-2
};

struct SubjectExport {
  std::string subject_ref;
  v1::Party kind = v1::PARTY_UNSPECIFIED;  // caller or agent (agent when the ref is an agent's)
  TimePoint at;
  uint64_t position = 0;  // log position the export reflects
  bool identity_sealed = false;  // the SubjectDirectory holds a sealed identity
  bool erased = false;           // the subject's key was destroyed (SubjectErased)
  std::string key_id;
  // The real identity, never known to the projections: set by a caller that holds the master
  // key (SubjectDirectory::Lookup), e.g. `consentctl subject REF --master-key-file F`.
  std::optional<Identity> identity;
  std::vector<SubjectCall> calls;
  std::vector<SubjectRecording> recordings;
  std::vector<SubjectAccess> accesses;
  std::vector<SubjectDocument> documents;  // agents only (RULES.md, "Caller access requests")
  std::vector<SubjectRequest> requests;
  std::vector<std::string> holds;  // ids of holds in force covering the subject's data
};

// A view of the engine; obtained from Compliance::subjects(), valid as long as the Compliance.
class SubjectIndex {
 public:
  // Everything about `subject_ref` as of `at`. kNotFound when the log never names it (no call,
  // document, request or directory entry); kInvalidArgument when empty.
  StatusOr<SubjectExport> Export(std::string_view subject_ref) const;
  StatusOr<SubjectExport> ExportAt(std::string_view subject_ref, TimePoint at) const;

 private:
  friend class Compliance;
  explicit SubjectIndex(internal::ComplianceEngine* e) : engine_(e) {}
  internal::ComplianceEngine* engine_;
};

// Pretty-printed JSON (UTF-8, times as RFC 3339 UTC, stable key order): what
// `consentctl subject REF` prints and what a controller hands to the data subject.
std::string FormatSubjectExportJson(const SubjectExport& e);

}  // namespace consent

#endif  // CONSENT_SUBJECT_INDEX_H_
