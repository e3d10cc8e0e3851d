// SPDX-License-Identifier: Apache-2.0
// The Ledger: facts land in the right stream, access is checked at the door (LC-ACC-1),
// possible-but-unlawful facts are recorded as evidence, retries are idempotent, and several
// Ledgers on one store stay correct.
#include "consent/ledger.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "consent/event_store.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

using std::chrono::seconds;
using Time = std::chrono::system_clock::time_point;

// 2024-05-01T08:00:00Z: the start of every scenario.
const Time kT0 = Time(seconds(1714550400));

FactOptions At(int offset_seconds) {
  FactOptions o;
  o.occur_time = kT0 + seconds(offset_seconds);
  return o;
}

FactOptions AtWithId(int offset_seconds, const std::string& event_id) {
  FactOptions o = At(offset_seconds);
  o.event_id = event_id;
  return o;
}

template <typename T>
T Ok(StatusOr<T> r) {
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return std::move(r).value();
}

std::unique_ptr<Ledger> MakeLedger(EventStore* store, LedgerOptions options = {}) {
  return Ok(Ledger::Create(store, options));
}

std::unique_ptr<EventStore> OpenFastStore(const std::string& path) {
  StoreOptions options;
  options.sync = false;
  return OpenStore(path, options);
}

// ---- Fact builders ------------------------------------------------------------------------

v1::ProcessingRegistered Registration(const std::string& id,
                                      std::initializer_list<const char*> roles,
                                      std::initializer_list<v1::Purpose> purposes) {
  v1::ProcessingRegistered f;
  f.set_registration_id(id);
  f.set_registration_version(1);
  auto* d = f.mutable_details();
  d->set_controller("Acme Contact SAS");
  d->set_dpo_contact("dpo@acme.example");
  d->set_legal_basis(v1::LEGAL_BASIS_LEGITIMATE_INTERESTS);
  for (const char* r : roles) d->add_recipient_roles(r);
  for (v1::Purpose p : purposes) d->add_purposes()->set_purpose(p);
  d->set_recording_retention_months(6);
  d->set_analysis_retention_months(12);
  return f;
}

v1::CallStarted CallStart(const std::string& call, const std::string& registration = "reg-1") {
  v1::CallStarted f;
  f.set_call_id(call);
  f.set_direction(v1::CALL_DIRECTION_INBOUND);
  f.set_line_id("l-1");
  f.set_agent_ref("a-1");
  f.set_registration_id(registration);
  f.set_registration_version(1);
  return f;
}

v1::CallEnded CallEnd(const std::string& call) {
  v1::CallEnded f;
  f.set_call_id(call);
  f.set_cause(v1::CALL_END_CAUSE_CALLER_HUNG_UP);
  return f;
}

v1::RecordingStarted RecStart(const std::string& call, const std::string& rec,
                              std::initializer_list<v1::Track> tracks = {v1::TRACK_CALLER,
                                                                         v1::TRACK_AGENT}) {
  v1::RecordingStarted f;
  f.set_call_id(call);
  f.set_recording_id(rec);
  for (v1::Track t : tracks) f.add_tracks(t);
  f.set_trigger(v1::RECORDING_TRIGGER_SAMPLED);
  f.add_purposes(v1::PURPOSE_TRAINING);
  return f;
}

template <typename Fact>
Fact TrackFact(const std::string& call, const std::string& rec,
               std::initializer_list<v1::Track> tracks) {
  Fact f;
  f.set_call_id(call);
  f.set_recording_id(rec);
  for (v1::Track t : tracks) f.add_tracks(t);
  return f;
}

v1::RecordingPaused Pause(const std::string& call, const std::string& rec,
                          std::initializer_list<v1::Track> tracks = {v1::TRACK_CALLER,
                                                                     v1::TRACK_AGENT}) {
  return TrackFact<v1::RecordingPaused>(call, rec, tracks);
}
v1::RecordingResumed Resume(const std::string& call, const std::string& rec,
                            std::initializer_list<v1::Track> tracks = {v1::TRACK_CALLER,
                                                                       v1::TRACK_AGENT}) {
  return TrackFact<v1::RecordingResumed>(call, rec, tracks);
}
v1::RecordingStopped Stop(const std::string& call, const std::string& rec,
                          std::initializer_list<v1::Track> tracks = {v1::TRACK_CALLER,
                                                                     v1::TRACK_AGENT}) {
  return TrackFact<v1::RecordingStopped>(call, rec, tracks);
}

v1::ObjectionRaised Objection(const std::string& call, const std::string& id,
                              v1::Party party = v1::PARTY_CALLER) {
  v1::ObjectionRaised f;
  f.set_call_id(call);
  f.set_objection_id(id);
  f.set_party(party);
  f.set_subject_ref(party == v1::PARTY_CALLER ? "caller-1" : "a-1");
  f.set_channel(v1::OBJECTION_CHANNEL_KEY_PRESS);
  return f;
}

