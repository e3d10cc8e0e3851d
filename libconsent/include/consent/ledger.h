// SPDX-License-Identifier: Apache-2.0
// consent::Ledger — records the domain facts of call recording, one imperative method per fact.
//
// The Ledger is the domain facade over an EventStore. Each method takes one past-tense fact
// (a payload of consent.v1.Event) and its envelope (FactOptions), appends it to the stream it
// belongs to, at the revision the Ledger validated it against, and returns where it landed:
//
//   auto ledger = consent::Ledger::Create(store.get());
//   consent::FactOptions at;
//   at.occur_time = std::chrono::system_clock::now();
//   consent::v1::CallStarted call;
//   call.set_call_id("c-9");
//   call.set_registration_id("reg-1");
//   auto started = (*ledger)->StartCall(call, at);             // -> stream "call-c-9"
//   consent::v1::RecordingPaused pause;
//   pause.set_call_id("c-9");
//   pause.set_recording_id("r-2");
//   pause.add_tracks(consent::v1::TRACK_CALLER);
//   auto paused = (*ledger)->PauseRecording(pause, at);
//   // FAILED_PRECONDITION: PauseRecording(call "c-9"): unknown recording "r-2" (no
//   // RecordingStarted); context().field == "recording_id". Nothing was appended.
//
// What it refuses and what it records. The Ledger refuses facts that are malformed or that
// cannot have happened given the log (a pause of a recording that is not running, a second
// CallEnded), with a precise error and nothing appended. It records facts that are possible but
// unlawful — recording after an objection, recording a private call, capture never paused after
// an objection: they are the evidence the projections judge. The one exception is access to
// media (AccessRecording, StartLiveListen): LC-ACC-1 is enforced at the door, and a refused
// access is recorded as an AccessRefused instead (see AccessRecording).
//
// Streams. Every fact lands in exactly one stream, named after the entity it is about:
//   registration-<registration_id>  ProcessingRegistered, ProcessingAmended, ProcessingEnded,
//                                   CseConsulted, DpoConsulted, DpiaRecorded
//   notice-<notice_id>              NoticePublished
//   method-<evaluation_method_id>   EvaluationMethodPublished
//   line-<line_id>                  CapabilityDeclared, CapabilityProbed (line_id set)
//   queue-<queue_id>                the same, when line_id is empty
//   agent-<agent_ref>               AgentProvisioned, AgentInformed, RecordingWindowAnnounced
//                                   with agent_ref; a standing agent objection (ObjectionRaised
//                                   with an empty call_id; agent_ref = its subject_ref) and its
//                                   ObjectionDecided / ObjectionWithdrawn (agent_ref set)
//   team-<team_id>                  RecordingWindowAnnounced with only team_id
//   call-<call_id>                  everything about a call: CallStarted, CallTransferred,
//                                   CallEnded, PrivateCallFlagged, NoticeGiven,
//                                   ObjectionChannelLost/Restored, SensitiveSegmentStarted/Ended,
//                                   RecordingStarted/Paused/Resumed/Stopped/Stored,
//                                   ScreenCaptureStarted, ObjectionRaised/Decided/Withdrawn with
//                                   call_id, LiveListenStarted, RecordingAccessed, AccessRefused,
//                                   DerivedArtefactCreated, RecordingPurged, RetentionOverridden
//                                   with recording_id
//   agent-<agent_ref>               also DecisionRecorded
//   document-<document_id>          AnalysisDocumentCreated/Amended/Purged, RetentionOverridden
//                                   with document_id
//   answer-<answer_id>              SurveyAnswered, CauseAttributed
//   hold-<hold_id>                  LegalHoldPlaced/Reviewed/Released
//   request-<request_id>            SubjectRequestReceived/Extended/Fulfilled
//   subject-<subject_ref>           SubjectIdentitySealed, SubjectErased: routed, but recorded by
//                                   the SubjectDirectory, never by the Ledger (see Record)
// A transferred call that gets a new id (CallTransferred.new_call_id) is a new stream: record
// StartCall for the new leg before facts about it.
//
// Errors. Every failure leads with the method and its subject
// (`StartRecording(call "c-9"): recording "r-1" already exists (position 12)`) and carries
// typed context: context().stream (the target stream, when known), context().field (the
// offending field: a path inside the payload such as "recording_id" or "tracks[1]", or an
// envelope field: "occur_time", "event_id"), context().position (the earlier fact contradicted,
// when there is one), context().rule_id (kPermissionDenied only). Codes:
//   kInvalidArgument    the fact is malformed: occur_time missing; event_id not 16 bytes; a
//                       required id or enum missing (see each method); an unknown enum value,
//                       invalid UTF-8 or unknown field (consent::ValidateEventForAppend); a
//                       version 0; a fact about a call timed before its CallStarted; an
//                       acknowledgement before its command.
//   kFailedPrecondition the fact contradicts the log: an unknown call, recording, objection,
//                       registration, agent or segment; a second CallStarted or CallEnded; a
//                       call fact after CallEnded (see below); a pause, resume or stop of tracks
//                       not in the right state; a registration version out of sequence.
//   kPermissionDenied   AccessRecording / StartLiveListen refused by LC-ACC-1 (an AccessRefused
//                       was appended).
//   kAlreadyExists      event_id already recorded with other content or in another stream.
//   kAborted            other writers kept moving the stream: max_conflict_retries exhausted.
//   kUnimplemented      Record() of a payload type the Ledger does not record yet
//                       (AnnotationAdded, SourceCheckpointed).
//   kUnavailable, kInternal, kDataLoss  from the store.
// After a call's CallEnded, only RecordingStored, RecordingAccessed, AccessRefused,
// ObjectionDecided, ObjectionWithdrawn, DerivedArtefactCreated, RecordingPurged and
// RetentionOverridden are accepted on it, plus a RecordingStopped that
// happened at or before the end (occur_time <= the CallEnded's) and is reported late.
//
// Idempotency. A fact carries an event id (FactOptions::event_id, generated when empty).
// Recording a fact again with the same id and content returns the original Recorded with
// deduplicated = true, whatever happened since; the same id with other content is
// kAlreadyExists. Retry a failed or timed-out call with the same event_id.
// Purge receipts are idempotent by content as well (PurgeRecording, PurgeAnalysisDocument): a
// purge repeating the receipt (content_hash + storage_receipt) of an earlier purge of the same
// copy or document returns that earlier Recorded, deduplicated, even under a new event id.
//
// Thread-safety: a Ledger is safe for concurrent use by any number of threads. Several Ledgers
// (in one or several processes) and other writers may share the store: each fact is appended at
// the stream revision it was validated against, and re-validated on a conflict.

