// SPDX-License-Identifier: Apache-2.0
// The Ledger's retention, rights and evaluation facts: analysis documents, derived artefacts,
// decisions, surveys, purges and their receipts, retention overrides, legal holds and subject
// requests. What each accepts, where it lands, and what it refuses (appending nothing).
#include <doctest/doctest.h>
#include <google/protobuf/util/message_differencer.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "consent/event_store.h"
#include "consent/ledger.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

using std::chrono::seconds;
using Time = std::chrono::system_clock::time_point;

const Time kT0 = Time(seconds(1714550400));  // 2024-05-01T08:00:00Z

FactOptions At(int offset_seconds) {
  FactOptions o;
  o.occur_time = kT0 + seconds(offset_seconds);
  return o;
}

FactOptions AtWithId(int offset_seconds, const std::string& id) {
  FactOptions o = At(offset_seconds);
  o.event_id = id;
  return o;
}

// 16-byte event ids that differ by their last byte.
std::string Id(char c) { return std::string(15, 'e') + c; }

Recorded Ok(const StatusOr<Recorded>& r) {
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

const std::string kHashPrimary(32, '\x11');
const std::string kHashTranscript(32, '\x22');
const std::string kHashDocument(32, '\x33');

v1::AnalysisDocumentContent Grid(const std::string& agent = "a-1",
                                 const std::string& evaluator = "sup-1") {
  v1::AnalysisDocumentContent c;
  c.set_kind(v1::ANALYSIS_DOCUMENT_KIND_GRID);
  c.set_agent_ref(agent);
  c.set_evaluator_ref(evaluator);
  auto* call = c.add_calls();
  call->set_call_id("c-1");
  call->set_recording_id("r-1");
  c.set_evaluation_method_id("m-1");
  c.set_evaluation_method_version(1);
  auto* score = c.add_scores();
  score->set_criterion_code("GREET-1");
  score->set_score(3);
  return c;
}

v1::AnalysisDocumentCreated Document(const std::string& id) {
  v1::AnalysisDocumentCreated f;
  f.set_document_id(id);
  f.set_registration_id("reg-1");
  f.set_registration_version(1);
  *f.mutable_content() = Grid();
  f.set_content_hash(kHashDocument);
  f.set_storage_ref("docs/" + id);
  return f;
}

v1::AnalysisDocumentAmended Amendment(const std::string& id) {
  v1::AnalysisDocumentAmended f;
  f.set_document_id(id);
  *f.mutable_content() = Grid();
  f.set_amended_by_ref("sup-1");
  return f;
}

v1::AnalysisDocumentPurged DocumentPurge(const std::string& id, const std::string& hash = "",
                                         const std::string& receipt = "") {
  v1::AnalysisDocumentPurged f;
  f.set_document_id(id);
  f.set_reason(v1::PURGE_REASON_RETENTION);
  f.set_content_hash(hash);
  f.set_storage_receipt(receipt);
  return f;
}

v1::DerivedArtefactCreated Artefact(const std::string& id, const std::string& rec = "r-1") {
  v1::DerivedArtefactCreated f;
  f.set_artefact_id(id);
  f.set_recording_id(rec);
  f.set_call_id("c-1");
  f.set_kind(v1::DERIVED_ARTEFACT_KIND_TRANSCRIPT);
  f.set_copy_id("t-primary");
  f.set_content_hash(kHashTranscript);
  f.set_storage_ref("transcripts/" + id);
  return f;
}

v1::RecordingPurged Purge(const std::string& copy, const std::string& hash,
                          const std::string& receipt, const std::string& artefact = "",
                          const std::string& rec = "r-1") {
  v1::RecordingPurged f;
  f.set_recording_id(rec);
  f.set_artefact_id(artefact);
  f.set_copy_id(copy);
  f.set_content_hash(hash);
  f.set_storage_receipt(receipt);
  f.set_reason(v1::PURGE_REASON_OBJECTION);
  f.set_cause_ref("o-1");
  f.set_call_id("c-1");
  return f;
}

v1::RetentionOverridden RecordingOverride() {
  v1::RetentionOverridden f;
  f.set_recording_id("r-1");
  f.set_call_id("c-1");
  f.set_cause_ref("o-1");
  f.set_ground("establishment of a legal claim (case 2024-17)");
  f.set_decided_by_ref("dpo-1");
  return f;
}

v1::DecisionRecorded Decision(const std::string& id) {
  v1::DecisionRecorded f;
  f.set_decision_id(id);
  f.set_agent_ref("a-1");
  f.set_kind(v1::DECISION_KIND_TRAINING);
  f.set_decided_by_ref("mgr-1");
  f.add_document_ids("d-1");
  return f;
}

v1::SurveyAnswered Answer(const std::string& id) {
  v1::SurveyAnswered f;
  f.set_answer_id(id);
  f.set_survey_id("csat");
  f.set_call_id("c-1");
  f.set_agent_ref("a-1");
  f.set_score(2);
  f.set_max_score(5);
  return f;
}

v1::CauseAttributed Cause(const std::string& answer, v1::SurveyCause cause,
                          const std::string& by = "qa-1") {
  v1::CauseAttributed f;
  f.set_answer_id(answer);
  f.set_cause(cause);
  f.set_attributed_by_ref(by);
  return f;
}

v1::LegalHoldPlaced Hold(const std::string& id) {
  v1::LegalHoldPlaced f;
  f.set_hold_id(id);
  f.mutable_scope()->add_call_ids("c-1");
  f.set_reason("litigation with a customer");
  f.set_case_reference("TJ Paris 24/00017");
  f.set_owner_ref("legal-1");
  *f.mutable_next_review_time() = ToTimestamp(kT0 + seconds(90 * 86400));
  return f;
}

v1::LegalHoldReviewed Review(const std::string& id) {
  v1::LegalHoldReviewed f;
  f.set_hold_id(id);
  f.set_reviewed_by_ref("legal-1");
  return f;
}

v1::LegalHoldReleased Release(const std::string& id) {
  v1::LegalHoldReleased f;
  f.set_hold_id(id);
  f.set_released_by_ref("legal-1");
  f.set_reason("case closed");
  return f;
}

v1::SubjectRequestReceived Request(const std::string& id,
                                   v1::RequestKind kind = v1::REQUEST_KIND_ACCESS) {
  v1::SubjectRequestReceived f;
  f.set_request_id(id);
  f.set_kind(kind);
  f.set_subject_ref("caller-1");
  f.set_subject_kind(v1::PARTY_CALLER);
  return f;
}

v1::SubjectRequestExtended Extension(const std::string& id, uint32_t months) {
  v1::SubjectRequestExtended f;
  f.set_request_id(id);
  f.set_extension_months(months);
  f.set_reason("many recordings to review");
  f.set_extended_by_ref("dpo-1");
  return f;
}

v1::SubjectRequestFulfilled Fulfilment(const std::string& id,
                                       v1::RequestOutcome outcome = v1::REQUEST_OUTCOME_GRANTED) {
  v1::SubjectRequestFulfilled f;
  f.set_request_id(id);
  f.set_outcome(outcome);
  f.add_call_ids("c-1");
  f.set_access_log_included(true);
  return f;
}

v1::EvaluationMethodPublished Method(const std::string& id, uint32_t version) {
  v1::EvaluationMethodPublished f;
  f.set_evaluation_method_id(id);
  f.set_evaluation_method_version(version);
  for (const char* code : {"GREET-1", "SOLVE-2"}) {
    auto* c = f.add_criteria();
    c->set_code(code);
    c->set_min_score(0);
    c->set_max_score(4);
  }
  return f;
}

// The log every case runs against:
//   registration "reg-1"; agent "a-1"; method "m-1" v1;
//   call "c-1" (ended at t0+100): recording "r-1" stored as copies "primary" (hash kHashPrimary)
//     and "backup" (no hash); transcript "t-1" of "r-1" (first copy "t-primary");
//   documents "d-1" (created) and "d-gone" (created, purged with receipt "rcpt-d");
//   survey answer "s-1"; holds "h-1" (placed) and "h-old" (placed, released);
//   requests "q-1" (received), "q-ext" (received, extended by 2 months), "q-done" (fulfilled).
void Populate(Ledger& l) {
  v1::ProcessingRegistered reg;
  reg.set_registration_id("reg-1");
  reg.set_registration_version(1);
  Ok(l.RegisterProcessing(reg, At(-100)));
  v1::AgentProvisioned agent;
  agent.set_agent_ref("a-1");
  Ok(l.ProvisionAgent(agent, At(-90)));
  Ok(l.PublishEvaluationMethod(Method("m-1", 1), At(-80)));

  v1::CallStarted call;
  call.set_call_id("c-1");
  call.set_registration_id("reg-1");
  call.set_agent_ref("a-1");
  Ok(l.StartCall(call, At(0)));
  v1::RecordingStarted rec;
  rec.set_call_id("c-1");
  rec.set_recording_id("r-1");
  rec.add_tracks(v1::TRACK_CALLER);
  rec.add_tracks(v1::TRACK_AGENT);
  Ok(l.StartRecording(rec, At(10)));
  v1::CallEnded end;
  end.set_call_id("c-1");
  Ok(l.EndCall(end, At(100)));
  v1::RecordingStored stored;
  stored.set_call_id("c-1");
  stored.set_recording_id("r-1");
  stored.set_copy_id("primary");
  stored.set_content_hash(kHashPrimary);
  Ok(l.StoreRecording(stored, At(110)));
  stored.set_copy_id("backup");
  stored.clear_content_hash();
  Ok(l.StoreRecording(stored, At(111)));
  Ok(l.CreateDerivedArtefact(Artefact("t-1"), At(120)));

  Ok(l.CreateAnalysisDocument(Document("d-1"), At(200)));
  Ok(l.CreateAnalysisDocument(Document("d-gone"), At(201)));
  Ok(l.PurgeAnalysisDocument(DocumentPurge("d-gone", kHashDocument, "rcpt-d"), At(202)));

  Ok(l.AnswerSurvey(Answer("s-1"), At(300)));
  Ok(l.PlaceLegalHold(Hold("h-1"), At(400)));
  Ok(l.PlaceLegalHold(Hold("h-old"), At(401)));
  Ok(l.ReleaseLegalHold(Release("h-old"), At(402)));

  Ok(l.ReceiveSubjectRequest(Request("q-1"), At(500)));
  Ok(l.ReceiveSubjectRequest(Request("q-ext"), At(501)));
  Ok(l.ExtendSubjectRequest(Extension("q-ext", 2), At(502)));
  Ok(l.ReceiveSubjectRequest(Request("q-done"), At(503)));
  Ok(l.FulfilSubjectRequest(Fulfilment("q-done"), At(504)));
}

struct Fixture {
  TempDir dir;
  std::unique_ptr<EventStore> store;
  std::unique_ptr<Ledger> ledger;

  Fixture() {
    StoreOptions options;
    options.sync = false;
    store = OpenStore(dir.path(), options);
    auto created = Ledger::Create(store.get());
    REQUIRE(created.ok());
    ledger = std::move(*created);
    Populate(*ledger);
  }

  Event Read(uint64_t position) {
    auto e = store->ReadEvent(position);
    REQUIRE_MESSAGE(e.ok(), e.status().ToString());
    return *e;
  }
};

// `r` landed at the head of `stream` at `revision`, holding `fact` as its payload.
template <typename Fact>
void CheckStored(Fixture& fx, const Recorded& r, const std::string& stream, int64_t revision,
                 const Fact& fact, const Fact& (Event::*payload)() const) {
  CHECK(r.stream == stream);
  CHECK(r.revision == revision);
  CHECK_FALSE(r.deduplicated);
  CHECK(r.position == fx.store->HeadPosition());
  const Event e = fx.Read(r.position);
  CHECK(e.stream_id() == stream);
  CHECK(google::protobuf::util::MessageDifferencer::Equals((e.*payload)(), fact));
}

TEST_CASE("Each retention, rights and evaluation fact is recorded in its stream as given") {
  Fixture fx;
  Ledger& l = *fx.ledger;

  auto doc = Document("d-2");
  CheckStored(fx, Ok(l.CreateAnalysisDocument(doc, At(600))), "document-d-2", 0, doc,
              &Event::analysis_document_created);
  auto amend = Amendment("d-2");
  CheckStored(fx, Ok(l.AmendAnalysisDocument(amend, At(601))), "document-d-2", 1, amend,
              &Event::analysis_document_amended);
  auto doc_override = v1::RetentionOverridden();
  doc_override.set_document_id("d-2");
  doc_override.set_cause_ref("q-1");
  doc_override.set_ground("needed for a pending appeal");
  doc_override.set_decided_by_ref("dpo-1");
  CheckStored(fx, Ok(l.OverrideRetention(doc_override, At(602))), "document-d-2", 2, doc_override,
              &Event::retention_overridden);
  auto doc_purge = DocumentPurge("d-2", kHashDocument, "rcpt-d2");
  CheckStored(fx, Ok(l.PurgeAnalysisDocument(doc_purge, At(603))), "document-d-2", 3, doc_purge,
              &Event::analysis_document_purged);

  // call-c-1: StartCall, StartRecording, EndCall, 2 x StoreRecording, CreateDerivedArtefact.
  auto artefact = Artefact("t-2");
  CheckStored(fx, Ok(l.CreateDerivedArtefact(artefact, At(610))), "call-c-1", 6, artefact,
              &Event::derived_artefact_created);
  auto rec_override = RecordingOverride();
  CheckStored(fx, Ok(l.OverrideRetention(rec_override, At(611))), "call-c-1", 7, rec_override,
              &Event::retention_overridden);
  auto purge = Purge("primary", kHashPrimary, "rcpt-1");
  CheckStored(fx, Ok(l.PurgeRecording(purge, At(612))), "call-c-1", 8, purge,
              &Event::recording_purged);
  auto artefact_purge = Purge("t-primary", kHashTranscript, "rcpt-t", "t-2");
  CheckStored(fx, Ok(l.PurgeRecording(artefact_purge, At(613))), "call-c-1", 9, artefact_purge,
              &Event::recording_purged);

  // agent-a-1: AgentProvisioned.
  auto decision = Decision("dec-1");
  CheckStored(fx, Ok(l.RecordDecision(decision, At(620))), "agent-a-1", 1, decision,
              &Event::decision_recorded);

  auto answer = Answer("s-2");
  CheckStored(fx, Ok(l.AnswerSurvey(answer, At(630))), "answer-s-2", 0, answer,
              &Event::survey_answered);
  auto cause = Cause("s-2", v1::SURVEY_CAUSE_NETWORK);
  CheckStored(fx, Ok(l.AttributeCause(cause, At(631))), "answer-s-2", 1, cause,
              &Event::cause_attributed);
  auto recause = Cause("s-2", v1::SURVEY_CAUSE_AGENT, "qa-2");  // a later attribution replaces
  CheckStored(fx, Ok(l.AttributeCause(recause, At(632))), "answer-s-2", 2, recause,
              &Event::cause_attributed);

  auto hold = Hold("h-2");
  CheckStored(fx, Ok(l.PlaceLegalHold(hold, At(640))), "hold-h-2", 0, hold,
              &Event::legal_hold_placed);
  auto review = Review("h-2");
  CheckStored(fx, Ok(l.ReviewLegalHold(review, At(641))), "hold-h-2", 1, review,
              &Event::legal_hold_reviewed);
  auto release = Release("h-2");
  CheckStored(fx, Ok(l.ReleaseLegalHold(release, At(642))), "hold-h-2", 2, release,
              &Event::legal_hold_released);

  auto request = Request("q-2", v1::REQUEST_KIND_ERASURE);
  CheckStored(fx, Ok(l.ReceiveSubjectRequest(request, At(650))), "request-q-2", 0, request,
              &Event::subject_request_received);
  auto extension = Extension("q-2", 1);
  CheckStored(fx, Ok(l.ExtendSubjectRequest(extension, At(651))), "request-q-2", 1, extension,
              &Event::subject_request_extended);
  auto fulfilment = Fulfilment("q-2", v1::REQUEST_OUTCOME_PARTIALLY_GRANTED);
  fulfilment.set_refusal_ground("recordings under legal hold h-1");
  CheckStored(fx, Ok(l.FulfilSubjectRequest(fulfilment, At(652))), "request-q-2", 2, fulfilment,
              &Event::subject_request_fulfilled);

  auto method = Method("m-1", 2);
  CheckStored(fx, Ok(l.PublishEvaluationMethod(method, At(660))), "method-m-1", 1, method,
              &Event::evaluation_method_published);

  CONSENT_CHECK_OK(fx.store->Verify());
}

TEST_CASE("Record and StreamForFact know the retention, rights and evaluation facts") {
  Fixture fx;
  Event e;
  *e.mutable_occur_time() = ToTimestamp(kT0 + seconds(700));
  *e.mutable_legal_hold_placed() = Hold("h-9");
  CHECK(*StreamForFact(e) == "hold-h-9");
  const Recorded r = Ok(fx.ledger->Record(e));
  CHECK(r.stream == "hold-h-9");

  Event survey;
  *survey.mutable_survey_answered() = Answer("s-9");
  CHECK(*StreamForFact(survey) == "answer-s-9");
  Event request;
  *request.mutable_subject_request_received() = Request("q-9");
  CHECK(*StreamForFact(request) == "request-q-9");
  Event document;
  *document.mutable_analysis_document_created() = Document("d-9");
  CHECK(*StreamForFact(document) == "document-d-9");
  Event purge;
  *purge.mutable_recording_purged() = Purge("primary", "", "");
  CHECK(*StreamForFact(purge) == "call-c-1");
  Event decision;
  *decision.mutable_decision_recorded() = Decision("dec-9");
  CHECK(*StreamForFact(decision) == "agent-a-1");
  Event doc_override;
  doc_override.mutable_retention_overridden()->set_document_id("d-1");
  CHECK(*StreamForFact(doc_override) == "document-d-1");
  Event rec_override;
  *rec_override.mutable_retention_overridden() = RecordingOverride();
  CHECK(*StreamForFact(rec_override) == "call-c-1");
}

TEST_CASE("Subject identities and erasures are routed but left to the SubjectDirectory") {
  Fixture fx;
  const uint64_t head = fx.store->HeadPosition();

  Event sealed;
  *sealed.mutable_occur_time() = ToTimestamp(kT0 + seconds(700));
  auto* s = sealed.mutable_subject_identity_sealed();
  s->set_subject_ref("caller-1");
  s->set_subject_kind(v1::PARTY_CALLER);
  s->set_key_id("k-1");
  s->set_sealed_identity("ciphertext");
  CHECK(*StreamForFact(sealed) == "subject-caller-1");
  auto r = fx.ledger->Record(sealed);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kFailedPrecondition);
  CHECK(r.status().context().stream == "subject-caller-1");
  CHECK(r.status().message().find("recorded by SubjectDirectory (SealIdentity / EraseSubject)") !=
        std::string::npos);
  CHECK(r.status().message().find("same batch") != std::string::npos);

  Event erased;
  *erased.mutable_occur_time() = ToTimestamp(kT0 + seconds(701));
  erased.mutable_subject_erased()->set_subject_ref("caller-1");
  erased.mutable_subject_erased()->set_key_id("k-1");
  CHECK(*StreamForFact(erased) == "subject-caller-1");
  r = fx.ledger->Record(erased);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kFailedPrecondition);
  CHECK(r.status().message().rfind("Record(subject \"caller-1\"): SubjectErased", 0) == 0);
  CHECK(fx.store->HeadPosition() == head);
}