v1::ObjectionWithdrawn Withdrawal(const std::string& call, const std::string& id,
                                  v1::Party party = v1::PARTY_CALLER) {
  v1::ObjectionWithdrawn f;
  f.set_call_id(call);
  f.set_objection_id(id);
  f.set_party(party);
  return f;
}

v1::RecordingStored Stored(const std::string& call, const std::string& rec,
                           const std::string& copy = "primary") {
  v1::RecordingStored f;
  f.set_call_id(call);
  f.set_recording_id(rec);
  f.set_copy_id(copy);
  f.set_storage_ref("s3://media/" + rec + "/" + copy);
  f.add_tracks(v1::TRACK_CALLER);
  return f;
}

v1::RecordingAccessed Access(const std::string& call, const std::string& rec,
                             const std::string& role, v1::Purpose purpose = v1::PURPOSE_TRAINING) {
  v1::RecordingAccessed f;
  f.set_call_id(call);
  f.set_recording_id(rec);
  f.set_principal_ref("p-7");
  f.set_role(role);
  f.set_action(v1::ACCESS_ACTION_PLAYBACK);
  f.set_purpose(purpose);
  return f;
}

v1::LiveListenStarted Listen(const std::string& call, const std::string& role,
                             v1::Purpose purpose = v1::PURPOSE_TRAINING) {
  v1::LiveListenStarted f;
  f.set_listen_id("listen-1");
  f.set_call_id(call);
  f.set_principal_ref("p-7");
  f.set_role(role);
  f.set_purpose(purpose);
  f.add_tracks(v1::TRACK_CALLER);
  return f;
}

std::vector<std::string> TypesOf(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.emplace_back(PayloadTypeName(e));
  return out;
}

// A store and a Ledger with registration "reg-1" (recipient role "trainer", purposes training
// and evaluation) and agent "a-1".
struct Site {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenFastStore(dir.path());
  std::unique_ptr<Ledger> ledger = MakeLedger(store.get());

  Site() {
    Ok(ledger->RegisterProcessing(
        Registration("reg-1", {"trainer"}, {v1::PURPOSE_TRAINING, v1::PURPOSE_EVALUATION}),
        At(-100)));
    v1::AgentProvisioned agent;
    agent.set_agent_ref("a-1");
    agent.set_team_id("t-1");
    Ok(ledger->ProvisionAgent(agent, At(-90)));
  }
};

// ---- Happy path -----------------------------------------------------------------------------