#ifndef CONSENT_LEDGER_H_
#define CONSENT_LEDGER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "consent/event_store.h"
#include "consent/status.h"
#include "consent/v1/event.pb.h"

namespace consent {

// The envelope of one fact.
struct FactOptions {
  // When the fact happened, as reported by its source. Required: the default (the epoch) is
  // kInvalidArgument with context().field == "occur_time".
  std::chrono::system_clock::time_point occur_time{};
  // 16 bytes; retrying with the same id is idempotent. Default: empty = a new NewEventId().
  std::string event_id;
  // Who reported or caused the fact. Default: unset.
  v1::Actor actor;
  // Groups the events of one business transaction. Default: the call id for facts kept in a
  // call stream, empty otherwise.
  std::string correlation_id;
  // Event id (hex) or command id that caused this fact. Default: empty.
  std::string causation_id;
  // Sync the write before returning. Default: the store's StoreOptions::sync.
  std::optional<bool> sync;
};

// Where a fact was recorded.
struct Recorded {
  std::string stream;
  uint64_t position = 0;
  // Revision of the fact in its stream.
  int64_t revision = 0;
  std::string event_id;
  // True when the fact was already stored under this event id (a retry): nothing was written.
  bool deduplicated = false;
};

struct LedgerOptions {
  // Times a fact is re-validated and re-appended after another writer moved its stream
  // (kAborted from the store) before the Ledger gives up with kAborted. Default: 8.
  int max_conflict_retries = 8;
  // Folded stream states kept in memory (least recently used first out), so that a busy call
  // is not re-read for every fact. 0 disables the cache. Default: 65536.
  size_t state_cache_entries = 65536;
};

class Ledger {
 public:
  // A Ledger over `store`. REQUIRES: `store` outlives the Ledger.
  // Errors: kInvalidArgument when store is null or max_conflict_retries < 0.
  static StatusOr<std::unique_ptr<Ledger>> Create(EventStore* store, LedgerOptions options = {});

  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Records any fact the Ledger knows, routed to its stream (StreamForFact) after validation.
  // `event` needs a payload and occur_time; event_id is optional (generated when empty);
  // stream_id may be empty or equal to the fact's stream; stream_revision, position and
  // record_time must be unset. correlation_id defaults as in FactOptions. `sync` overrides the
  // store's setting. The per-fact methods below are this call with their payload.
  // Errors: see the header comment; kInvalidArgument (field "payload") when no payload is set;
  // kUnimplemented for payload types not listed in the stream table (annotations, source
  // checkpoints); kFailedPrecondition (field "payload") for SubjectIdentitySealed and
  // SubjectErased, which consent::SubjectDirectory records (SealIdentity / EraseSubject) because
  // it writes the subject key in the same batch.
  StatusOr<Recorded> Record(Event event, std::optional<bool> sync = std::nullopt);