struct BadFact {
  const char* name;
  std::function<StatusOr<Recorded>(Ledger&)> record;
  StatusCode code;
  std::string field;    // expected context().field
  std::string says;     // a substring of the message
  std::string op = "";  // expected start of the message
  bool has_position = false;
};

std::vector<BadFact> BadFacts() {
  const StatusCode kInvalid = StatusCode::kInvalidArgument;
  const StatusCode kContradicts = StatusCode::kFailedPrecondition;
  std::vector<BadFact> t;
  auto doc_with = [](std::function<void(v1::AnalysisDocumentCreated&)> change) {
    return [change](Ledger& l) {
      auto f = Document("d-new");
      change(f);
      return l.CreateAnalysisDocument(f, At(700));
    };
  };

  // ---- Analysis documents ----
  t.push_back({"a document without document_id", doc_with([](auto& f) { f.set_document_id(""); }),
               kInvalid, "document_id", "\"document_id\" is required", "CreateAnalysisDocument:"});
  t.push_back({"a document without registration_id",
               doc_with([](auto& f) { f.set_registration_id(""); }), kInvalid, "registration_id",
               "\"registration_id\" is required", "CreateAnalysisDocument(document \"d-new\")"});
  t.push_back({"a document without content", doc_with([](auto& f) { f.clear_content(); }), kInvalid,
               "content.kind", "ANALYSIS_DOCUMENT_KIND_UNSPECIFIED"});
  t.push_back({"a document without its agent",
               doc_with([](auto& f) { f.mutable_content()->set_agent_ref(""); }), kInvalid,
               "content.agent_ref", "\"content.agent_ref\" is required"});
  t.push_back({"a document without its evaluator",
               doc_with([](auto& f) { f.mutable_content()->set_evaluator_ref(""); }), kInvalid,
               "content.evaluator_ref", "\"content.evaluator_ref\" is required"});
  t.push_back({"a self-evaluation written by someone else", doc_with([](auto& f) {
                 f.mutable_content()->set_kind(v1::ANALYSIS_DOCUMENT_KIND_SELF_EVALUATION);
               }),
               kInvalid, "content.evaluator_ref", "is not content.agent_ref \"a-1\""});
  t.push_back({"a score without its criterion code",
               doc_with([](auto& f) { f.mutable_content()->add_scores()->set_score(1); }), kInvalid,
               "content.scores[1].criterion_code",
               "\"content.scores[1].criterion_code\" is required"});
  t.push_back({"an evaluated call without call_id",
               doc_with([](auto& f) { f.mutable_content()->add_calls(); }), kInvalid,
               "content.calls[1].call_id", "\"content.calls[1].call_id\" is required"});
  t.push_back({"a document created twice", doc_with([](auto& f) { f.set_document_id("d-1"); }),
               kContradicts, "document_id", "analysis document already exists",
               "CreateAnalysisDocument(document \"d-1\")", true});
  t.push_back({"an amendment without its author",
               [](Ledger& l) {
                 auto f = Amendment("d-1");
                 f.set_amended_by_ref("");
                 return l.AmendAnalysisDocument(f, At(700));
               },
               kInvalid, "amended_by_ref", "\"amended_by_ref\" is required"});
  t.push_back({"an amendment of an unknown document",
               [](Ledger& l) { return l.AmendAnalysisDocument(Amendment("d-404"), At(700)); },
               kContradicts, "document_id", "unknown analysis document",
               "AmendAnalysisDocument(document \"d-404\")"});
  t.push_back({"an amendment of a purged document",
               [](Ledger& l) { return l.AmendAnalysisDocument(Amendment("d-gone"), At(700)); },
               kContradicts, "document_id", "was purged", "", true});
  t.push_back({"a document purge without reason",
               [](Ledger& l) {
                 auto f = DocumentPurge("d-1");
                 f.set_reason(v1::PURGE_REASON_UNSPECIFIED);
                 return l.PurgeAnalysisDocument(f, At(700));
               },
               kInvalid, "reason", "PURGE_REASON_UNSPECIFIED"});
  t.push_back({"a purge of an unknown document",
               [](Ledger& l) { return l.PurgeAnalysisDocument(DocumentPurge("d-404"), At(700)); },
               kContradicts, "document_id", "unknown analysis document"});
  t.push_back({"a document purge with another receipt than the recorded one",
               [](Ledger& l) {
                 return l.PurgeAnalysisDocument(DocumentPurge("d-gone", kHashDocument, "rcpt-x"),
                                                At(700));
               },
               kContradicts, "storage_receipt", "already purged with a receipt",
               "PurgeAnalysisDocument(document \"d-gone\")", true});
  t.push_back({"a document purge whose hash is not the stored copy's",
               [](Ledger& l) {
                 return l.PurgeAnalysisDocument(DocumentPurge("d-1", std::string(32, '\x99'), "rcpt"),
                                                At(700));
               },
               kContradicts, "content_hash", "content_hash differs from the one stored with analysis document",
               "PurgeAnalysisDocument(document \"d-1\")", true});

  // ---- Derived artefacts ----
  auto artefact_with = [](std::function<void(v1::DerivedArtefactCreated&)> change) {
    return [change](Ledger& l) {
      auto f = Artefact("t-new");
      change(f);
      return l.CreateDerivedArtefact(f, At(700));
    };
  };
  t.push_back({"an artefact without artefact_id",
               artefact_with([](auto& f) { f.set_artefact_id(""); }), kInvalid, "artefact_id",
               "\"artefact_id\" is required", "CreateDerivedArtefact(call \"c-1\")"});
  t.push_back({"an artefact without its recording",
               artefact_with([](auto& f) { f.set_recording_id(""); }), kInvalid, "recording_id",
               "\"recording_id\" is required"});
  t.push_back({"an artefact without call_id", artefact_with([](auto& f) { f.set_call_id(""); }),
               kInvalid, "call_id", "\"call_id\" is required"});
  t.push_back({"an artefact without kind",
               artefact_with([](auto& f) { f.set_kind(v1::DERIVED_ARTEFACT_KIND_UNSPECIFIED); }),
               kInvalid, "kind", "DERIVED_ARTEFACT_KIND_UNSPECIFIED"});
  t.push_back({"an artefact without copy_id", artefact_with([](auto& f) { f.set_copy_id(""); }),
               kInvalid, "copy_id", "\"copy_id\" is required"});
  t.push_back({"an artefact of an unknown recording",
               artefact_with([](auto& f) { f.set_recording_id("r-404"); }), kContradicts,
               "recording_id", "unknown recording \"r-404\""});
  t.push_back({"an artefact id used twice in a recording",
               artefact_with([](auto& f) { f.set_artefact_id("t-1"); }), kContradicts,
               "artefact_id", "artefact \"t-1\" of recording \"r-1\" already exists", "", true});
  t.push_back({"an artefact on an unknown call",
               artefact_with([](auto& f) { f.set_call_id("c-404"); }), kContradicts, "call_id",
               "unknown call"});

  // ---- Recording purges ----
  t.push_back(
      {"a purge without recording_id",
       [](Ledger& l) { return l.PurgeRecording(Purge("primary", "", "", "", ""), At(700)); },
       kInvalid, "recording_id", "\"recording_id\" is required"});
  t.push_back({"a purge without copy_id",
               [](Ledger& l) { return l.PurgeRecording(Purge("", "", ""), At(700)); }, kInvalid,
               "copy_id", "\"copy_id\" is required"});
  t.push_back({"a purge without call_id",
               [](Ledger& l) {
                 auto f = Purge("primary", "", "");
                 f.set_call_id("");
                 return l.PurgeRecording(f, At(700));
               },
               kInvalid, "call_id", "\"call_id\" is required", "PurgeRecording:"});
  t.push_back({"a purge without reason",
               [](Ledger& l) {
                 auto f = Purge("primary", "", "");
                 f.set_reason(v1::PURGE_REASON_UNSPECIFIED);
                 return l.PurgeRecording(f, At(700));
               },
               kInvalid, "reason", "PURGE_REASON_UNSPECIFIED"});
  t.push_back(
      {"a purge of an unknown recording",
       [](Ledger& l) { return l.PurgeRecording(Purge("primary", "", "", "", "r-404"), At(700)); },
       kContradicts, "recording_id", "unknown recording \"r-404\""});
  t.push_back({"a purge of a copy never stored",
               [](Ledger& l) { return l.PurgeRecording(Purge("archive", "", ""), At(700)); },
               kContradicts, "copy_id",
               "unknown copy \"archive\" of recording \"r-1\" (no RecordingStored)",
               "PurgeRecording(call \"c-1\")"});
  t.push_back(
      {"a purge of an artefact copy never stored",
       [](Ledger& l) { return l.PurgeRecording(Purge("t-primary", "", "", "t-404"), At(700)); },
       kContradicts, "copy_id", "unknown copy \"t-primary\" of artefact \"t-404\""});
  t.push_back({"a purge whose hash is not the stored copy's",
               [](Ledger& l) {
                 return l.PurgeRecording(Purge("primary", std::string(32, '\x99'), "rcpt"),
                                         At(700));
               },
               kContradicts, "content_hash",
               "content_hash differs from the one stored with copy \"primary\"", "", true});
  t.push_back({"a purge of an artefact copy whose hash is not the stored one",
               [](Ledger& l) {
                 return l.PurgeRecording(Purge("t-primary", kHashPrimary, "rcpt", "t-1"), At(700));
               },
               kContradicts, "content_hash", "artefact \"t-1\"", "", true});

  // ---- Retention overrides ----
  auto override_with = [](std::function<void(v1::RetentionOverridden&)> change) {
    return [change](Ledger& l) {
      auto f = RecordingOverride();
      change(f);
      return l.OverrideRetention(f, At(700));
    };
  };
  t.push_back({"an override without target", override_with([](auto& f) { f.set_recording_id(""); }),
               kInvalid, "recording_id", "a target is required", "OverrideRetention:"});
  t.push_back({"an override of a recording and a document at once",
               override_with([](auto& f) { f.set_document_id("d-1"); }), kInvalid, "document_id",
               "exactly one target"});
  t.push_back({"an override of a document with an artefact", override_with([](auto& f) {
                 f.set_recording_id("");
                 f.set_document_id("d-1");
                 f.set_artefact_id("t-1");
               }),
               kInvalid, "artefact_id", "cannot go with"});
  t.push_back({"an override of a recording without call_id",
               override_with([](auto& f) { f.set_call_id(""); }), kInvalid, "call_id",
               "\"call_id\" is required"});
  t.push_back({"an override without cause_ref", override_with([](auto& f) { f.set_cause_ref(""); }),
               kInvalid, "cause_ref", "\"cause_ref\" is required",
               "OverrideRetention(call \"c-1\")"});
  t.push_back({"an override without ground", override_with([](auto& f) { f.set_ground(""); }),
               kInvalid, "ground", "\"ground\" is required"});
  t.push_back({"an override without its decider",
               override_with([](auto& f) { f.set_decided_by_ref(""); }), kInvalid, "decided_by_ref",
               "\"decided_by_ref\" is required"});
  t.push_back({"an override of an unknown recording",
               override_with([](auto& f) { f.set_recording_id("r-404"); }), kContradicts,
               "recording_id", "unknown recording"});
  t.push_back({"an override of an unknown artefact",
               override_with([](auto& f) { f.set_artefact_id("t-404"); }), kContradicts,
               "artefact_id", "unknown artefact \"t-404\""});
  t.push_back({"an override of an unknown document", override_with([](auto& f) {
                 f.set_recording_id("");
                 f.set_call_id("");
                 f.set_document_id("d-404");
               }),
               kContradicts, "document_id", "unknown analysis document",
               "OverrideRetention(document \"d-404\")"});

  // ---- Decisions ----
  auto decision_with = [](std::function<void(v1::DecisionRecorded&)> change) {
    return [change](Ledger& l) {
      auto f = Decision("dec-new");
      change(f);
      return l.RecordDecision(f, At(700));
    };
  };
  t.push_back({"a decision without decision_id",
               decision_with([](auto& f) { f.set_decision_id(""); }), kInvalid, "decision_id",
               "\"decision_id\" is required", "RecordDecision(agent \"a-1\")"});
  t.push_back({"a decision without agent", decision_with([](auto& f) { f.set_agent_ref(""); }),
               kInvalid, "agent_ref", "\"agent_ref\" is required"});
  t.push_back({"a decision without kind",
               decision_with([](auto& f) { f.set_kind(v1::DECISION_KIND_UNSPECIFIED); }), kInvalid,
               "kind", "DECISION_KIND_UNSPECIFIED"});
  t.push_back({"a decision without its decider",
               decision_with([](auto& f) { f.set_decided_by_ref(""); }), kInvalid, "decided_by_ref",
               "\"decided_by_ref\" is required"});
  t.push_back({"a decision resting on nothing",
               decision_with([](auto& f) { f.clear_document_ids(); }), kInvalid, "document_ids",
               "at least one input"});
  t.push_back({"a decision naming an empty document id",
               decision_with([](auto& f) { f.add_document_ids(""); }), kInvalid, "document_ids[1]",
               "\"document_ids[1]\" is required"});

  // ---- Surveys ----
  auto answer_with = [](std::function<void(v1::SurveyAnswered&)> change) {
    return [change](Ledger& l) {
      auto f = Answer("s-new");
      change(f);
      return l.AnswerSurvey(f, At(700));
    };
  };
  t.push_back({"an answer without answer_id", answer_with([](auto& f) { f.set_answer_id(""); }),
               kInvalid, "answer_id", "\"answer_id\" is required", "AnswerSurvey:"});
  t.push_back({"an answer without survey_id", answer_with([](auto& f) { f.set_survey_id(""); }),
               kInvalid, "survey_id", "\"survey_id\" is required",
               "AnswerSurvey(answer \"s-new\")"});
  t.push_back({"an answer without call_id", answer_with([](auto& f) { f.set_call_id(""); }),
               kInvalid, "call_id", "\"call_id\" is required"});
  t.push_back({"an answer without agent", answer_with([](auto& f) { f.set_agent_ref(""); }),
               kInvalid, "agent_ref", "\"agent_ref\" is required"});
  t.push_back({"an answer on a scale without maximum",
               answer_with([](auto& f) { f.set_max_score(0); }), kInvalid, "max_score",
               "max_score > 0"});
  t.push_back({"an answer scored above the scale", answer_with([](auto& f) { f.set_score(6); }),
               kInvalid, "score", "score 6 is outside 0..5"});
  t.push_back({"an answer scored below zero", answer_with([](auto& f) { f.set_score(-1); }),
               kInvalid, "score", "outside 0..5"});
  t.push_back({"an answer recorded twice", answer_with([](auto& f) { f.set_answer_id("s-1"); }),
               kContradicts, "answer_id", "survey answer already exists", "", true});
  t.push_back({"a cause attribution without its author",
               [](Ledger& l) {
                 return l.AttributeCause(Cause("s-1", v1::SURVEY_CAUSE_NETWORK, ""), At(700));
               },
               kInvalid, "attributed_by_ref", "\"attributed_by_ref\" is required",
               "AttributeCause(answer \"s-1\")"});
  t.push_back({"a cause attribution without cause",
               [](Ledger& l) {
                 return l.AttributeCause(Cause("s-1", v1::SURVEY_CAUSE_UNSPECIFIED), At(700));
               },
               kInvalid, "cause", "SURVEY_CAUSE_UNSPECIFIED"});
  t.push_back(
      {"a cause attributed to an unknown answer",
       [](Ledger& l) { return l.AttributeCause(Cause("s-404", v1::SURVEY_CAUSE_AGENT), At(700)); },
       kContradicts, "answer_id", "unknown survey answer"});

  // ---- Evaluation methods ----
  auto method_with = [](std::function<void(v1::EvaluationMethodPublished&)> change) {
    return [change](Ledger& l) {
      auto f = Method("m-1", 2);
      change(f);
      return l.PublishEvaluationMethod(f, At(700));
    };
  };
  t.push_back({"a criterion without code",
               method_with([](auto& f) { f.mutable_criteria(1)->set_code(""); }), kInvalid,
               "criteria[1].code", "\"criteria[1].code\" is required"});
  t.push_back({"a criterion code used twice",
               method_with([](auto& f) { f.mutable_criteria(1)->set_code("GREET-1"); }), kInvalid,
               "criteria[1].code", "already used by criteria[0]"});
  t.push_back({"a criterion whose scale is upside down",
               method_with([](auto& f) { f.mutable_criteria(0)->set_min_score(5); }), kInvalid,
               "criteria[0].max_score", "below min_score 5"});
  t.push_back({"a method version published twice",
               method_with([](auto& f) { f.set_evaluation_method_version(1); }), kContradicts,
               "evaluation_method_version", "already published", "", true});

  // ---- Legal holds ----
  auto hold_with = [](std::function<void(v1::LegalHoldPlaced&)> change) {
    return [change](Ledger& l) {
      auto f = Hold("h-new");
      change(f);
      return l.PlaceLegalHold(f, At(700));
    };
  };
  t.push_back({"a hold without hold_id", hold_with([](auto& f) { f.set_hold_id(""); }), kInvalid,
               "hold_id", "\"hold_id\" is required", "PlaceLegalHold:"});
  t.push_back({"a hold without reason", hold_with([](auto& f) { f.set_reason(""); }), kInvalid,
               "reason", "\"reason\" is required", "PlaceLegalHold(hold \"h-new\")"});
  t.push_back({"a hold over nothing", hold_with([](auto& f) { f.clear_scope(); }), kInvalid,
               "scope", "\"scope\" is required"});
  t.push_back({"a hold reviewed before it is placed", hold_with([](auto& f) {
                 *f.mutable_next_review_time() = ToTimestamp(kT0 + seconds(699));
               }),
               kInvalid, "next_review_time", "is before occur_time"});
  t.push_back({"a hold placed twice", hold_with([](auto& f) { f.set_hold_id("h-1"); }),
               kContradicts, "hold_id", "hold already exists", "PlaceLegalHold(hold \"h-1\")",
               true});
  t.push_back({"a review without reviewer",
               [](Ledger& l) {
                 auto f = Review("h-1");
                 f.set_reviewed_by_ref("");
                 return l.ReviewLegalHold(f, At(700));
               },
               kInvalid, "reviewed_by_ref", "\"reviewed_by_ref\" is required"});
  t.push_back({"a review planning the next one in the past",
               [](Ledger& l) {
                 auto f = Review("h-1");
                 *f.mutable_next_review_time() = ToTimestamp(kT0 + seconds(10));
                 return l.ReviewLegalHold(f, At(700));
               },
               kInvalid, "next_review_time", "is before occur_time"});
  t.push_back({"a review of a hold never placed",
               [](Ledger& l) { return l.ReviewLegalHold(Review("h-404"), At(700)); }, kContradicts,
               "hold_id", "hold \"h-404\" is not active", "ReviewLegalHold(hold \"h-404\")"});
  t.push_back({"a review of a released hold",
               [](Ledger& l) { return l.ReviewLegalHold(Review("h-old"), At(700)); }, kContradicts,
               "hold_id", "hold \"h-old\" is not active", "", true});
  t.push_back({"a release without releaser",
               [](Ledger& l) {
                 auto f = Release("h-1");
                 f.set_released_by_ref("");
                 return l.ReleaseLegalHold(f, At(700));
               },
               kInvalid, "released_by_ref", "\"released_by_ref\" is required"});
  t.push_back({"a release of a released hold",
               [](Ledger& l) { return l.ReleaseLegalHold(Release("h-old"), At(700)); },
               kContradicts, "hold_id", "is not active", "ReleaseLegalHold(hold \"h-old\")", true});

  // ---- Subject requests ----
  auto request_with = [](std::function<void(v1::SubjectRequestReceived&)> change) {
    return [change](Ledger& l) {
      auto f = Request("q-new");
      change(f);
      return l.ReceiveSubjectRequest(f, At(700));
    };
  };
  t.push_back({"a request without request_id", request_with([](auto& f) { f.set_request_id(""); }),
               kInvalid, "request_id", "\"request_id\" is required"});
  t.push_back({"a request without kind",
               request_with([](auto& f) { f.set_kind(v1::REQUEST_KIND_UNSPECIFIED); }), kInvalid,
               "kind", "REQUEST_KIND_UNSPECIFIED", "ReceiveSubjectRequest(request \"q-new\")"});
  t.push_back({"a request without subject", request_with([](auto& f) { f.set_subject_ref(""); }),
               kInvalid, "subject_ref", "\"subject_ref\" is required"});
  t.push_back({"a request without subject kind",
               request_with([](auto& f) { f.set_subject_kind(v1::PARTY_UNSPECIFIED); }), kInvalid,
               "subject_kind", "PARTY_UNSPECIFIED"});
  t.push_back({"a request received twice", request_with([](auto& f) { f.set_request_id("q-1"); }),
               kContradicts, "request_id", "request already exists", "", true});
  t.push_back({"an extension of 0 months",
               [](Ledger& l) { return l.ExtendSubjectRequest(Extension("q-1", 0), At(700)); },
               kInvalid, "extension_months", "1 or 2 months"});
  t.push_back({"an extension of 3 months",
               [](Ledger& l) { return l.ExtendSubjectRequest(Extension("q-1", 3), At(700)); },
               kInvalid, "extension_months", "1 or 2 months"});
  t.push_back({"an extension without reason",
               [](Ledger& l) {
                 auto f = Extension("q-1", 1);
                 f.set_reason("");
                 return l.ExtendSubjectRequest(f, At(700));
               },
               kInvalid, "reason", "\"reason\" is required"});
  t.push_back({"an extension without its author",
               [](Ledger& l) {
                 auto f = Extension("q-1", 1);
                 f.set_extended_by_ref("");
                 return l.ExtendSubjectRequest(f, At(700));
               },
               kInvalid, "extended_by_ref", "\"extended_by_ref\" is required"});
  t.push_back({"an extension of an unknown request",
               [](Ledger& l) { return l.ExtendSubjectRequest(Extension("q-404", 1), At(700)); },
               kContradicts, "request_id", "unknown request \"q-404\""});
  t.push_back({"an extension beyond 2 months in total",
               [](Ledger& l) { return l.ExtendSubjectRequest(Extension("q-ext", 1), At(700)); },
               kContradicts, "extension_months", "already extended by 2 month(s)",
               "ExtendSubjectRequest(request \"q-ext\")", true});
  t.push_back({"an extension of a fulfilled request",
               [](Ledger& l) { return l.ExtendSubjectRequest(Extension("q-done", 1), At(700)); },
               kContradicts, "request_id", "already fulfilled", "", true});
  t.push_back({"a fulfilment without outcome",
               [](Ledger& l) {
                 return l.FulfilSubjectRequest(Fulfilment("q-1", v1::REQUEST_OUTCOME_UNSPECIFIED),
                                               At(700));
               },
               kInvalid, "outcome", "REQUEST_OUTCOME_UNSPECIFIED"});
  t.push_back({"a refusal without ground",
               [](Ledger& l) {
                 return l.FulfilSubjectRequest(Fulfilment("q-1", v1::REQUEST_OUTCOME_REFUSED),
                                               At(700));
               },
               kInvalid, "refusal_ground", "REQUEST_OUTCOME_REFUSED"});
  t.push_back({"a partial grant without ground",
               [](Ledger& l) {
                 return l.FulfilSubjectRequest(
                     Fulfilment("q-1", v1::REQUEST_OUTCOME_PARTIALLY_GRANTED), At(700));
               },
               kInvalid, "refusal_ground", "\"refusal_ground\" is required"});
  t.push_back({"a fulfilment of an unknown request",
               [](Ledger& l) { return l.FulfilSubjectRequest(Fulfilment("q-404"), At(700)); },
               kContradicts, "request_id", "unknown request"});
  t.push_back({"a request fulfilled twice",
               [](Ledger& l) { return l.FulfilSubjectRequest(Fulfilment("q-done"), At(700)); },
               kContradicts, "request_id", "already fulfilled",
               "FulfilSubjectRequest(request \"q-done\")", true});
  return t;
}