TEST_CASE("A full call is recorded fact by fact, each in its own stream") {
  TempDir dir;
  auto store = OpenFastStore(dir.path());
  auto ledger = MakeLedger(store.get());

  Recorded reg = Ok(ledger->RegisterProcessing(
      Registration("reg-1", {"trainer", "quality-analyst"}, {v1::PURPOSE_TRAINING}), At(-1000)));
  CHECK(reg.stream == "registration-reg-1");
  CHECK(reg.revision == 0);
  CHECK(reg.position == 1);
  CHECK_FALSE(reg.deduplicated);
  CHECK(reg.event_id.size() == kEventIdSize);

  v1::CseConsulted cse;
  cse.set_registration_id("reg-1");
  cse.set_registration_version(1);
  cse.set_opinion(v1::CSE_OPINION_FAVOURABLE);
  CHECK(Ok(ledger->ConsultCse(cse, At(-990))).stream == "registration-reg-1");

  v1::NoticePublished notice;
  notice.set_notice_id("n-1");
  notice.set_notice_version(1);
  notice.set_registration_id("reg-1");
  notice.set_registration_version(1);
  notice.set_audience(v1::PARTY_CALLER);
  notice.set_tier(v1::NOTICE_TIER_SHORT);
  notice.add_items(v1::NOTICE_ITEM_EXISTENCE);
  CHECK(Ok(ledger->PublishNotice(notice, At(-900))).stream == "notice-n-1");

  v1::EvaluationMethodPublished method;
  method.set_evaluation_method_id("m-1");
  method.set_evaluation_method_version(1);
  CHECK(Ok(ledger->PublishEvaluationMethod(method, At(-890))).stream == "method-m-1");

  v1::AgentProvisioned agent;
  agent.set_agent_ref("a-1");
  CHECK(Ok(ledger->ProvisionAgent(agent, At(-800))).stream == "agent-a-1");
  v1::AgentInformed informed;
  informed.set_agent_ref("a-1");
  informed.set_registration_id("reg-1");
  informed.set_registration_version(1);
  Recorded inf = Ok(ledger->InformAgent(informed, At(-700)));
  CHECK(inf.stream == "agent-a-1");
  CHECK(inf.revision == 1);

  v1::CapabilityDeclared capability;
  capability.set_line_id("l-1");
  capability.set_suspend_supported(true);
  capability.add_tracks(v1::TRACK_CALLER);
  capability.add_tracks(v1::TRACK_AGENT);
  CHECK(Ok(ledger->DeclareCapability(capability, At(-600))).stream == "line-l-1");
  v1::CapabilityProbed probe;
  probe.set_queue_id("q-1");
  probe.set_ok(true);
  CHECK(Ok(ledger->ProbeCapability(probe, At(-500))).stream == "queue-q-1");

  FactOptions start = At(0);
  start.actor.set_principal_ref("svc-acd");
  start.actor.set_role("platform");
  start.causation_id = "cmd-1";
  Recorded call = Ok(ledger->StartCall(CallStart("c-1"), start));
  CHECK(call.stream == "call-c-1");
  CHECK(call.revision == 0);

  v1::NoticeGiven given;
  given.set_call_id("c-1");
  given.set_tier(v1::NOTICE_TIER_SHORT);
  given.set_notice_id("n-1");
  given.set_notice_version(1);
  given.set_completed(true);
  Ok(ledger->GiveNotice(given, At(5)));
  Ok(ledger->StartRecording(RecStart("c-1", "r-1"), At(10)));
  Ok(ledger->RaiseObjection(Objection("c-1", "o-1"), At(20)));
  v1::RecordingPaused pause = Pause("c-1", "r-1");
  pause.set_cause(v1::PAUSE_CAUSE_OBJECTION);
  pause.set_cause_ref("o-1");
  *pause.mutable_command_time() = ToTimestamp(kT0 + seconds(20));
  *pause.mutable_ack_time() = ToTimestamp(kT0 + seconds(21));
  pause.set_ack_source(v1::ACK_SOURCE_PLATFORM);
  Ok(ledger->PauseRecording(pause, At(20)));
  Ok(ledger->EndCall(CallEnd("c-1"), At(60)));
  Ok(ledger->StoreRecording(Stored("c-1", "r-1"), At(70)));

  Recorded playback = Ok(ledger->AccessRecording(Access("c-1", "r-1", "trainer"), At(3600)));
  CHECK(playback.stream == "call-c-1");

  const uint64_t head = store->HeadPosition();
  auto refused = ledger->AccessRecording(Access("c-1", "r-1", "marketing"), At(3700));
  REQUIRE(refused.status().code() == StatusCode::kPermissionDenied);
  CHECK(refused.status().context().rule_id == "LC-ACC-1");
  CHECK(refused.status().context().field == "role");
  REQUIRE(refused.status().context().position.has_value());
  CHECK(*refused.status().context().position == head + 1);
  CHECK(store->HeadPosition() == head + 1);
  CHECK(refused.status().message().find("AccessRecording(call \"c-1\")") == 0);
  CHECK(refused.status().message().find("\"marketing\"") != std::string::npos);

  Event refusal = Ok(store->ReadEvent(head + 1));
  REQUIRE(refusal.has_access_refused());
  CHECK(refusal.stream_id() == "call-c-1");
  CHECK(refusal.access_refused().recording_id() == "r-1");
  CHECK(refusal.access_refused().role() == "marketing");
  CHECK(refusal.access_refused().principal_ref() == "p-7");
  CHECK(refusal.access_refused().action() == v1::ACCESS_ACTION_PLAYBACK);
  CHECK(refusal.access_refused().purpose() == v1::PURPOSE_TRAINING);
  CHECK(refusal.access_refused().reason() == v1::ACCESS_REFUSAL_REASON_ROLE_NOT_RECIPIENT);
  REQUIRE(refusal.access_refused().rule_ids_size() == 1);
  CHECK(refusal.access_refused().rule_ids(0) == "LC-ACC-1");

  auto events = Ok(store->ReadStream("call-c-1"));
  CHECK(TypesOf(events) ==
        std::vector<std::string>{"CallStarted", "NoticeGiven", "RecordingStarted",
                                 "ObjectionRaised", "RecordingPaused", "CallEnded",
                                 "RecordingStored", "RecordingAccessed", "AccessRefused"});
  for (const Event& e : events) CHECK(e.correlation_id() == "c-1");
  CHECK(events[0].actor().principal_ref() == "svc-acd");
  CHECK(events[0].causation_id() == "cmd-1");
  CHECK(FromTimestamp(events[0].occur_time()) == kT0);
  CONSENT_CHECK_OK(store->Verify());
}

