// SPDX-License-Identifier: Apache-2.0
// The compliance engine: folds the log into projection state and answers the views of
// consent/compliance.h. Internal.
//
// Concurrency: one folder at a time (fold_mu_). State is split so readers rarely meet the
// folder: calls in kCallShards shards and agents in kAgentShards shards, each under its own
// std::shared_mutex; registrations, notices and lines ("world", rarely written) under world_mu_.
// A reader takes at most one of these locks at a time, never nested, so there is no lock order
// to respect. The folder mutates an entry under its shard's exclusive lock.
#ifndef CONSENT_PROJECTIONS_ENGINE_H_
#define CONSENT_PROJECTIONS_ENGINE_H_

#include <atomic>
#include <memory>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "consent/compliance.h"
#include "consent/retention.h"
#include "projections/rule_support.h"
#include "projections/state.pb.h"

namespace consent::internal {

namespace st = consent::internal::state;

inline constexpr size_t kCallShards = 64;
inline constexpr size_t kAgentShards = 16;
inline constexpr const char* kProjectionName = "compliance";
inline constexpr const char* kStateFormat = "compliance-state-3";

// Nanoseconds since the Unix epoch.
int64_t ToNs(const google::protobuf::Timestamp& t);
int64_t ToNs(TimePoint t);
TimePoint FromNs(int64_t ns);

// A rule failing at a moment (gate decisions and capture snapshots).
struct Failing {
  const char* rule;
  std::string detail;
  std::vector<uint64_t> evidence;
  bool unverified = false;
};

// What the gate needs to know about one call, copied out under the call's shard lock.
struct CallFacts {
  bool exists = false;
  std::string call_id;
  std::string agent_ref;
  std::string registration_id;
  std::string line_id;
  std::string queue_id;
  int64_t started_ns = 0;
  uint64_t started_position = 0;
  bool ended = false;
  uint64_t ended_position = 0;
  bool already_recorded = false;  // a capture already counted this call for sampling
  // Private flags (LC-PRIV-1) and mandate-related flags (LC-AGT-3).
  std::vector<uint64_t> private_positions;
  std::vector<uint64_t> mandate_positions;
  // Tier-1 caller notice: position of a completed one covering the items, 0 if none; and the
  // notice id/version given (for LC-NOT-3).
  uint64_t tier1_position = 0;
  int64_t tier1_end_ns = 0;
  std::string tier1_notice_id;
  uint32_t tier1_notice_version = 0;
  std::vector<uint64_t> incomplete_notice_positions;
  // Active objections on the call (raised, not withdrawn by the objector, not overruled).
  std::vector<uint64_t> caller_objections;
  std::vector<uint64_t> agent_objections;
  // Payment-card segments open now.
  std::vector<uint64_t> open_payment_segments;
  // Recordings with a track capturing now.
  std::vector<std::string> capturing_recordings;
};

struct AgentFacts {
  bool exists = false;
  bool provisioned = false;
  uint64_t provisioned_position = 0;
  bool is_protected = false;
  std::string private_line_id;
  bool has_exclusion_key = false;
  // Position of an AgentInformed matching the registration version asked for, 0 if none;
  // `informed_incomplete` when one exists but lacks items.
  uint64_t informed_position = 0;
  bool informed_incomplete = false;
  uint64_t latest_informed_position = 0;
  std::vector<uint64_t> standing_objections;
  uint64_t handled = 0;   // calls started in the window
  uint64_t recorded = 0;  // of which recorded
  bool in_window = false;  // LC-AGT-2: now inside an announced window
  uint64_t window_position = 0;
};

struct RegistrationFacts {
  bool exists = false;
  std::string registration_id;
  bool active = false;            // valid now and not ended
  uint32_t version = 0;           // version in force
  uint64_t position = 0;          // its fact
  uint64_t ended_position = 0;
  uint64_t dpia_position = 0;
  int64_t dpia_ns = 0;
  // Immutable snapshot of the registration, shared with the engine (no copy per decision);
  // `in_force` points into it, nullptr when no version is in force.
  std::shared_ptr<const st::Registration> snapshot;
  const st::RegistrationVersion* in_force = nullptr;
  const st::RegistrationVersion& version_in_force() const {
    return in_force ? *in_force : st::RegistrationVersion::default_instance();
  }
};

struct LineFacts {
  std::string key;
  bool declared = false;
  bool suspend_supported = false;
  std::vector<int> tracks;
  uint64_t declared_position = 0;
  bool probed = false;
  bool probe_ok = false;
  int64_t probe_ns = 0;
  uint64_t probe_position = 0;
};

class ComplianceEngine {
 public:
  ComplianceEngine(EventStore* store, ComplianceOptions options);
  ~ComplianceEngine();