TEST_CASE("The Ledger refuses each malformed or impossible retention fact and appends nothing") {
  Fixture fx;
  const uint64_t head = fx.store->HeadPosition();
  for (const BadFact& c : BadFacts()) {
    CAPTURE(c.name);
    StatusOr<Recorded> r = c.record(*fx.ledger);
    REQUIRE_FALSE(r.ok());
    const Status s = r.status();
    CAPTURE(s.ToString());
    CHECK(s.code() == c.code);
    CHECK(s.context().field == c.field);
    CHECK(s.message().find(c.says) != std::string::npos);
    if (!c.op.empty()) CHECK(s.message().rfind(c.op, 0) == 0);
    if (c.has_position) CHECK(s.context().position.has_value());
    CHECK(fx.store->HeadPosition() == head);
  }
  CONSENT_CHECK_OK(fx.store->Verify());

  // A fresh Ledger (nothing cached) gives the same answers.
  auto fresh = Ledger::Create(fx.store.get());
  REQUIRE(fresh.ok());
  for (const BadFact& c : BadFacts()) {
    CAPTURE(c.name);
    StatusOr<Recorded> r = c.record(**fresh);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == c.code);
    CHECK(r.status().context().field == c.field);
  }
  CHECK(fx.store->HeadPosition() == head);
}