TEST_CASE("StreamForFact routes every fact the Ledger records to its entity's stream") {
  auto route = [](auto set) {
    Event e;
    set(e);
    auto s = StreamForFact(e);
    return s.ok() ? *s : "error: " + s.status().ToString();
  };
  CHECK(route([](Event& e) { e.mutable_dpia_recorded()->set_registration_id("r"); }) ==
        "registration-r");
  CHECK(route([](Event& e) { e.mutable_processing_ended()->set_registration_id("r"); }) ==
        "registration-r");
  CHECK(route([](Event& e) { e.mutable_capability_declared()->set_line_id("l"); }) == "line-l");
  CHECK(route([](Event& e) { e.mutable_capability_declared()->set_queue_id("q"); }) == "queue-q");
  CHECK(route([](Event& e) { e.mutable_recording_window_announced()->set_team_id("t"); }) ==
        "team-t");
  CHECK(route([](Event& e) { e.mutable_recording_window_announced()->set_agent_ref("a"); }) ==
        "agent-a");
  CHECK(route([](Event& e) {
          auto* o = e.mutable_objection_raised();
          o->set_party(v1::PARTY_AGENT);
          o->set_subject_ref("a");
        }) == "agent-a");
  CHECK(route([](Event& e) { e.mutable_objection_decided()->set_agent_ref("a"); }) == "agent-a");
  CHECK(route([](Event& e) {
          e.mutable_objection_withdrawn()->set_agent_ref("a");
          e.mutable_objection_withdrawn()->set_call_id("c");
        }) == "call-c");
  CHECK(route([](Event& e) { e.mutable_recording_stored()->set_call_id("c"); }) == "call-c");
  CHECK(route([](Event& e) { e.mutable_access_refused()->set_call_id("c"); }) == "call-c");
  CHECK(route([](Event& e) { e.mutable_live_listen_started()->set_call_id("c"); }) == "call-c");

  Event no_call;
  no_call.mutable_recording_paused()->set_recording_id("r");
  auto missing = StreamForFact(no_call);
  CHECK(missing.status().code() == StatusCode::kInvalidArgument);
  CHECK(missing.status().context().field == "call_id");

  Event note;
  note.mutable_annotation_added()->set_text("n");
  auto later = StreamForFact(note);
  CHECK(later.status().code() == StatusCode::kUnimplemented);
  CHECK(later.status().message().find("AnnotationAdded") != std::string::npos);

  CHECK(StreamForFact(Event()).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Record routes a whole Event like the per-fact methods do") {
  Site site;
  Event e;
  *e.mutable_occur_time() = ToTimestamp(kT0);
  *e.mutable_call_started() = CallStart("c-1");
  Recorded r = Ok(site.ledger->Record(e));
  CHECK(r.stream == "call-c-1");
  Event stored = Ok(site.store->ReadEvent(r.position));
  CHECK(stored.correlation_id() == "c-1");
  CHECK(stored.event_id() == r.event_id);

  Event with_stream;
  *with_stream.mutable_occur_time() = ToTimestamp(kT0 + seconds(1));
  with_stream.set_stream_id("call-c-1");
  *with_stream.mutable_recording_started() = RecStart("c-1", "r-1");
  CHECK(Ok(site.ledger->Record(with_stream)).revision == 1);
}

TEST_CASE("Ledger::Create refuses a null store and a negative retry budget") {
  CHECK(Ledger::Create(nullptr).status().code() == StatusCode::kInvalidArgument);
  TempDir dir;
  auto store = OpenFastStore(dir.path());
  LedgerOptions options;
  options.max_conflict_retries = -1;
  CHECK(Ledger::Create(store.get(), options).status().code() == StatusCode::kInvalidArgument);
}

// ---- Access at the door (LC-ACC-1) ---------------------------------------------------------

TEST_CASE("An access for an unregistered purpose is refused, recorded, and names the purpose") {
  Site site;
  Ok(site.ledger->StartCall(CallStart("c-1"), At(0)));
  Ok(site.ledger->StartRecording(RecStart("c-1", "r-1"), At(1)));
  auto r =
      site.ledger->AccessRecording(Access("c-1", "r-1", "trainer", v1::PURPOSE_QUALITY), At(100));
  REQUIRE(r.status().code() == StatusCode::kPermissionDenied);
  CHECK(r.status().context().field == "purpose");
  CHECK(r.status().message().find("PURPOSE_QUALITY") != std::string::npos);
  Event refusal = Ok(site.store->ReadEvent(*r.status().context().position));
  CHECK(refusal.access_refused().reason() == v1::ACCESS_REFUSAL_REASON_PURPOSE_NOT_REGISTERED);
}

TEST_CASE("An access to a call with no registration is refused as NO_REGISTRATION") {
  Site site;
  Ok(site.ledger->StartCall(CallStart("c-1", ""), At(0)));
  Ok(site.ledger->StartCall(CallStart("c-2", "reg-unknown"), At(0)));
  Ok(site.ledger->StartRecording(RecStart("c-1", "r-1"), At(1)));
  Ok(site.ledger->StartRecording(RecStart("c-2", "r-2"), At(1)));
  for (const auto& call_and_recording : {std::pair{"c-1", "r-1"}, std::pair{"c-2", "r-2"}}) {
    const std::string call = call_and_recording.first;
    CAPTURE(call);
    auto r =
        site.ledger->AccessRecording(Access(call, call_and_recording.second, "trainer"), At(100));
    REQUIRE(r.status().code() == StatusCode::kPermissionDenied);
    CHECK(r.status().context().field == "call_id");
    Event refusal = Ok(site.store->ReadEvent(*r.status().context().position));
    CHECK(refusal.access_refused().reason() == v1::ACCESS_REFUSAL_REASON_NO_REGISTRATION);
  }
}

TEST_CASE("An access after the registration ended is refused as NO_REGISTRATION") {
  Site site;
  Ok(site.ledger->StartCall(CallStart("c-1"), At(0)));
  Ok(site.ledger->StartRecording(RecStart("c-1", "r-1"), At(1)));
  v1::ProcessingEnded ended;
  ended.set_registration_id("reg-1");
  ended.set_registration_version(1);
  Ok(site.ledger->EndProcessing(ended, At(50)));
  auto r = site.ledger->AccessRecording(Access("c-1", "r-1", "trainer"), At(100));
  REQUIRE(r.status().code() == StatusCode::kPermissionDenied);
  CHECK(r.status().message().find("ended") != std::string::npos);
}

TEST_CASE("Live listening is checked at the door like playback") {
  Site site;
  Ok(site.ledger->StartCall(CallStart("c-1"), At(0)));
  Recorded ok = Ok(site.ledger->StartLiveListen(Listen("c-1", "trainer"), At(5)));
  CHECK(Ok(site.store->ReadEvent(ok.position)).has_live_listen_started());

  auto r = site.ledger->StartLiveListen(Listen("c-1", "supervisor"), At(6));
  REQUIRE(r.status().code() == StatusCode::kPermissionDenied);
  CHECK(r.status().context().rule_id == "LC-ACC-1");
  Event refusal = Ok(site.store->ReadEvent(*r.status().context().position));
  REQUIRE(refusal.has_access_refused());
  CHECK(refusal.access_refused().action() == v1::ACCESS_ACTION_LIVE_LISTEN);
  CHECK(refusal.access_refused().call_id() == "c-1");
  CHECK(refusal.access_refused().recording_id().empty());
}

TEST_CASE("Access uses the registration version in force, even when another Ledger amended it") {
  Site site;
  auto other = MakeLedger(site.store.get());
  Ok(site.ledger->StartCall(CallStart("c-1"), At(0)));
  Ok(site.ledger->StartRecording(RecStart("c-1", "r-1"), At(1)));
  CHECK(site.ledger->AccessRecording(Access("c-1", "r-1", "quality-analyst"), At(10))
            .status()
            .code() == StatusCode::kPermissionDenied);

  // Version 2 adds the role from t+100; version 3, valid from t+10000, removes it again.
  v1::ProcessingAmended v2;
  v2.set_registration_id("reg-1");
  v2.set_registration_version(2);
  v2.set_previous_version(1);
  *v2.mutable_details() =
      Registration("reg-1", {"trainer", "quality-analyst"}, {v1::PURPOSE_TRAINING}).details();
  *v2.mutable_details()->mutable_valid_from_time() = ToTimestamp(kT0 + seconds(100));
  v2.add_changed_aspects(v1::REGISTRATION_ASPECT_RECIPIENTS);
  Ok(other->AmendProcessing(v2, At(20)));
  v1::ProcessingAmended v3 = v2;
  v3.set_registration_version(3);
  v3.set_previous_version(2);
  *v3.mutable_details() = Registration("reg-1", {"trainer"}, {v1::PURPOSE_TRAINING}).details();
  *v3.mutable_details()->mutable_valid_from_time() = ToTimestamp(kT0 + seconds(10000));
  Ok(other->AmendProcessing(v3, At(30)));

  CHECK(site.ledger->AccessRecording(Access("c-1", "r-1", "quality-analyst"), At(50))
            .status()
            .code() == StatusCode::kPermissionDenied);  // version 1 still in force
  CHECK(site.ledger->AccessRecording(Access("c-1", "r-1", "quality-analyst"), At(200)).ok());
  CHECK(site.ledger->AccessRecording(Access("c-1", "r-1", "quality-analyst"), At(20000))
            .status()
            .code() == StatusCode::kPermissionDenied);
}

TEST_CASE("A retried refused access gets the same refusal and appends nothing") {
  Site site;
  Ok(site.ledger->StartCall(CallStart("c-1"), At(0)));
  Ok(site.ledger->StartRecording(RecStart("c-1", "r-1"), At(1)));
  const std::string id = NewEventId();
  auto first = site.ledger->AccessRecording(Access("c-1", "r-1", "marketing"), AtWithId(10, id));
  REQUIRE(first.status().code() == StatusCode::kPermissionDenied);
  const uint64_t head = site.store->HeadPosition();
  auto again = site.ledger->AccessRecording(Access("c-1", "r-1", "marketing"), AtWithId(10, id));
  REQUIRE(again.status().code() == StatusCode::kPermissionDenied);
  CHECK(again.status().context().position == first.status().context().position);
  CHECK(again.status().context().rule_id == "LC-ACC-1");
  CHECK(site.store->HeadPosition() == head);
}

// ---- Possible but unlawful: recorded as evidence ------------------------------------------

TEST_CASE("Recording after an objection and recording a private call are recorded as evidence") {
  Site site;
  Ok(site.ledger->StartCall(CallStart("c-1"), At(0)));
  Ok(site.ledger->RaiseObjection(Objection("c-1", "o-1"), At(1)));
  Recorded after_objection = Ok(site.ledger->StartRecording(RecStart("c-1", "r-1"), At(2)));
  CHECK(after_objection.stream == "call-c-1");
  Ok(site.ledger->PauseRecording(Pause("c-1", "r-1"), At(3)));
  Ok(site.ledger->ResumeRecording(Resume("c-1", "r-1"), At(4)));  // LC-OBJ-3 breach

  Ok(site.ledger->StartCall(CallStart("c-2"), At(0)));
  v1::PrivateCallFlagged flag;
  flag.set_call_id("c-2");
  flag.set_party(v1::PARTY_AGENT);
  flag.set_method(v1::PRIVATE_FLAG_METHOD_BEFORE_DIALLING);
  Ok(site.ledger->FlagPrivateCall(flag, At(0)));
  Ok(site.ledger->StartRecording(RecStart("c-2", "r-2"), At(1)));
  Ok(site.ledger->StartLiveListen(Listen("c-2", "trainer"), At(2)));

  // Screen capture coupled with audio (LC-SCOPE-1) is evidence too.
  v1::ScreenCaptureStarted screen;
  screen.set_call_id("c-1");
  screen.set_recording_id("r-1");
  screen.add_tracks(v1::TRACK_SCREEN);
  screen.set_audio_recording_id("r-1");
  Ok(site.ledger->StartScreenCapture(screen, At(5)));
  Ok(site.ledger->PauseRecording(Pause("c-1", "r-1", {v1::TRACK_SCREEN}), At(6)));
  CONSENT_CHECK_OK(site.store->Verify());
}

TEST_CASE("A withdrawal by the other party is recorded and leaves the objection standing") {
  Site site;
  Ok(site.ledger->StartCall(CallStart("c-1"), At(0)));
  Ok(site.ledger->RaiseObjection(Objection("c-1", "o-1", v1::PARTY_CALLER), At(1)));
  Ok(site.ledger->WithdrawObjection(Withdrawal("c-1", "o-1", v1::PARTY_AGENT), At(2)));
  Ok(site.ledger->WithdrawObjection(Withdrawal("c-1", "o-1", v1::PARTY_CALLER), At(3)));
  auto third = site.ledger->WithdrawObjection(Withdrawal("c-1", "o-1", v1::PARTY_CALLER), At(4));
  CHECK(third.status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("Storage, access and objection outcomes are accepted after the call ended") {
  Site site;
  Ok(site.ledger->StartCall(CallStart("c-1"), At(0)));
  Ok(site.ledger->StartRecording(RecStart("c-1", "r-1"), At(1)));
  Ok(site.ledger->RaiseObjection(Objection("c-1", "o-1", v1::PARTY_AGENT), At(2)));
  Ok(site.ledger->RaiseObjection(Objection("c-1", "o-2"), At(3)));
  Ok(site.ledger->EndCall(CallEnd("c-1"), At(60)));

  // The recorder reports the stop at hang-up after the CallEnded: accepted.
  Ok(site.ledger->StopRecording(Stop("c-1", "r-1"), At(60)));
  Ok(site.ledger->StoreRecording(Stored("c-1", "r-1"), At(70)));
  Ok(site.ledger->StoreRecording(Stored("c-1", "r-1", "backup"), At(71)));
  Ok(site.ledger->AccessRecording(Access("c-1", "r-1", "trainer"), At(80)));
  v1::AccessRefused refused;
  refused.set_call_id("c-1");
  refused.set_recording_id("r-1");
  refused.set_reason(v1::ACCESS_REFUSAL_REASON_PURGED);
  Ok(site.ledger->RefuseAccess(refused, At(81)));
  v1::ObjectionDecided decided;
  decided.set_call_id("c-1");
  decided.set_objection_id("o-1");
  decided.set_outcome(v1::OBJECTION_OUTCOME_UPHELD);
  decided.set_decided_by_ref("sup-1");
  Ok(site.ledger->DecideObjection(decided, At(90)));
  Ok(site.ledger->WithdrawObjection(Withdrawal("c-1", "o-2"), At(100)));
}

TEST_CASE("A stop that happened after the call ended is refused") {
  Site site;
  Ok(site.ledger->StartCall(CallStart("c-1"), At(0)));
  Ok(site.ledger->StartRecording(RecStart("c-1", "r-1"), At(1)));
  Ok(site.ledger->EndCall(CallEnd("c-1"), At(60)));
  auto late = site.ledger->StopRecording(Stop("c-1", "r-1"), At(61));
  CHECK(late.status().code() == StatusCode::kFailedPrecondition);
  CHECK(late.status().context().position.has_value());
}

TEST_CASE("Standing agent objections live in the agent's stream") {
  Site site;
  v1::ObjectionRaised standing;
  standing.set_objection_id("o-a");
  standing.set_party(v1::PARTY_AGENT);
  standing.set_subject_ref("a-1");
  standing.set_channel(v1::OBJECTION_CHANNEL_WRITTEN);
  standing.set_reason("mandate");
  CHECK(Ok(site.ledger->RaiseObjection(standing, At(0))).stream == "agent-a-1");
  v1::ObjectionDecided decided;
  decided.set_agent_ref("a-1");
  decided.set_objection_id("o-a");
  decided.set_outcome(v1::OBJECTION_OUTCOME_OVERRULED);
  decided.set_decided_by_ref("hr-1");
  decided.set_written_ground("ground");
  CHECK(Ok(site.ledger->DecideObjection(decided, At(10))).stream == "agent-a-1");
  v1::ObjectionWithdrawn withdrawn;
  withdrawn.set_agent_ref("a-1");
  withdrawn.set_objection_id("o-a");
  withdrawn.set_party(v1::PARTY_AGENT);
  CHECK(Ok(site.ledger->WithdrawObjection(withdrawn, At(20))).stream == "agent-a-1");
  CHECK(site.ledger->DecideObjection(decided, At(30)).status().code() ==
        StatusCode::kFailedPrecondition);
  // The same id on a call is another objection, in another stream.
  Ok(site.ledger->StartCall(CallStart("c-1"), At(0)));
  v1::ObjectionDecided on_call = decided;
  on_call.set_call_id("c-1");
  CHECK(site.ledger->DecideObjection(on_call, At(40)).status().code() ==
        StatusCode::kFailedPrecondition);
}

// ---- Idempotency ---------------------------------------------------------------------------

TEST_CASE("A retry with the same event_id returns the original position, whatever happened since") {
  Site site;
  const std::string start_id = NewEventId();
  const std::string rec_id = NewEventId();
  Recorded start = Ok(site.ledger->StartCall(CallStart("c-1"), AtWithId(0, start_id)));
  Recorded rec = Ok(site.ledger->StartRecording(RecStart("c-1", "r-1"), AtWithId(1, rec_id)));
  Ok(site.ledger->EndCall(CallEnd("c-1"), At(60)));
  const uint64_t head = site.store->HeadPosition();

  // Both would now be refused (call exists, call ended) if they were new facts.
  Recorded start_again = Ok(site.ledger->StartCall(CallStart("c-1"), AtWithId(0, start_id)));
  CHECK(start_again.deduplicated);
  CHECK(start_again.position == start.position);
  CHECK(start_again.revision == start.revision);
  CHECK(start_again.stream == "call-c-1");
  CHECK(start_again.event_id == start_id);
  auto fresh = MakeLedger(site.store.get());  // no cache: answered from the log alone
  Recorded rec_again = Ok(fresh->StartRecording(RecStart("c-1", "r-1"), AtWithId(1, rec_id)));
  CHECK(rec_again.deduplicated);
  CHECK(rec_again.position == rec.position);
  CHECK(site.store->HeadPosition() == head);

  // The same id with other content, or for another stream, is an error.
  auto other_content = site.ledger->StartRecording(RecStart("c-1", "r-9"), AtWithId(1, rec_id));
  CHECK(other_content.status().code() == StatusCode::kAlreadyExists);
  CHECK(other_content.status().context().field == "event_id");
  CHECK(other_content.status().context().position == rec.position);
  auto other_stream = site.ledger->StartCall(CallStart("c-2"), AtWithId(0, start_id));
  CHECK(other_stream.status().code() == StatusCode::kAlreadyExists);
  CHECK(other_stream.status().message().find("call-c-1") != std::string::npos);
  CHECK(site.store->HeadPosition() == head);
}

// ---- Several writers -----------------------------------------------------------------------

TEST_CASE("Two Ledgers interleaving facts on one call see each other's facts") {
  Site site;
  Ledger& a = *site.ledger;
  LedgerOptions uncached;
  uncached.state_cache_entries = 0;
  auto b_owner = MakeLedger(site.store.get());
  auto c_owner = MakeLedger(site.store.get(), uncached);
  Ledger& b = *b_owner;
  Ledger& c = *c_owner;

  Ok(a.StartCall(CallStart("c-1"), At(0)));             // a caches rev 0
  Ok(b.StartRecording(RecStart("c-1", "r-1"), At(1)));  // b loads
  Ok(a.PauseRecording(Pause("c-1", "r-1"), At(2)));     // a's cache lacks r-1
  Ok(b.ResumeRecording(Resume("c-1", "r-1"), At(3)));   // b's append is stale
  Ok(c.PauseRecording(Pause("c-1", "r-1", {v1::TRACK_AGENT}), At(4)));
  // a's cache still has both tracks paused ("not running"); the refusal must come from the
  // caught-up state, where only the agent track is paused.
  auto stale = a.PauseRecording(Pause("c-1", "r-1", {v1::TRACK_AGENT}), At(5));
  CHECK(stale.status().code() == StatusCode::kFailedPrecondition);
  CHECK(stale.status().context().field == "tracks[0]");
  Ok(a.EndCall(CallEnd("c-1"), At(10)));
  auto after_end = b.StartRecording(RecStart("c-1", "r-2"), At(11));
  CHECK(after_end.status().code() == StatusCode::kFailedPrecondition);
  CHECK(c.EndCall(CallEnd("c-1"), At(12)).status().code() == StatusCode::kFailedPrecondition);

  auto events = Ok(site.store->ReadStream("call-c-1"));
  CHECK(TypesOf(events) == std::vector<std::string>{"CallStarted", "RecordingStarted",
                                                    "RecordingPaused", "RecordingResumed",
                                                    "RecordingPaused", "CallEnded"});
  for (size_t i = 0; i < events.size(); ++i) CHECK(events[i].stream_revision() == i);
  CONSENT_CHECK_OK(site.store->Verify());
}

TEST_CASE("Threads of two Ledgers appending to one call concurrently all succeed, in order") {
  Site site;
  LedgerOptions patient;
  patient.max_conflict_retries = 1000;
  auto first = MakeLedger(site.store.get(), patient);
  auto second = MakeLedger(site.store.get(), patient);
  Ok(first->StartCall(CallStart("c-1"), At(0)));

  constexpr int kThreads = 4;
  constexpr int kRecordings = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Ledger* ledger = (t % 2 == 0 ? first : second).get();
    threads.emplace_back([ledger, t, &failures] {
      for (int i = 0; i < kRecordings; ++i) {
        const std::string rec = "r-" + std::to_string(t) + "-" + std::to_string(i);
        const int at = 1 + i;
        for (auto s : {ledger->StartRecording(RecStart("c-1", rec), At(at)).status(),
                       ledger->PauseRecording(Pause("c-1", rec), At(at)).status(),
                       ledger->ResumeRecording(Resume("c-1", rec), At(at)).status(),
                       ledger->StopRecording(Stop("c-1", rec), At(at)).status()}) {
          if (!s.ok()) {
            ++failures;
            MESSAGE(s.ToString());
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  auto events = Ok(site.store->ReadStream("call-c-1"));
  CHECK(events.size() == 1 + kThreads * kRecordings * 4);
  // Per recording, the facts are in the order their thread recorded them.
  std::map<std::string, std::vector<std::string>> per_recording;
  for (const Event& e : events) {
    if (e.has_recording_started())
      per_recording[e.recording_started().recording_id()].push_back("start");
    if (e.has_recording_paused())
      per_recording[e.recording_paused().recording_id()].push_back("pause");
    if (e.has_recording_resumed())
      per_recording[e.recording_resumed().recording_id()].push_back("resume");
    if (e.has_recording_stopped())
      per_recording[e.recording_stopped().recording_id()].push_back("stop");
  }
  CHECK(per_recording.size() == kThreads * kRecordings);
  for (const auto& recording : per_recording) {
    CAPTURE(recording.first);
    CHECK(recording.second == std::vector<std::string>{"start", "pause", "resume", "stop"});
  }
  CONSENT_CHECK_OK(site.store->Verify());
}

TEST_CASE("Concurrent retries of the same facts through two Ledgers record each fact once") {
  Site site;
  LedgerOptions patient;
  patient.max_conflict_retries = 1000;
  auto first = MakeLedger(site.store.get(), patient);
  auto second = MakeLedger(site.store.get(), patient);
  Ok(first->StartCall(CallStart("c-1"), At(0)));

  constexpr int kRecordings = 15;
  std::vector<std::string> ids;
  for (int i = 0; i < kRecordings * 4; ++i) ids.push_back(NewEventId());
  std::atomic<int> failures{0};
  std::atomic<int> written{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    Ledger* ledger = (t % 2 == 0 ? first : second).get();
    threads.emplace_back([ledger, &ids, &failures, &written] {
      for (int i = 0; i < kRecordings; ++i) {
        const std::string rec = "r-" + std::to_string(i);
        auto id = [&](int step) { return AtWithId(1 + i, ids[i * 4 + step]); };
        for (auto r : {ledger->StartRecording(RecStart("c-1", rec), id(0)),
                       ledger->PauseRecording(Pause("c-1", rec), id(1)),
                       ledger->ResumeRecording(Resume("c-1", rec), id(2)),
                       ledger->StopRecording(Stop("c-1", rec), id(3))}) {
          if (!r.ok()) {
            ++failures;
            MESSAGE(r.status().ToString());
          } else if (!r->deduplicated) {
            ++written;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  CHECK(written.load() == kRecordings * 4);
  CHECK(Ok(site.store->ReadStream("call-c-1")).size() == 1 + kRecordings * 4);
}

TEST_CASE("A tiny state cache evicts streams without losing correctness") {
  TempDir dir;
  auto store = OpenFastStore(dir.path());
  LedgerOptions tiny;
  tiny.state_cache_entries = 2;
  auto ledger = MakeLedger(store.get(), tiny);
  Ok(ledger->RegisterProcessing(Registration("reg-1", {"trainer"}, {v1::PURPOSE_TRAINING}),
                                At(-10)));
  for (int i = 0; i < 5; ++i) Ok(ledger->StartCall(CallStart("c-" + std::to_string(i)), At(0)));
  for (int i = 0; i < 5; ++i) {
    Ok(ledger->StartRecording(RecStart("c-" + std::to_string(i), "r"), At(1)));
  }
  for (int i = 0; i < 5; ++i) {
    auto again = ledger->StartRecording(RecStart("c-" + std::to_string(i), "r"), At(2));
    CHECK(again.status().code() == StatusCode::kFailedPrecondition);
  }
}

}  // namespace
}  // namespace consent::testing