  // ---- Governance: stream registration-<registration_id> ----------------------------------
  // Requires registration_id and registration_version >= 1. kFailedPrecondition when the
  // registration already exists.
  StatusOr<Recorded> RegisterProcessing(const v1::ProcessingRegistered& fact,
                                        const FactOptions& options);
  // Requires registration_id and registration_version >= 1. kFailedPrecondition when the
  // registration is unknown, previous_version is not its latest version (field
  // "previous_version"), or registration_version is not the latest + 1.
  StatusOr<Recorded> AmendProcessing(const v1::ProcessingAmended& fact, const FactOptions& options);
  // Requires registration_id. kFailedPrecondition when the registration is unknown, already
  // ended, or registration_version (when set) is not its latest version.
  StatusOr<Recorded> EndProcessing(const v1::ProcessingEnded& fact, const FactOptions& options);
  // The three consultations require registration_id and registration_version >= 1; RecordDpia
  // also requires a non-empty dpia_ref (a DPIA "exists" only with a reference, LC-GOV-3).
  // kFailedPrecondition when the registration or that version is not registered.
  StatusOr<Recorded> ConsultCse(const v1::CseConsulted& fact, const FactOptions& options);
  StatusOr<Recorded> ConsultDpo(const v1::DpoConsulted& fact, const FactOptions& options);
  StatusOr<Recorded> RecordDpia(const v1::DpiaRecorded& fact, const FactOptions& options);

  // ---- Governance: notice-<notice_id>, method-<evaluation_method_id> ----------------------
  // Requires notice_id, notice_version >= 1, audience and tier. kFailedPrecondition when that
  // version is already published.
  StatusOr<Recorded> PublishNotice(const v1::NoticePublished& fact, const FactOptions& options);
  // Requires evaluation_method_id and evaluation_method_version >= 1; every criterion needs a
  // code (field "criteria[i].code") unique in the version and min_score <= max_score (field
  // "criteria[i].max_score"). kFailedPrecondition when that version is already published.
  StatusOr<Recorded> PublishEvaluationMethod(const v1::EvaluationMethodPublished& fact,
                                             const FactOptions& options);

  // ---- Governance: line-<line_id> or queue-<queue_id> -------------------------------------
  // Require exactly one of line_id and queue_id.
  StatusOr<Recorded> DeclareCapability(const v1::CapabilityDeclared& fact,
                                       const FactOptions& options);
  StatusOr<Recorded> ProbeCapability(const v1::CapabilityProbed& fact, const FactOptions& options);

  // ---- People: agent-<agent_ref>, team-<team_id> ------------------------------------------
  // Requires agent_ref. Provisioning again replaces the profile.
  StatusOr<Recorded> ProvisionAgent(const v1::AgentProvisioned& fact, const FactOptions& options);
  // Requires agent_ref; announced windows must not end before they start. kFailedPrecondition
  // when the agent was never provisioned.
  StatusOr<Recorded> InformAgent(const v1::AgentInformed& fact, const FactOptions& options);
  // Requires exactly one of agent_ref and team_id, and a window that does not end before it
  // starts. kFailedPrecondition when agent_ref names an agent never provisioned.
  StatusOr<Recorded> AnnounceRecordingWindow(const v1::RecordingWindowAnnounced& fact,
                                             const FactOptions& options);