TEST_CASE("A purge receipt repeated under any event id is recorded once") {
  Fixture fx;
  Ledger& l = *fx.ledger;
  const Recorded first =
      Ok(l.PurgeRecording(Purge("primary", kHashPrimary, "rcpt-1"), AtWithId(700, Id('1'))));
  const uint64_t head = fx.store->HeadPosition();
  CHECK(first.position == head);

  SUBCASE("the same receipt under a new event id returns the first purge") {
    const Recorded again =
        Ok(l.PurgeRecording(Purge("primary", kHashPrimary, "rcpt-1"), AtWithId(760, Id('2'))));
    CHECK(again.deduplicated);
    CHECK(again.position == first.position);
    CHECK(again.revision == first.revision);
    CHECK(again.event_id == first.event_id);
    // A fresh Ledger folds the log and answers the same.
    auto fresh = Ledger::Create(fx.store.get());
    REQUIRE(fresh.ok());
    const Recorded third =
        Ok((*fresh)->PurgeRecording(Purge("primary", kHashPrimary, "rcpt-1"), At(800)));
    CHECK(third.deduplicated);
    CHECK(third.position == first.position);
  }
  SUBCASE("a retry with the same event id is deduplicated") {
    const Recorded retry =
        Ok(l.PurgeRecording(Purge("primary", kHashPrimary, "rcpt-1"), AtWithId(700, Id('1'))));
    CHECK(retry.deduplicated);
    CHECK(retry.position == first.position);
  }
  SUBCASE("another receipt for the same copy is refused, naming the first") {
    auto r = l.PurgeRecording(Purge("primary", kHashPrimary, "rcpt-2"), At(760));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kFailedPrecondition);
    CHECK(r.status().context().field == "storage_receipt");
    CHECK(r.status().context().position == first.position);
    CHECK(r.status().message().find("position " + std::to_string(first.position)) !=
          std::string::npos);
  }
  SUBCASE("a purge without receipt after a receipted one is refused") {
    auto r = l.PurgeRecording(Purge("primary", "", ""), At(760));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kFailedPrecondition);
    CHECK(r.status().message().find("carries no receipt") != std::string::npos);
  }
  CHECK(fx.store->HeadPosition() == head);
  CONSENT_CHECK_OK(fx.store->Verify());
}

