// SPDX-License-Identifier: Apache-2.0
// consent::Ledger: validate a fact against the folded state of its stream, append it at the
// revision validated against, and keep the folded states in a bounded cache.
//
// Correctness with other writers rests on the store's expected-revision check: a cached state
// may be stale, but an append made from a stale state fails with kAborted, and the Ledger then
// catches the state up from the store and decides again. A refusal is never made from a stale
// state either: before refusing from a cached state, the Ledger compares it with the stream's
// head and catches up when they differ.
#include "consent/ledger.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/message_differencer.h>

#include <condition_variable>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "domain/facts.h"

namespace consent {
namespace {

using internal::AccessDecision;
using internal::FactSpec;
using internal::Problem;
using internal::StreamState;
using StatePtr = std::shared_ptr<const StreamState>;

Status UnimplementedError(std::string message, ErrorContext context = {}) {
  return Status(StatusCode::kUnimplemented, std::move(message), std::move(context));
}

Status ToStatus(const std::string& op, const std::string& stream, const Problem& p) {
  ErrorContext ctx;
  ctx.stream = stream;
  ctx.field = p.field;
  ctx.position = p.position;
  return Status(p.code, op + ": " + p.text, std::move(ctx));
}

// The payload's field name in Event ("recording_started").
std::string PayloadFieldName(const Event& e) {
  const auto* f = Event::descriptor()->FindFieldByNumber(static_cast<int>(e.payload_case()));
  return f == nullptr ? std::string() : f->name();
}

// Equal as stored: the store-assigned fields of `stored` are ignored.
bool SameFact(const Event& stored, const Event& proposed, const std::string& stream) {
  Event a = stored;
  a.clear_stream_revision();
  a.clear_position();
  a.clear_record_time();
  Event b = proposed;
  b.set_stream_id(stream);
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

// An access asked for (judged at the door). An access the platform reports after the fact is
// stored as it happened and judged by the projections (RULES.md "What happened is recorded").
bool IsAccess(const Event& e) {
  return (e.has_recording_accessed() && !e.recording_accessed().reported()) || e.has_live_listen_started();
}

std::string FieldOfRefusal(v1::AccessRefusalReason reason) {
  switch (reason) {
    case v1::ACCESS_REFUSAL_REASON_ROLE_NOT_RECIPIENT:
      return "role";
    case v1::ACCESS_REFUSAL_REASON_PURPOSE_NOT_REGISTERED:
      return "purpose";
    default:
      return "call_id";
  }
}

Status Refused(const std::string& op, const std::string& stream, const std::string& why,
               const std::string& field, uint64_t position) {
  ErrorContext ctx;
  ctx.stream = stream;
  ctx.field = field;
  ctx.position = position;
  ctx.rule_id = "LC-ACC-1";
  return PermissionDeniedError(op + ": access refused (LC-ACC-1): " + why +
                                   "; the refusal is recorded at position " +
                                   std::to_string(position),
                               std::move(ctx));
}

// Folded stream states, least recently used first out. Thread-safe.
class StateCache {
 public:
  explicit StateCache(size_t capacity) : capacity_(capacity) {}

  StatePtr Get(const std::string& stream) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(stream);
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }

  // Keeps whichever of the cached and the given state is further along the stream.
  void Put(const std::string& stream, StatePtr state) {
    if (capacity_ == 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(stream);
    if (it != index_.end()) {
      if (it->second->second->revision <= state->revision) it->second->second = std::move(state);
      lru_.splice(lru_.begin(), lru_, it->second);
      return;
    }
    lru_.emplace_front(stream, std::move(state));
    index_.emplace(stream, lru_.begin());
    if (lru_.size() > capacity_) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }

 private:
  using Entry = std::pair<std::string, StatePtr>;
  const size_t capacity_;
  std::mutex mu_;
  std::list<Entry> lru_;                                               // GUARDED_BY(mu_)
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;  // GUARDED_BY(mu_)
};

// One mutex per stream being written through this Ledger, so that its own threads queue up on
// a busy stream instead of failing each other's expected revisions.
class StreamLocks {
 private:
  struct Entry {
    std::condition_variable cv;
    bool held = false;
    int users = 0;
  };

 public:
  class Guard {
   public:
    Guard(StreamLocks& locks, const std::string& stream) : locks_(locks), stream_(stream) {
      std::unique_lock<std::mutex> lock(locks_.mu_);
      entry_ = &locks_.entries_[stream_];  // element references survive rehashing
      ++entry_->users;
      entry_->cv.wait(lock, [this] { return !entry_->held; });
      entry_->held = true;
    }
    ~Guard() {
      std::lock_guard<std::mutex> lock(locks_.mu_);
      entry_->held = false;
      if (--entry_->users == 0) {
        locks_.entries_.erase(stream_);
      } else {
        entry_->cv.notify_one();
      }
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    StreamLocks& locks_;
    const std::string stream_;
    Entry* entry_ = nullptr;
  };

 private:
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
};

template <typename Fact>
Event MakeFactEvent(Fact* (Event::*mutable_payload)(), const Fact& fact,
                    const FactOptions& options) {
  Event e;
  (e.*mutable_payload)()->CopyFrom(fact);
  if (options.occur_time != std::chrono::system_clock::time_point{}) {
    *e.mutable_occur_time() = ToTimestamp(options.occur_time);
  }
  e.set_event_id(options.event_id);
  if (options.actor.ByteSizeLong() != 0) *e.mutable_actor() = options.actor;
  e.set_correlation_id(options.correlation_id);
  e.set_causation_id(options.causation_id);
  return e;
}

}  // namespace

class Ledger::Impl {
 public:
  Impl(EventStore* store, LedgerOptions options)
      : store_(store), options_(options), cache_(options.state_cache_entries) {}

  StatusOr<Recorded> Record(Event event, std::optional<bool> sync);

 private:
  // The state of `stream` folded up to the store's current head, starting from `base`.
  StatusOr<StatePtr> CatchUp(const std::string& stream, StatePtr base);
  // The state of a stream this fact does not append to, as of the store's head.
  StatusOr<StatePtr> CurrentState(const std::string& stream);
  // The answer to a fact whose event id is already stored as `stored`.
  StatusOr<Recorded> Replay(const std::string& op, const std::string& stream, const Event& proposed,
                            const Event& stored);
  // The answer to a fact whose event id is already stored; nullopt when it is not.
  std::optional<StatusOr<Recorded>> FindRetry(const std::string& op, const std::string& stream,
                                              const Event& event);
  StatusOr<Recorded> ValidateAndAppend(const FactSpec& spec, const std::string& op,
                                       const std::string& stream, const Event& event, bool id_given,
                                       const AppendOptions& append_options);

  EventStore* const store_;
  const LedgerOptions options_;
  StateCache cache_;
  StreamLocks locks_;
};

StatusOr<StatePtr> Ledger::Impl::CatchUp(const std::string& stream, StatePtr base) {
  auto next = base ? std::make_shared<StreamState>(*base) : std::make_shared<StreamState>();
  ReadStreamOptions read;
  read.from_revision = next->revision + 1;
  auto events = store_->ReadStream(stream, read);
  if (!events.ok()) {
    if (events.status().code() != StatusCode::kNotFound) return events.status();
    next = std::make_shared<StreamState>();
  } else {
    for (const Event& e : *events) next->Apply(e);
  }
  StatePtr result = std::move(next);
  cache_.Put(stream, result);
  return result;
}

StatusOr<StatePtr> Ledger::Impl::CurrentState(const std::string& stream) {
  StatePtr cached = cache_.Get(stream);
  auto head = store_->StreamRevision(stream);
  if (!head.ok()) return head.status();
  if (cached && cached->revision == *head) return cached;
  return CatchUp(stream, std::move(cached));
}

StatusOr<Recorded> Ledger::Impl::Replay(const std::string& op, const std::string& stream,
                                        const Event& proposed, const Event& stored) {
  Recorded r;
  r.stream = stored.stream_id();
  r.position = stored.position();
  r.revision = static_cast<int64_t>(stored.stream_revision());
  r.event_id = stored.event_id();
  r.deduplicated = true;
  if (stored.stream_id() == stream) {
    if (SameFact(stored, proposed, stream)) return r;
    // A refused access was stored as its AccessRefused: the retry gets the same refusal.
    if (IsAccess(proposed) && stored.has_access_refused()) {
      const v1::AccessRefusalReason reason = stored.access_refused().reason();
      if (SameFact(stored, internal::MakeRefusal(proposed, reason), stream)) {
        return Refused(op, stream, "reason " + v1::AccessRefusalReason_Name(reason),
                       FieldOfRefusal(reason), stored.position());
      }
    }
  }
  ErrorContext ctx;
  ctx.stream = stream;
  ctx.field = "event_id";
  ctx.position = stored.position();
  return AlreadyExistsError(
      op + ": event id " + EventIdToString(proposed.event_id()) +
          " is already recorded at position " + std::to_string(stored.position()) +
          (stored.stream_id() == stream ? " with other content"
                                        : " in stream \"" + stored.stream_id() + "\""),
      std::move(ctx));
}

std::optional<StatusOr<Recorded>> Ledger::Impl::FindRetry(const std::string& op,
                                                          const std::string& stream,
                                                          const Event& event) {
  auto position = store_->FindEvent(event.event_id());
  if (!position.ok()) {
    if (position.status().code() == StatusCode::kNotFound) return std::nullopt;
    return StatusOr<Recorded>(position.status().Annotate(op));
  }
  auto stored = store_->ReadEvent(*position);
  if (!stored.ok()) return StatusOr<Recorded>(stored.status().Annotate(op));
  return Replay(op, stream, event, *stored);
}

StatusOr<Recorded> Ledger::Impl::Record(Event event, std::optional<bool> sync) {
  if (event.payload_case() == Event::PAYLOAD_NOT_SET) {
    ErrorContext ctx;
    ctx.field = "payload";
    return InvalidArgumentError("Record: field \"payload\" is required: set the fact",
                                std::move(ctx));
  }
  const FactSpec* spec = internal::FindFactSpec(event.payload_case());
  if (spec == nullptr) {
    ErrorContext ctx;
    ctx.field = "payload";
    return UnimplementedError("Record(" + std::string(PayloadTypeName(event)) +
                                  "): the Ledger does not record this fact yet",
                              std::move(ctx));
  }
  const std::string method(spec->method);

  auto route = spec->route(event);
  if (const Problem* p = std::get_if<Problem>(&route)) return ToStatus(method, "", *p);
  const internal::Route& to = std::get<internal::Route>(route);
  const std::string& stream = to.stream;
  const std::string op = method + "(" + internal::DescribeStream(stream) + ")";
  if (auto p = internal::RecordedElsewhere(event)) return ToStatus(op, stream, *p);

  // The envelope. The epoch counts as missing: it is what an unset time_point converts to.
  if (!event.has_occur_time() ||
      (event.occur_time().seconds() == 0 && event.occur_time().nanos() == 0)) {
    ErrorContext ctx;
    ctx.stream = stream;
    ctx.field = "occur_time";
    return InvalidArgumentError(op + ": field \"occur_time\" is required (when the fact happened)",
                                std::move(ctx));
  }
  const bool id_given = !event.event_id().empty();
  if (!id_given) event.set_event_id(NewEventId());
  if (event.correlation_id().empty() && StreamCategory(stream) == "call") {
    event.set_correlation_id(stream.substr(std::string_view("call-").size()));
  }

  // Generic checks (UTF-8, enums, unknown fields, store-assigned fields), with fields reported
  // relative to the payload, as the per-fact methods see them.
  if (Status s = ValidateEventForAppend(stream, event); !s.ok()) {
    ErrorContext ctx = s.context();
    std::string message = s.message();
    if (ctx.field == "stream_id" && event.stream_id().empty()) {
      ctx.field = to.field;
      message = "field \"" + to.field + "\" cannot name a stream: " + message;
    } else {
      const std::string prefix = PayloadFieldName(event) + ".";
      if (ctx.field.rfind(prefix, 0) == 0) {
        const std::string quoted = "\"" + ctx.field + "\"";
        ctx.field.erase(0, prefix.size());
        if (auto at = message.find(quoted); at != std::string::npos) {
          message.replace(at, quoted.size(), "\"" + ctx.field + "\"");
        }
      }
    }
    ctx.stream = stream;
    return InvalidArgumentError(op + ": " + message, std::move(ctx));
  }
  if (auto p = spec->check_shape(event)) return ToStatus(op, stream, *p);

  AppendOptions append_options;
  append_options.sync = sync;

  // A retry is answered from the log, not re-validated against what happened since.
  if (id_given) {
    if (auto retry = FindRetry(op, stream, event)) return *std::move(retry);
  }

  if (!internal::KeepsState(stream)) {
    auto r = store_->Append(stream, kAnyRevision, {event}, append_options);
    if (!r.ok()) return r.status().Annotate(op);
    if (r->deduplicated) {
      auto stored = store_->ReadEvent(r->first_position);
      if (!stored.ok()) return stored.status().Annotate(op);
      return Replay(op, stream, event, *stored);
    }
    return Recorded{stream, r->first_position, r->next_expected_revision, event.event_id(), false};
  }
  return ValidateAndAppend(*spec, op, stream, event, id_given, append_options);
}

StatusOr<Recorded> Ledger::Impl::ValidateAndAppend(const FactSpec& spec, const std::string& op,
                                                   const std::string& stream, const Event& event,
                                                   bool id_given,
                                                   const AppendOptions& append_options) {
  StreamLocks::Guard guard(locks_, stream);
  StatePtr state = cache_.Get(stream);
  bool fresh = false;  // `state` was read from the store during this call
  if (!state) {
    auto loaded = CatchUp(stream, nullptr);
    if (!loaded.ok()) return loaded.status().Annotate(op);
    state = *loaded;
    fresh = true;
  }

  for (int conflicts = 0;; ++conflicts) {
    internal::Verdict verdict;
    if (spec.check_state != nullptr) {
      verdict = spec.check_state(*state, event);
      if (verdict && !fresh) {
        // Never refuse from a stale cache: another writer may have made the fact possible.
        auto head = store_->StreamRevision(stream);
        if (!head.ok()) return head.status().Annotate(op);
        if (*head != state->revision) {
          auto loaded = CatchUp(stream, state);
          if (!loaded.ok()) return loaded.status().Annotate(op);
          state = *loaded;
          fresh = true;
          verdict = spec.check_state(*state, event);
        }
      }
    }
    if (verdict && verdict->same_as_earlier && verdict->position) {
      // The same fact under another event id (a repeated purge receipt): answer with the first.
      auto stored = store_->ReadEvent(*verdict->position);
      if (!stored.ok()) return stored.status().Annotate(op);
      return Recorded{stored->stream_id(), stored->position(),
                      static_cast<int64_t>(stored->stream_revision()), stored->event_id(), true};
    }
    if (verdict) {
      // A concurrent retry of this very fact may be what makes it look impossible now.
      if (id_given) {
        if (auto retry = FindRetry(op, stream, event)) return *std::move(retry);
      }
      return ToStatus(op, stream, *verdict);
    }

    // LC-ACC-1 at the door: a refused access is recorded as its refusal.
    Event to_append = event;
    std::optional<AccessDecision> refusal;
    if (IsAccess(event)) {
      StatePtr registration;
      if (!state->registration_id.empty()) {
        const std::string reg_stream = "registration-" + state->registration_id;
        if (ValidateStreamName(reg_stream).ok()) {
          auto current = CurrentState(reg_stream);
          if (!current.ok()) return current.status().Annotate(op);
          registration = *current;
        }
      }
      refusal = internal::DecideAccess(state->registration_id, registration.get(), event);
      if (refusal) to_append = internal::MakeRefusal(event, refusal->reason);
    }

    auto r = store_->Append(stream, state->revision, {to_append}, append_options);
    if (r.ok()) {
      if (r->deduplicated) {  // another writer stored this very event id meanwhile
        auto stored = store_->ReadEvent(r->first_position);
        if (!stored.ok()) return stored.status().Annotate(op);
        return Replay(op, stream, event, *stored);
      }
      auto next = std::make_shared<StreamState>(*state);
      to_append.set_stream_id(stream);
      to_append.set_position(r->first_position);
      to_append.set_stream_revision(static_cast<uint64_t>(r->next_expected_revision));
      next->Apply(to_append);
      cache_.Put(stream, std::move(next));
      if (refusal) {
        return Refused(op, stream, refusal->text, refusal->field, r->first_position);
      }
      return Recorded{stream, r->first_position, r->next_expected_revision, event.event_id(),
                      false};
    }
    if (r.status().code() != StatusCode::kAborted) return r.status().Annotate(op);
    if (conflicts >= options_.max_conflict_retries) {
      return r.status().Annotate(op + ": gave up after " + std::to_string(conflicts) +
                                 " retries on concurrent writes");
    }
    auto loaded = CatchUp(stream, state);
    if (!loaded.ok()) return loaded.status().Annotate(op);
    state = *loaded;
    fresh = true;
  }
}

// ---- Ledger ---------------------------------------------------------------------------------

StatusOr<std::unique_ptr<Ledger>> Ledger::Create(EventStore* store, LedgerOptions options) {
  if (store == nullptr) return InvalidArgumentError("Ledger::Create: store is null");
  if (options.max_conflict_retries < 0) {
    return InvalidArgumentError("Ledger::Create: max_conflict_retries is " +
                                std::to_string(options.max_conflict_retries) + "; it must be >= 0");
  }
  return std::unique_ptr<Ledger>(new Ledger(std::make_unique<Impl>(store, options)));
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;

StatusOr<Recorded> Ledger::Record(Event event, std::optional<bool> sync) {
  return impl_->Record(std::move(event), sync);
}

#define CONSENT_LEDGER_FACT_(Method, Type, field)                                              \
  StatusOr<Recorded> Ledger::Method(const v1::Type& fact, const FactOptions& options) {        \
    return impl_->Record(MakeFactEvent(&Event::mutable_##field, fact, options), options.sync); \
  }

CONSENT_LEDGER_FACT_(RegisterProcessing, ProcessingRegistered, processing_registered)
CONSENT_LEDGER_FACT_(AmendProcessing, ProcessingAmended, processing_amended)
CONSENT_LEDGER_FACT_(EndProcessing, ProcessingEnded, processing_ended)
CONSENT_LEDGER_FACT_(ConsultCse, CseConsulted, cse_consulted)
CONSENT_LEDGER_FACT_(ConsultDpo, DpoConsulted, dpo_consulted)
CONSENT_LEDGER_FACT_(RecordDpia, DpiaRecorded, dpia_recorded)
CONSENT_LEDGER_FACT_(PublishNotice, NoticePublished, notice_published)
CONSENT_LEDGER_FACT_(PublishEvaluationMethod, EvaluationMethodPublished,
                     evaluation_method_published)
CONSENT_LEDGER_FACT_(DeclareCapability, CapabilityDeclared, capability_declared)
CONSENT_LEDGER_FACT_(ProbeCapability, CapabilityProbed, capability_probed)
CONSENT_LEDGER_FACT_(ProvisionAgent, AgentProvisioned, agent_provisioned)
CONSENT_LEDGER_FACT_(InformAgent, AgentInformed, agent_informed)
CONSENT_LEDGER_FACT_(AnnounceRecordingWindow, RecordingWindowAnnounced, recording_window_announced)
CONSENT_LEDGER_FACT_(StartCall, CallStarted, call_started)
CONSENT_LEDGER_FACT_(TransferCall, CallTransferred, call_transferred)
CONSENT_LEDGER_FACT_(EndCall, CallEnded, call_ended)
CONSENT_LEDGER_FACT_(FlagPrivateCall, PrivateCallFlagged, private_call_flagged)
CONSENT_LEDGER_FACT_(GiveNotice, NoticeGiven, notice_given)
CONSENT_LEDGER_FACT_(LoseObjectionChannel, ObjectionChannelLost, objection_channel_lost)
CONSENT_LEDGER_FACT_(RestoreObjectionChannel, ObjectionChannelRestored, objection_channel_restored)
CONSENT_LEDGER_FACT_(StartSensitiveSegment, SensitiveSegmentStarted, sensitive_segment_started)
CONSENT_LEDGER_FACT_(EndSensitiveSegment, SensitiveSegmentEnded, sensitive_segment_ended)
CONSENT_LEDGER_FACT_(StartRecording, RecordingStarted, recording_started)
CONSENT_LEDGER_FACT_(PauseRecording, RecordingPaused, recording_paused)
CONSENT_LEDGER_FACT_(ResumeRecording, RecordingResumed, recording_resumed)
CONSENT_LEDGER_FACT_(StopRecording, RecordingStopped, recording_stopped)
CONSENT_LEDGER_FACT_(StoreRecording, RecordingStored, recording_stored)
CONSENT_LEDGER_FACT_(StartScreenCapture, ScreenCaptureStarted, screen_capture_started)
CONSENT_LEDGER_FACT_(RaiseObjection, ObjectionRaised, objection_raised)
CONSENT_LEDGER_FACT_(DecideObjection, ObjectionDecided, objection_decided)
CONSENT_LEDGER_FACT_(WithdrawObjection, ObjectionWithdrawn, objection_withdrawn)
CONSENT_LEDGER_FACT_(StartLiveListen, LiveListenStarted, live_listen_started)
CONSENT_LEDGER_FACT_(AccessRecording, RecordingAccessed, recording_accessed)
CONSENT_LEDGER_FACT_(RefuseAccess, AccessRefused, access_refused)
CONSENT_LEDGER_FACT_(CreateAnalysisDocument, AnalysisDocumentCreated, analysis_document_created)
CONSENT_LEDGER_FACT_(AmendAnalysisDocument, AnalysisDocumentAmended, analysis_document_amended)
CONSENT_LEDGER_FACT_(PurgeAnalysisDocument, AnalysisDocumentPurged, analysis_document_purged)
CONSENT_LEDGER_FACT_(CreateDerivedArtefact, DerivedArtefactCreated, derived_artefact_created)
CONSENT_LEDGER_FACT_(RecordDecision, DecisionRecorded, decision_recorded)
CONSENT_LEDGER_FACT_(AnswerSurvey, SurveyAnswered, survey_answered)
CONSENT_LEDGER_FACT_(AttributeCause, CauseAttributed, cause_attributed)
CONSENT_LEDGER_FACT_(PurgeRecording, RecordingPurged, recording_purged)
CONSENT_LEDGER_FACT_(OverrideRetention, RetentionOverridden, retention_overridden)
CONSENT_LEDGER_FACT_(PlaceLegalHold, LegalHoldPlaced, legal_hold_placed)
CONSENT_LEDGER_FACT_(ReviewLegalHold, LegalHoldReviewed, legal_hold_reviewed)
CONSENT_LEDGER_FACT_(ReleaseLegalHold, LegalHoldReleased, legal_hold_released)
CONSENT_LEDGER_FACT_(ReceiveSubjectRequest, SubjectRequestReceived, subject_request_received)
CONSENT_LEDGER_FACT_(ExtendSubjectRequest, SubjectRequestExtended, subject_request_extended)
CONSENT_LEDGER_FACT_(FulfilSubjectRequest, SubjectRequestFulfilled, subject_request_fulfilled)

#undef CONSENT_LEDGER_FACT_

StatusOr<std::string> StreamForFact(const Event& event) {
  if (event.payload_case() == Event::PAYLOAD_NOT_SET) {
    ErrorContext ctx;
    ctx.field = "payload";
    return InvalidArgumentError("StreamForFact: field \"payload\" is required", std::move(ctx));
  }
  const FactSpec* spec = internal::FindFactSpec(event.payload_case());
  const std::string op = "StreamForFact(" + std::string(PayloadTypeName(event)) + ")";
  if (spec == nullptr) {
    ErrorContext ctx;
    ctx.field = "payload";
    return UnimplementedError(op + ": the Ledger does not record this fact yet", std::move(ctx));
  }
  auto route = spec->route(event);
  if (const Problem* p = std::get_if<Problem>(&route)) return ToStatus(op, "", *p);
  return std::get<internal::Route>(std::move(route)).stream;
}

}  // namespace consent