  Status Load();
  StatusOr<uint64_t> CatchUp();
  Status StartLive();
  void StopLive();
  bool WaitFor(uint64_t position, std::chrono::milliseconds timeout) const;
  StatusOr<uint64_t> Rebuild();
  // See Compliance::recovery().
  std::optional<std::string> recovery() const;
  uint64_t position() const { return position_.load(std::memory_order_acquire); }
  Status live_status() const;
  TimePoint Now() const { return options_.clock(); }
  Policy PolicyFor(std::string_view registration_id) const;
  std::vector<std::string> Registrations() const;
  std::vector<std::pair<std::string, std::string>> DumpState() const;
  void OnMustStop(std::function<void(const StopOrder&)> fn);

  // Views.
  GateDecision Decide(std::string_view call_id, const std::vector<v1::Track>& tracks, TimePoint now) const;
  StatusOr<CallVerdicts> EvaluateCall(std::string_view call_id, TimePoint at) const;
  void ForEachCall(TimePoint at, const std::function<bool(const CallVerdicts&)>& fn) const;
  size_t CallCount() const;
  StatusOr<AgentSummary> EvaluateAgent(std::string_view agent_ref, TimePoint at) const;
  void ForEachAgent(TimePoint at, const std::function<bool(const AgentSummary&)>& fn) const;
  size_t AgentCount() const;
  RecordingUse EvaluateRecordingUse(TimePoint at) const;

  // Retention, evaluation and rights views (retention.cc, records.cc, subjects.cc).
  RetentionPlan PlanRetention(TimePoint at, const PlanOptions& options) const;
  void ForEachRecordVerdicts(TimePoint at, RecordKind kind,
                             const std::function<bool(const RecordVerdicts&)>& fn) const;
  StatusOr<SubjectExport> ExportSubject(std::string_view subject_ref, TimePoint at) const;
  std::vector<std::string> SubjectsOf(std::string_view call_id) const;
  // Every legal hold, as an immutable snapshot shared with the folder (no copy per evaluation).
  std::shared_ptr<const std::vector<st::Hold>> Holds() const;
  // Retention limits and policy of every registration version.
  LimitsTable Limits() const;
  // LC-DSR-1/2 verdict of one request at at_ns (retention.cc).
  RecordVerdicts EvaluateRequest(const st::Request& q, int64_t at_ns, const Policy& policy,
                                 const std::vector<st::Hold>& holds,
                                 const std::map<std::string, st::Document>& documents) const;
  // Surveys, documents, LC-EVAL-1 and LC-EVAL-3 of an agent's summary (retention.cc).
  void AddRecordRules(const st::Agent& a, int64_t at_ns, AgentSummary* s) const;

  // Whether the registration in force at the call's first capture appoints a DPO (LC-GOV-2);
  // true when none was in force (the capture's failures then tell why).
  bool DpoAppointedAtFirstCapture(const st::Call& c) const;

  // Positions of the overrulings (named person, written ground) of the agent's standing
  // objections raised before `ns` and overruled by then (LC-OBJ-2 evidence on later calls).
  std::vector<uint64_t> StandingOverrules(const std::string& agent_ref, int64_t ns) const;

  // ---- Used by the rule evaluators (gate.cc, call_rules.cc) --------------------------------
  CallFacts GetCallFacts(std::string_view call_id, int64_t now_ns) const;
  AgentFacts GetAgentFacts(std::string_view agent_ref, const RegistrationFacts& reg, int64_t now_ns) const;
  RegistrationFacts GetRegistrationFacts(std::string_view registration_id, int64_t now_ns) const;
  LineFacts GetLineFacts(std::string_view line_id, std::string_view queue_id) const;
  // For LC-NOT-2/3: the published version of a notice (nullopt when unknown), and a published
  // full (tier-2) notice whose pointer is `pointer`.
  std::optional<st::NoticeVersion> FindNotice(std::string_view notice_id, uint32_t version) const;
  std::optional<st::NoticeVersion> FindNoticeByPointer(std::string_view pointer) const;

  // All gate rules at `now_ns` for capture of `tracks` on the call. `capture_snapshot` adds the
  // rules judged at capture time that do not deny at the gate (LC-GOV-1..3, LC-NOT-3, LC-AGT-2).
  std::vector<Failing> GateRules(const CallFacts& call, const std::vector<int>& tracks, int64_t now_ns,
                                 bool capture_snapshot, bool live_listen) const;