TEST_CASE("A receipt completing a receipt-less purge is appended, then deduplicated") {
  Fixture fx;
  Ledger& l = *fx.ledger;
  // The backup copy has no stored hash: any hash is accepted with it.
  const Recorded bare = Ok(l.PurgeRecording(Purge("backup", "", ""), At(700)));
  const Recorded bare_again = Ok(l.PurgeRecording(Purge("backup", "", ""), At(701)));
  CHECK_FALSE(bare_again.deduplicated);  // receipt-less purges are evidence, each recorded
  const Recorded complete =
      Ok(l.PurgeRecording(Purge("backup", std::string(32, '\x44'), "rcpt-b"), At(702)));
  CHECK_FALSE(complete.deduplicated);
  CHECK(complete.position > bare.position);
  const Recorded repeat =
      Ok(l.PurgeRecording(Purge("backup", std::string(32, '\x44'), "rcpt-b"), At(703)));
  CHECK(repeat.deduplicated);
  CHECK(repeat.position == complete.position);
  // A hash alone is not a receipt.
  const Recorded transcript =
      Ok(l.PurgeRecording(Purge("t-primary", kHashTranscript, "", "t-1"), At(704)));
  CHECK_FALSE(transcript.deduplicated);
  const Recorded receipted =
      Ok(l.PurgeRecording(Purge("t-primary", kHashTranscript, "rcpt-t", "t-1"), At(705)));
  CHECK_FALSE(receipted.deduplicated);
  CHECK(receipted.position == fx.store->HeadPosition());
}