  // ---- Calls: call-<call_id> ---------------------------------------------------------------
  // Every call fact requires call_id, and, except StartCall, a call already started
  // (kFailedPrecondition "unknown call") and an occur_time not before the CallStarted's
  // (kInvalidArgument, field "occur_time").
  //
  // kFailedPrecondition when the call already started.
  StatusOr<Recorded> StartCall(const v1::CallStarted& fact, const FactOptions& options);
  StatusOr<Recorded> TransferCall(const v1::CallTransferred& fact, const FactOptions& options);
  // kFailedPrecondition when the call already ended.
  StatusOr<Recorded> EndCall(const v1::CallEnded& fact, const FactOptions& options);
  // Recorded even when the call is being recorded: LC-PRIV-1 judges what follows.
  StatusOr<Recorded> FlagPrivateCall(const v1::PrivateCallFlagged& fact,
                                     const FactOptions& options);
  // Requires tier; end_time not before start_time.
  StatusOr<Recorded> GiveNotice(const v1::NoticeGiven& fact, const FactOptions& options);
  StatusOr<Recorded> LoseObjectionChannel(const v1::ObjectionChannelLost& fact,
                                          const FactOptions& options);
  StatusOr<Recorded> RestoreObjectionChannel(const v1::ObjectionChannelRestored& fact,
                                             const FactOptions& options);
  // Require segment_id. kFailedPrecondition when starting a segment id already used, or ending
  // one never started or already ended.
  StatusOr<Recorded> StartSensitiveSegment(const v1::SensitiveSegmentStarted& fact,
                                           const FactOptions& options);
  StatusOr<Recorded> EndSensitiveSegment(const v1::SensitiveSegmentEnded& fact,
                                         const FactOptions& options);

  // ---- Recording control: call-<call_id> ---------------------------------------------------
  // Start, pause, resume and stop require recording_id and at least one track (none
  // TRACK_UNSPECIFIED); pause, resume and stop require ack_time not before command_time.
  //
  // kFailedPrecondition when the recording id already exists in the call. Recorded even after
  // an objection or a private flag: that is evidence, not an impossibility.
  StatusOr<Recorded> StartRecording(const v1::RecordingStarted& fact, const FactOptions& options);
  // kFailedPrecondition when the recording is unknown, is not running ("recording "r-2" is not
  // running"), lacks a named track, or a named track is not capturing (field "tracks[i]").
  StatusOr<Recorded> PauseRecording(const v1::RecordingPaused& fact, const FactOptions& options);
  // kFailedPrecondition when the recording is unknown or stopped, or a named track is not
  // paused.
  StatusOr<Recorded> ResumeRecording(const v1::RecordingResumed& fact, const FactOptions& options);
  // kFailedPrecondition when the recording is unknown or already stopped (all its tracks), or a
  // named track is already stopped. A stopped track never resumes.
  StatusOr<Recorded> StopRecording(const v1::RecordingStopped& fact, const FactOptions& options);
  // Requires recording_id, copy_id and call_id (the copy is kept in the call's stream).
  // kFailedPrecondition when the recording is unknown in the call or the copy (copy_id of the
  // recording or of artefact_id) is already stored. Accepted after CallEnded.
  StatusOr<Recorded> StoreRecording(const v1::RecordingStored& fact, const FactOptions& options);
  // Requires recording_id and tracks that are all TRACK_SCREEN or TRACK_VIDEO. The recording
  // may be new or an existing one (then it gains the tracks). kFailedPrecondition when the
  // recording already captures a named track or audio_recording_id is unknown in the call.
  StatusOr<Recorded> StartScreenCapture(const v1::ScreenCaptureStarted& fact,
                                        const FactOptions& options);

  // ---- Objections: call-<call_id>, or agent-<subject_ref> for a standing agent objection -----
  // Requires objection_id and party. With an empty call_id the objection is a standing one:
  // party must be PARTY_AGENT and subject_ref (the agent_ref) is required. kFailedPrecondition
  // when the objection id already exists in that stream.
  StatusOr<Recorded> RaiseObjection(const v1::ObjectionRaised& fact, const FactOptions& options);
  // Requires objection_id, outcome, and call_id or agent_ref (where it was raised).
  // kFailedPrecondition when the objection is unknown there or was withdrawn. Accepted after
  // CallEnded.
  StatusOr<Recorded> DecideObjection(const v1::ObjectionDecided& fact, const FactOptions& options);
  // Requires objection_id, and call_id or agent_ref. kFailedPrecondition when the objection is
  // unknown there or already withdrawn. A withdrawal by a party other than the one who objected
  // is recorded (LC-OBJ-3 ignores it) and leaves the objection standing. Accepted after
  // CallEnded.
  StatusOr<Recorded> WithdrawObjection(const v1::ObjectionWithdrawn& fact,
                                       const FactOptions& options);

