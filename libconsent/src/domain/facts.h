// SPDX-License-Identifier: Apache-2.0
// The Ledger's knowledge of each domain fact: which stream it belongs to, which fields it needs,
// and what it may not contradict in that stream. Adding a fact to the Ledger = adding one row to
// the table in facts.cc (a FactSpec) and, when its stream needs memory of earlier facts, a case
// in StreamState::Apply.
#ifndef CONSENT_DOMAIN_FACTS_H_
#define CONSENT_DOMAIN_FACTS_H_

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "consent/event_store.h"
#include "consent/status.h"

namespace consent::internal {

// Why a fact is refused, before the Ledger turns it into a Status
// ("<Method>(<subject>): <text>").
struct Problem {
  StatusCode code = StatusCode::kInvalidArgument;
  std::string field;  // path inside the payload ("tracks[1]"), or an envelope field
  std::string text;
  std::optional<uint64_t> position;  // the earlier fact contradicted, when there is one
  // Not a refusal: the fact is already recorded at `position` (a purge receipt repeated under
  // a new event id). The Ledger answers with that event, deduplicated, and appends nothing.
  bool same_as_earlier = false;
};
using Verdict = std::optional<Problem>;

// What the Ledger remembers of one stream to validate the next fact: a fold of its events.
// Apply never fails: a stream may hold events the Ledger did not write (imports, other tools),
// and those are folded as well as they can be.
enum class TrackState { kCapturing, kPaused, kStopped };

// A purge of a stored copy or of a document. A receipt is content_hash + storage_receipt.
struct PurgeState {
  bool purged = false;
  uint64_t first_position = 0;    // the first purge
  bool receipted = false;         // a purge with a receipt was recorded
  uint64_t receipt_position = 0;  // the first purge with a receipt
  std::string receipt_hash;
  std::string storage_receipt;

  // Folds one purge of the copy or document.
  void Apply(const std::string& content_hash, const std::string& receipt, uint64_t position);
};

// A stored copy of a recording (RecordingStored) or of a derived artefact
// (DerivedArtefactCreated's first copy, or RecordingStored with artefact_id).
struct CopyState {
  std::string content_hash;  // empty when the host gave none
  uint64_t stored_position = 0;
  PurgeState purge;
};

struct RecordingState {
  std::map<v1::Track, TrackState> tracks;
  uint64_t started_position = 0;
  std::map<std::pair<std::string, std::string>, CopyState> copies;  // (artefact_id, copy_id)
  std::map<std::string, uint64_t> artefacts;  // artefact_id -> DerivedArtefactCreated position
};

struct ObjectionState {
  v1::Party party = v1::PARTY_UNSPECIFIED;
  bool withdrawn = false;
  uint64_t raised_position = 0;
  uint64_t withdrawn_position = 0;
};

struct SegmentState {
  bool open = true;
  uint64_t started_position = 0;
  uint64_t ended_position = 0;
};

struct RegistrationVersion {
  uint32_t version = 0;
  std::optional<google::protobuf::Timestamp> valid_from;
  std::vector<std::string> recipient_roles;
  std::vector<v1::Purpose> purposes;
  uint64_t position = 0;
};

struct StreamState {
  int64_t revision = kNoStream;  // last revision folded in

  // call-<id>
  bool call_started = false;
  uint64_t call_started_position = 0;
  google::protobuf::Timestamp call_start_time;
  std::string registration_id;  // from CallStarted
  bool call_ended = false;
  uint64_t call_ended_position = 0;
  google::protobuf::Timestamp call_end_time;
  std::map<std::string, RecordingState> recordings;
  std::map<std::string, SegmentState> segments;

  // call-<id> and agent-<ref> (standing objections)
  std::map<std::string, ObjectionState> objections;

  // registration-<id>
  bool registered = false;
  uint64_t registered_position = 0;
  std::vector<RegistrationVersion> versions;  // in log order
  uint32_t latest_version = 0;
  bool registration_ended = false;
  uint64_t registration_ended_position = 0;
  google::protobuf::Timestamp registration_end_time;

  // agent-<ref>
  bool agent_provisioned = false;

  // agent-<ref>: DecisionRecorded ids
  std::map<std::string, uint64_t> decisions;  // decision_id -> position

  // notice-<id>, method-<id>
  std::map<uint32_t, uint64_t> published_versions;  // version -> position

  // document-<id>
  bool document_created = false;
  uint64_t document_created_position = 0;
  // SHA-256 of the host's stored copy (creation, then each amendment that gives one), and the
  // position of the fact that gave it.
  std::string document_content_hash;
  uint64_t document_hash_position = 0;
  PurgeState document_purge;

  // answer-<id>
  bool answered = false;
  uint64_t answered_position = 0;

  // hold-<id>
  bool hold_placed = false;
  uint64_t hold_placed_position = 0;
  bool hold_released = false;
  uint64_t hold_released_position = 0;

  // request-<id>
  bool request_received = false;
  uint64_t request_received_position = 0;
  uint32_t extension_months = 0;              // total over all extensions
  std::vector<uint64_t> extension_positions;  // in log order
  bool request_fulfilled = false;
  uint64_t request_fulfilled_position = 0;

  // Folds one stored event (position and stream_revision set) into the state.
  void Apply(const Event& event);
};

// Where a fact goes: the stream, and the payload field that named it.
struct Route {
  std::string stream;
  std::string field;
};

// One fact the Ledger records.
struct FactSpec {
  Event::PayloadCase payload;
  // The Ledger method that records it; leads every error message ("StartRecording").
  std::string_view method;
  // The stream of the fact, or a Problem (kInvalidArgument) when the routing field is missing.
  std::variant<Route, Problem> (*route)(const Event&);
  // Checks that need no state: required fields and enums, orderings inside the fact.
  Verdict (*check_shape)(const Event&);
  // Checks against the folded target stream (see KeepsState); nullptr when there are none.
  Verdict (*check_state)(const StreamState&, const Event&);
};

// Whether the Ledger folds `stream` to validate facts: false for line-, queue- and team-
// streams, whose facts contradict nothing and are appended at kAnyRevision.
bool KeepsState(std::string_view stream);

// The row for `payload`, nullptr when the Ledger does not record that type (yet).
const FactSpec* FindFactSpec(Event::PayloadCase payload);

// Facts that have a stream (StreamForFact routes them) but that another component records,
// because it must write something else in the same batch: the refusal (kFailedPrecondition)
// Record() returns for them, nullopt for every other fact.
std::optional<Problem> RecordedElsewhere(const Event& event);

// "call \"c-9\"" for "call-c-9": the subject named in error messages.
std::string DescribeStream(std::string_view stream);

// LC-ACC-1 at the door. `registration` is the folded registration stream named by the call's
// CallStarted (nullptr when the call names none or it does not exist). Returns the refusal
// reason and why, or nullopt when the access is allowed.
struct AccessDecision {
  v1::AccessRefusalReason reason = v1::ACCESS_REFUSAL_REASON_UNSPECIFIED;
  std::string field;
  std::string text;
};
std::optional<AccessDecision> DecideAccess(const std::string& registration_id,
                                           const StreamState* registration, const Event& access);

// The AccessRefused that replaces a refused RecordingAccessed or LiveListenStarted: same
// envelope, same who/what/why, plus the reason and rule ids.
Event MakeRefusal(const Event& access, v1::AccessRefusalReason reason);

// "2024-05-01T10:00:00Z".
std::string FormatTime(const google::protobuf::Timestamp& t);

}  // namespace consent::internal

#endif  // CONSENT_DOMAIN_FACTS_H_