TEST_CASE("A document purge receipt is idempotent too") {
  Fixture fx;
  Ledger& l = *fx.ledger;
  const uint64_t head = fx.store->HeadPosition();
  // "d-gone" was purged with receipt "rcpt-d" while populating.
  const Recorded again =
      Ok(l.PurgeAnalysisDocument(DocumentPurge("d-gone", kHashDocument, "rcpt-d"), At(700)));
  CHECK(again.deduplicated);
  CHECK(again.stream == "document-d-gone");
  CHECK(again.revision == 1);
  CHECK(fx.store->HeadPosition() == head);

  Ok(l.PurgeAnalysisDocument(DocumentPurge("d-1"), At(701)));  // without receipt: evidence
  const Recorded completed =
      Ok(l.PurgeAnalysisDocument(DocumentPurge("d-1", kHashDocument, "rcpt-d1"), At(702)));
  CHECK_FALSE(completed.deduplicated);
  CHECK(completed.revision == 2);
}

TEST_CASE("Artefact copies are purged and overridden like the recording's own copies") {
  Fixture fx;
  Ledger& l = *fx.ledger;
  // A second copy of the transcript, stored later.
  v1::RecordingStored backup;
  backup.set_call_id("c-1");
  backup.set_recording_id("r-1");
  backup.set_artefact_id("t-1");
  backup.set_copy_id("t-backup");
  backup.set_content_hash(kHashTranscript);
  Ok(l.StoreRecording(backup, At(700)));
  Ok(l.PurgeRecording(Purge("t-backup", kHashTranscript, "rcpt-tb", "t-1"), At(701)));
  // The same copy id under the recording itself is another copy, never stored.
  auto own = l.PurgeRecording(Purge("t-backup", "", ""), At(702));
  CHECK(own.status().code() == StatusCode::kFailedPrecondition);
  CHECK(own.status().context().field == "copy_id");

  auto keep = RecordingOverride();
  keep.set_artefact_id("t-1");
  *keep.mutable_keep_until_time() = ToTimestamp(kT0 + seconds(365 * 86400));
  const Recorded r = Ok(l.OverrideRetention(keep, At(703)));
  CHECK(r.stream == "call-c-1");
  CHECK(fx.Read(r.position).retention_overridden().artefact_id() == "t-1");
  CONSENT_CHECK_OK(fx.store->Verify());
}