  // ---- Use: call-<call_id> -----------------------------------------------------------------
  // LC-ACC-1 at the door, for StartLiveListen and AccessRecording: the registration named by
  // the call's CallStarted must exist, not have ended before occur_time, have a version in force
  // at occur_time (the highest whose valid_from_time has passed), list `role` among that
  // version's recipient_roles and `purpose` among its purposes. Otherwise the Ledger appends an
  // AccessRefused instead (same envelope and event id, the same who/what/why, reason, rule_ids
  // ["LC-ACC-1"]) and returns kPermissionDenied with context().rule_id == "LC-ACC-1",
  // context().position == the AccessRefused's position and context().field naming what failed
  // ("role", "purpose", or "call_id" when no registration applies). A retry with the same
  // event_id returns the same kPermissionDenied.
  //
  // Requires listen_id and principal_ref. kFailedPrecondition after CallEnded: live listening
  // needs a live call.
  StatusOr<Recorded> StartLiveListen(const v1::LiveListenStarted& fact, const FactOptions& options);
  // Requires recording_id and principal_ref, and an action other than ACCESS_ACTION_LIVE_LISTEN
  // (an entry without an action is recorded: LC-ACC-2 judges it). kFailedPrecondition when the
  // recording is unknown in the call. Accepted after CallEnded.
  //
  // Two ways of logging access: with `reported` unset the host asks before granting access and
  // LC-ACC-1 is enforced at the door (above); with `reported` set, the recording platform reports
  // an access that already happened (its own audit log): it is stored as it happened, never
  // refused, and an undeclared role or purpose violates LC-ACC-1 on the call.
  StatusOr<Recorded> AccessRecording(const v1::RecordingAccessed& fact, const FactOptions& options);
  // Records a refusal decided by the host. Accepted after CallEnded.
  StatusOr<Recorded> RefuseAccess(const v1::AccessRefused& fact, const FactOptions& options);

  // ---- Use: analysis documents, document-<document_id> -------------------------------------
  // Requires document_id, registration_id, content.kind, content.agent_ref and
  // content.evaluator_ref; a SELF_EVALUATION's evaluator_ref must equal its agent_ref (field
  // "content.evaluator_ref"); every content.scores[i].criterion_code and content.calls[i].call_id
  // is required. Free text over the LC-DATA-2 limit (500 code points) or unflagged is recorded:
  // LC-DATA-2 judges it. kFailedPrecondition when the document already exists.
  StatusOr<Recorded> CreateAnalysisDocument(const v1::AnalysisDocumentCreated& fact,
                                            const FactOptions& options);
  // Requires document_id and amended_by_ref; content, when set, is checked as in
  // CreateAnalysisDocument. kFailedPrecondition when the document is unknown or purged.
  StatusOr<Recorded> AmendAnalysisDocument(const v1::AnalysisDocumentAmended& fact,
                                           const FactOptions& options);
  // Requires document_id and reason. kFailedPrecondition when the document is unknown. A purge
  // without receipt (content_hash + storage_receipt) is recorded (LC-RET-4 judges it). Once a
  // purge with a receipt is recorded, the same receipt again returns that purge (deduplicated,
  // nothing appended, whatever the event id) and any other purge is kFailedPrecondition (field
  // "storage_receipt", position of the receipted purge).
  StatusOr<Recorded> PurgeAnalysisDocument(const v1::AnalysisDocumentPurged& fact,
                                           const FactOptions& options);

  // ---- Use: derived artefacts, call-<call_id> -----------------------------------------------
  // Requires artefact_id, recording_id, call_id, kind and copy_id (its first copy, remembered
  // like a stored copy). kFailedPrecondition when the recording is unknown in the call or the
  // artefact id is already used in that recording. Accepted after CallEnded.
  StatusOr<Recorded> CreateDerivedArtefact(const v1::DerivedArtefactCreated& fact,
                                           const FactOptions& options);

  // ---- Use: decisions about agents, agent-<agent_ref> ---------------------------------------
  // Requires decision_id, agent_ref, kind, decided_by_ref and at least one input: a document id
  // or another input ref (kInvalidArgument, field "document_ids"). A decision resting only on a
  // self-evaluation is recorded: LC-EVAL-3 judges it. kFailedPrecondition when the decision id
  // already exists for the agent. The agent need not be provisioned.
  StatusOr<Recorded> RecordDecision(const v1::DecisionRecorded& fact, const FactOptions& options);