 private:
  // Folding (fold_mu_ held).
  void Apply(const Event& e);
  void ApplyCallEvent(const Event& e, const std::string& call_id);
  void ApplyWorldEvent(const Event& e);
  void ApplyAgentEvent(const Event& e);
  // Documents, holds, requests, survey answers, decisions, methods, subjects (records.cc).
  void ApplyRecordEvent(const Event& e);
  // A copy purged while a hold covering it was active: recorded on the hold (LC-RET-3).
  void NotePurgeUnderHolds(const std::string& call_id, const std::string& recording_id,
                           const std::string& document_id, uint64_t pos, int64_t ns);
  // Adds the call to the subject index of its callers and agents, or of `only_ref` alone (an
  // agent joining by a transfer). records_mu_ is taken inside.
  void IndexCall(const st::Call& c, const std::string& only_ref = {});
  Status Commit();
  // Discards the state (persisted too, unless the store is read-only) and notes `why`.
  Status Recover(const std::string& why);
  Status FoldRange(uint64_t to, uint64_t* folded);
  void Clear();
  void EmitStop(const st::Call& call, const char* rule, std::string reason, uint64_t position, int64_t ns);
  // Agent mutation helper: creates the agent entry if needed.
  template <typename Fn>
  void MutateAgent(const std::string& agent_ref, Fn&& fn);
  std::string CallForRecording(const std::string& recording_id) const;
  // Records that the entry `kind` + `id` must be written at the next commit (persist only).
  void MarkDirty(const char* kind, const std::string& id) {
    if (options_.persist) dirty_.insert(kind + id);
  }
  // REQUIRES: world_mu_ held exclusively.
  void RefreshRegistrationSnapshot(const std::string& registration_id);
  // Notes the first capture under the registration version in force at ns (LC-GOV-1..3).
  void NoteFirstCapture(const std::string& registration_id, int64_t ns);

  struct CallShard {
    mutable std::shared_mutex mu;
    std::unordered_map<std::string, st::Call> calls;
  };
  struct AgentShard {
    mutable std::shared_mutex mu;
    std::unordered_map<std::string, st::Agent> agents;
  };
  CallShard& ShardOfCall(std::string_view id) const;
  AgentShard& ShardOfAgent(std::string_view id) const;

  EventStore* store_;
  ComplianceOptions options_;

  mutable std::recursive_mutex fold_mu_;
  std::optional<std::string> recovery_;  // GUARDED_BY(fold_mu_)
  std::atomic<uint64_t> position_{0};
  uint64_t committed_position_ = 0;

  mutable std::unique_ptr<CallShard[]> call_shards_;
  mutable std::unique_ptr<AgentShard[]> agent_shards_;

  mutable std::shared_mutex world_mu_;
  std::unordered_map<std::string, st::Registration> registrations_;  // GUARDED_BY(world_mu_)
  // Read-only copies of registrations_ for readers, replaced whenever a registration changes.
  std::unordered_map<std::string, std::shared_ptr<const st::Registration>> registration_snapshots_;  // GUARDED_BY(world_mu_)
  std::unordered_map<std::string, st::Notice> notices_;              // GUARDED_BY(world_mu_)
  std::unordered_map<std::string, st::Line> lines_;                  // GUARDED_BY(world_mu_)
  // recording id -> call id; new leg call id -> previous leg call id.
  std::unordered_map<std::string, std::string> recording_calls_;     // GUARDED_BY(world_mu_)
  std::unordered_map<std::string, std::string> transfers_;           // GUARDED_BY(world_mu_)

  // Records (records.cc): documents, holds, requests, answers, decisions, evaluation methods and
  // subjects, under their own lock so the gate's readers never wait for them.
  mutable std::shared_mutex records_mu_;
  std::map<std::string, st::Document> documents_;  // GUARDED_BY(records_mu_)
  std::map<std::string, st::Hold> holds_;          // GUARDED_BY(records_mu_)
  // Read-only copy of holds_ for evaluations, replaced whenever a hold changes.
  std::shared_ptr<const std::vector<st::Hold>> holds_snapshot_;  // GUARDED_BY(records_mu_)
  // REQUIRES: records_mu_ held exclusively.
  void RefreshHoldsSnapshot();
  std::map<std::string, st::Request> requests_;    // GUARDED_BY(records_mu_)
  std::map<std::string, st::Answer> answers_;      // GUARDED_BY(records_mu_)
  std::map<std::string, st::Decision> decisions_;  // GUARDED_BY(records_mu_)
  std::map<std::string, st::Method> methods_;      // GUARDED_BY(records_mu_)
  std::map<std::string, st::Subject> subjects_;    // GUARDED_BY(records_mu_)
  // Derived, not persisted (rebuilt by Load from the calls): subject or agent ref -> call ids.
  std::unordered_map<std::string, std::vector<std::string>> subject_calls_;  // GUARDED_BY(records_mu_)

  // Dirty keys since the last commit (folder only).
  std::unordered_set<std::string> dirty_;

  std::mutex stop_mu_;
  std::function<void(const StopOrder&)> on_stop_;  // GUARDED_BY(stop_mu_)

  std::unique_ptr<Subscription> live_;
  mutable std::mutex progress_mu_;
  mutable std::condition_variable progress_cv_;
};

}  // namespace consent::internal

#endif  // CONSENT_PROJECTIONS_ENGINE_H_