TEST_CASE("Two Ledgers racing the same purge receipt record it once") {
  Fixture fx;
  auto other = Ledger::Create(fx.store.get());
  REQUIRE(other.ok());
  const Recorded a = Ok(
      fx.ledger->PurgeRecording(Purge("primary", kHashPrimary, "rcpt-1"), AtWithId(700, Id('a'))));
  // The other Ledger has never seen the call: it folds it and finds the receipt.
  const Recorded b = Ok(
      (*other)->PurgeRecording(Purge("primary", kHashPrimary, "rcpt-1"), AtWithId(701, Id('b'))));
  CHECK(b.deduplicated);
  CHECK(b.position == a.position);
  CHECK(fx.store->HeadPosition() == a.position);
}

TEST_CASE("StreamForFact names the missing routing field of each new fact") {
  struct Case {
    std::function<void(Event&)> set;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](Event& e) { e.mutable_analysis_document_created(); }, "document_id"},
      {[](Event& e) { e.mutable_analysis_document_amended(); }, "document_id"},
      {[](Event& e) { e.mutable_analysis_document_purged(); }, "document_id"},
      {[](Event& e) { e.mutable_derived_artefact_created(); }, "call_id"},
      {[](Event& e) { e.mutable_decision_recorded(); }, "agent_ref"},
      {[](Event& e) { e.mutable_survey_answered(); }, "answer_id"},
      {[](Event& e) { e.mutable_cause_attributed(); }, "answer_id"},
      {[](Event& e) { e.mutable_recording_purged(); }, "call_id"},
      {[](Event& e) { e.mutable_retention_overridden(); }, "recording_id"},
      {[](Event& e) { e.mutable_legal_hold_placed(); }, "hold_id"},
      {[](Event& e) { e.mutable_legal_hold_reviewed(); }, "hold_id"},
      {[](Event& e) { e.mutable_legal_hold_released(); }, "hold_id"},
      {[](Event& e) { e.mutable_subject_request_received(); }, "request_id"},
      {[](Event& e) { e.mutable_subject_request_extended(); }, "request_id"},
      {[](Event& e) { e.mutable_subject_request_fulfilled(); }, "request_id"},
      {[](Event& e) { e.mutable_subject_identity_sealed(); }, "subject_ref"},
      {[](Event& e) { e.mutable_subject_erased(); }, "subject_ref"},
  };
  for (const Case& c : cases) {
    Event e;
    c.set(e);
    CAPTURE(PayloadTypeName(e));
    auto stream = StreamForFact(e);
    REQUIRE_FALSE(stream.ok());
    CHECK(stream.status().code() == StatusCode::kInvalidArgument);
    CHECK(stream.status().context().field == c.field);
  }
}