  // ---- Use: satisfaction surveys, answer-<answer_id> ----------------------------------------
  // Requires answer_id, survey_id, call_id, agent_ref, max_score > 0 and 0 <= score <=
  // max_score. kFailedPrecondition when the answer already exists.
  StatusOr<Recorded> AnswerSurvey(const v1::SurveyAnswered& fact, const FactOptions& options);
  // Requires answer_id, cause and attributed_by_ref (RULES.md: an attribution without its author
  // is refused). kFailedPrecondition when the answer is unknown. A later attribution replaces
  // an earlier one (LC-EVAL-2 reads the latest).
  StatusOr<Recorded> AttributeCause(const v1::CauseAttributed& fact, const FactOptions& options);

  // ---- Retention: call-<call_id> (recordings), document-<document_id> -----------------------
  // Requires recording_id, copy_id, call_id and reason. kFailedPrecondition when the recording
  // is unknown in the call, the copy (artefact_id, copy_id) was never stored (RecordingStored or
  // DerivedArtefactCreated; field "copy_id"), or content_hash differs from the stored copy's
  // (field "content_hash", position of the stored copy). A purge without receipt
  // (content_hash + storage_receipt) is recorded: LC-RET-4 judges it, and a later purge with a
  // receipt completes it. Once a purge with a receipt is recorded, the same receipt again
  // returns that purge (deduplicated, nothing appended, whatever the event id) and any other
  // purge of the copy is kFailedPrecondition (field "storage_receipt", position of the
  // receipted purge). Accepted after CallEnded.
  StatusOr<Recorded> PurgeRecording(const v1::RecordingPurged& fact, const FactOptions& options);
  // Requires exactly one target, recording_id (optionally with artefact_id) or document_id
  // (kInvalidArgument otherwise), cause_ref, ground and decided_by_ref. With recording_id,
  // call_id is required and the fact goes to call-<call_id>: kFailedPrecondition when the
  // recording (or artefact) is unknown there. With document_id it goes to document-<id>:
  // kFailedPrecondition when the document is unknown.
  StatusOr<Recorded> OverrideRetention(const v1::RetentionOverridden& fact,
                                       const FactOptions& options);

  // ---- Retention: legal holds, hold-<hold_id> -----------------------------------------------
  // Requires hold_id, reason and a scope naming at least one item (field "scope");
  // next_review_time, when set, not before occur_time. kFailedPrecondition when the hold id
  // already exists. A hold without case_reference or owner_ref is recorded: it violates
  // LC-RET-3 and still suspends purging.
  StatusOr<Recorded> PlaceLegalHold(const v1::LegalHoldPlaced& fact, const FactOptions& options);
  // Requires hold_id and reviewed_by_ref; next_review_time, when set, not before occur_time.
  // kFailedPrecondition ("hold "h-1" is not active") when the hold was never placed or is
  // released.
  StatusOr<Recorded> ReviewLegalHold(const v1::LegalHoldReviewed& fact, const FactOptions& options);
  // Requires hold_id and released_by_ref; a release without a reason is recorded.
  // kFailedPrecondition as ReviewLegalHold.
  StatusOr<Recorded> ReleaseLegalHold(const v1::LegalHoldReleased& fact,
                                      const FactOptions& options);

  // ---- Rights: request-<request_id> ---------------------------------------------------------
  // Requires request_id, kind, subject_ref and subject_kind PARTY_CALLER or PARTY_AGENT.
  // kFailedPrecondition when the request already exists.
  StatusOr<Recorded> ReceiveSubjectRequest(const v1::SubjectRequestReceived& fact,
                                           const FactOptions& options);
  // Requires request_id, extension_months 1 or 2, reason and extended_by_ref.
  // kFailedPrecondition when the request is unknown or fulfilled, or when the extensions would
  // total more than 2 months (field "extension_months", position of the latest extension).
  StatusOr<Recorded> ExtendSubjectRequest(const v1::SubjectRequestExtended& fact,
                                          const FactOptions& options);
  // Requires request_id and outcome; refusal_ground when the outcome is REFUSED or
  // PARTIALLY_GRANTED. kFailedPrecondition when the request is unknown or already fulfilled.
  StatusOr<Recorded> FulfilSubjectRequest(const v1::SubjectRequestFulfilled& fact,
                                          const FactOptions& options);

 private:
  class Impl;
  explicit Ledger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The stream `event`'s fact belongs to ("call-42"), per the table above.
// Errors: kInvalidArgument when no payload is set or the routing field is missing (context().field
// names it); kUnimplemented for payload types the Ledger does not record yet.
StatusOr<std::string> StreamForFact(const Event& event);

}  // namespace consent

#endif  // CONSENT_LEDGER_H_