TEST_CASE("Extensions of a subject request total at most two months") {
  Fixture fx;
  Ledger& l = *fx.ledger;
  const Recorded one = Ok(l.ExtendSubjectRequest(Extension("q-1", 1), At(700)));
  const Recorded two = Ok(l.ExtendSubjectRequest(Extension("q-1", 1), At(701)));
  CHECK(two.revision == 2);
  auto three = l.ExtendSubjectRequest(Extension("q-1", 1), At(702));
  REQUIRE_FALSE(three.ok());
  CHECK(three.status().code() == StatusCode::kFailedPrecondition);
  CHECK(three.status().context().position == two.position);
  CHECK(three.status().message().find("already extended by 2 month(s)") != std::string::npos);
  // One month used: a two-month extension would exceed the total.
  Ok(l.ReceiveSubjectRequest(Request("q-3"), At(703)));
  const Recorded first = Ok(l.ExtendSubjectRequest(Extension("q-3", 1), At(704)));
  auto over = l.ExtendSubjectRequest(Extension("q-3", 2), At(705));
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().context().position == first.position);
  CHECK(one.position < two.position);
}

TEST_CASE("A cause attribution without its author is refused and a later one replaces it") {
  Fixture fx;
  Ledger& l = *fx.ledger;
  const uint64_t head = fx.store->HeadPosition();
  auto r = l.AttributeCause(Cause("s-1", v1::SURVEY_CAUSE_PRODUCT, ""), At(700));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().context().field == "attributed_by_ref");
  CHECK(r.status().context().stream == "answer-s-1");
  CHECK(fx.store->HeadPosition() == head);
  CHECK(Ok(l.AttributeCause(Cause("s-1", v1::SURVEY_CAUSE_PRODUCT), At(701))).revision == 1);
  CHECK(Ok(l.AttributeCause(Cause("s-1", v1::SURVEY_CAUSE_UNKNOWN), At(702))).revision == 2);
}

TEST_CASE("Evidence the projections judge is recorded: long free text, lone self-evaluations") {
  Fixture fx;
  Ledger& l = *fx.ledger;
  auto doc = Document("d-long");
  doc.mutable_content()->set_free_text(std::string(501, 'x') + "\xC3\xA9");  // 502 code points
  doc.mutable_content()->set_free_text_flagged(false);
  const Recorded r = Ok(l.CreateAnalysisDocument(doc, At(700)));
  CHECK(fx.Read(r.position).analysis_document_created().content().free_text().size() == 503);

  auto self = Document("d-self");
  self.mutable_content()->set_kind(v1::ANALYSIS_DOCUMENT_KIND_SELF_EVALUATION);
  self.mutable_content()->set_evaluator_ref("a-1");
  Ok(l.CreateAnalysisDocument(self, At(701)));
  auto decision = Decision("dec-self");
  decision.clear_document_ids();
  decision.add_document_ids("d-self");  // LC-EVAL-3 judges it; the Ledger records it
  CHECK(Ok(l.RecordDecision(decision, At(702))).stream == "agent-a-1");
  auto twice = l.RecordDecision(decision, At(703));
  CHECK(twice.status().code() == StatusCode::kFailedPrecondition);
  CHECK(twice.status().context().field == "decision_id");
}

}  // namespace
}  // namespace consent::testing
