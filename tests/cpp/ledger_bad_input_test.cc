// SPDX-License-Identifier: Apache-2.0
// Facts the Ledger refuses: each malformed or impossible fact gets its own code, names its field
// or the contradiction, and leaves the store exactly as it was.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
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

void RequireOk(const StatusOr<Recorded>& r) { REQUIRE_MESSAGE(r.ok(), r.status().ToString()); }

template <typename Fact>
Fact OnCall(const std::string& call, const std::string& rec,
            std::initializer_list<v1::Track> tracks = {v1::TRACK_CALLER, v1::TRACK_AGENT}) {
  Fact f;
  f.set_call_id(call);
  f.set_recording_id(rec);
  for (v1::Track t : tracks) f.add_tracks(t);
  return f;
}

v1::CallStarted CallStart(const std::string& call) {
  v1::CallStarted f;
  f.set_call_id(call);
  f.set_registration_id("reg-1");
  f.set_agent_ref("a-1");
  return f;
}

v1::CallEnded CallEnd(const std::string& call) {
  v1::CallEnded f;
  f.set_call_id(call);
  return f;
}

v1::NoticeGiven Notice(const std::string& call) {
  v1::NoticeGiven f;
  f.set_call_id(call);
  f.set_tier(v1::NOTICE_TIER_SHORT);
  f.set_subject_ref("caller-1");
  return f;
}

v1::ObjectionRaised Objection(const std::string& call, const std::string& id) {
  v1::ObjectionRaised f;
  f.set_call_id(call);
  f.set_objection_id(id);
  f.set_party(v1::PARTY_CALLER);
  f.set_subject_ref("caller-1");
  return f;
}

v1::ObjectionDecided Decision(const std::string& call, const std::string& id) {
  v1::ObjectionDecided f;
  f.set_call_id(call);
  f.set_objection_id(id);
  f.set_outcome(v1::OBJECTION_OUTCOME_UPHELD);
  return f;
}

v1::ObjectionWithdrawn Withdrawal(const std::string& call, const std::string& id) {
  v1::ObjectionWithdrawn f;
  f.set_call_id(call);
  f.set_objection_id(id);
  f.set_party(v1::PARTY_CALLER);
  return f;
}

v1::ProcessingRegistered Registration(const std::string& id) {
  v1::ProcessingRegistered f;
  f.set_registration_id(id);
  f.set_registration_version(1);
  f.mutable_details()->add_recipient_roles("trainer");
  f.mutable_details()->add_purposes()->set_purpose(v1::PURPOSE_TRAINING);
  return f;
}

v1::ProcessingAmended Amendment(const std::string& id, uint32_t version, uint32_t previous) {
  v1::ProcessingAmended f;
  f.set_registration_id(id);
  f.set_registration_version(version);
  f.set_previous_version(previous);
  return f;
}

v1::NoticePublished Published(const std::string& id) {
  v1::NoticePublished f;
  f.set_notice_id(id);
  f.set_notice_version(1);
  f.set_audience(v1::PARTY_CALLER);
  f.set_tier(v1::NOTICE_TIER_SHORT);
  return f;
}

v1::RecordingAccessed Access(const std::string& call, const std::string& rec) {
  v1::RecordingAccessed f;
  f.set_call_id(call);
  f.set_recording_id(rec);
  f.set_principal_ref("p-7");
  f.set_role("trainer");
  f.set_action(v1::ACCESS_ACTION_PLAYBACK);
  f.set_purpose(v1::PURPOSE_TRAINING);
  return f;
}

v1::LiveListenStarted Listen(const std::string& call) {
  v1::LiveListenStarted f;
  f.set_listen_id("listen-1");
  f.set_call_id(call);
  f.set_principal_ref("p-7");
  f.set_role("trainer");
  f.set_purpose(v1::PURPOSE_TRAINING);
  return f;
}

v1::SensitiveSegmentEnded SegmentEnd(const std::string& call, const std::string& id) {
  v1::SensitiveSegmentEnded f;
  f.set_call_id(call);
  f.set_segment_id(id);
  return f;
}

v1::AgentInformed Informed(const std::string& agent) {
  v1::AgentInformed f;
  f.set_agent_ref(agent);
  f.set_registration_id("reg-1");
  f.set_registration_version(1);
  return f;
}

v1::RecordingWindow Window(int start, int end) {
  v1::RecordingWindow w;
  w.set_window_id("w-1");
  *w.mutable_start_time() = ToTimestamp(kT0 + seconds(start));
  *w.mutable_end_time() = ToTimestamp(kT0 + seconds(end));
  return w;
}

// The log every case runs against:
//   registration "reg-1" v1; agent "a-1";
//   call "c-9" started at t0: recording "r-1" capturing caller+agent, "r-2" paused on both,
//     "r-3" stopped (caller only); objection "o-1" raised, "o-2" raised and withdrawn;
//     sensitive segment "s-1" started and ended;
//   call "c-ended" started at t0 with recording "r-e", ended at t0+100.
void Populate(Ledger& l) {
  RequireOk(l.RegisterProcessing(Registration("reg-1"), At(-100)));
  v1::AgentProvisioned agent;
  agent.set_agent_ref("a-1");
  RequireOk(l.ProvisionAgent(agent, At(-90)));

  RequireOk(l.StartCall(CallStart("c-9"), At(0)));
  RequireOk(l.StartRecording(OnCall<v1::RecordingStarted>("c-9", "r-1"), At(10)));
  RequireOk(l.StartRecording(OnCall<v1::RecordingStarted>("c-9", "r-2"), At(20)));
  RequireOk(l.PauseRecording(OnCall<v1::RecordingPaused>("c-9", "r-2"), At(21)));
  RequireOk(
      l.StartRecording(OnCall<v1::RecordingStarted>("c-9", "r-3", {v1::TRACK_CALLER}), At(30)));
  RequireOk(
      l.StopRecording(OnCall<v1::RecordingStopped>("c-9", "r-3", {v1::TRACK_CALLER}), At(31)));
  RequireOk(l.RaiseObjection(Objection("c-9", "o-1"), At(40)));
  RequireOk(l.RaiseObjection(Objection("c-9", "o-2"), At(41)));
  RequireOk(l.WithdrawObjection(Withdrawal("c-9", "o-2"), At(42)));
  v1::SensitiveSegmentStarted segment;
  segment.set_call_id("c-9");
  segment.set_segment_id("s-1");
  segment.set_kind(v1::SENSITIVE_KIND_PAYMENT_CARD);
  RequireOk(l.StartSensitiveSegment(segment, At(50)));
  RequireOk(l.EndSensitiveSegment(SegmentEnd("c-9", "s-1"), At(51)));

  RequireOk(l.StartCall(CallStart("c-ended"), At(0)));
  RequireOk(l.StartRecording(OnCall<v1::RecordingStarted>("c-ended", "r-e"), At(1)));
  RequireOk(l.EndCall(CallEnd("c-ended"), At(100)));
}

struct BadFact {
  const char* name;
  std::function<StatusOr<Recorded>(Ledger&)> record;
  StatusCode code;
  std::string field;    // expected context().field; "" = not checked
  std::string says;     // a substring of the message: the field or the contradiction
  std::string op = "";  // expected start of the message ("PauseRecording(call \"c-9\")")
  bool has_position = false;
};

Event UnknownFieldEvent() {
  Event e;
  *e.mutable_occur_time() = ToTimestamp(kT0 + seconds(60));
  auto* f = e.mutable_recording_started();
  f->set_call_id("c-9");
  f->set_recording_id("r-new");
  f->add_tracks(v1::TRACK_CALLER);
  // Field number 99 (varint 1) inside the RecordingStarted.
  std::string payload = f->SerializeAsString() + std::string("\x98\x06\x01", 3);
  v1::RecordingStarted parsed;
  REQUIRE(parsed.ParseFromString(payload));
  *e.mutable_recording_started() = parsed;
  return e;
}

std::vector<BadFact> BadFacts() {
  using C = StatusCode;
  const C kInvalid = C::kInvalidArgument;
  const C kContradicts = C::kFailedPrecondition;
  std::vector<BadFact> t;

  // ---- Malformed: kInvalidArgument ----
  t.push_back({"a fact without occur_time",
               [](Ledger& l) { return l.StartCall(CallStart("c-new"), FactOptions{}); }, kInvalid,
               "occur_time", "occur_time", "StartCall(call \"c-new\")"});
  t.push_back({"an event_id that is not 16 bytes",
               [](Ledger& l) {
                 FactOptions o = At(0);
                 o.event_id = "short";
                 return l.StartCall(CallStart("c-new"), o);
               },
               kInvalid, "event_id", "event_id"});
  t.push_back({"a call fact without call_id",
               [](Ledger& l) { return l.GiveNotice(Notice(""), At(60)); }, kInvalid, "call_id",
               "\"call_id\" is required", "GiveNotice:"});
  t.push_back(
      {"a recording start without recording_id",
       [](Ledger& l) { return l.StartRecording(OnCall<v1::RecordingStarted>("c-9", ""), At(60)); },
       kInvalid, "recording_id", "recording_id", "StartRecording(call \"c-9\")"});
  t.push_back({"an objection without objection_id",
               [](Ledger& l) { return l.RaiseObjection(Objection("c-9", ""), At(60)); }, kInvalid,
               "objection_id", "objection_id"});
  t.push_back({"an agent without agent_ref",
               [](Ledger& l) { return l.ProvisionAgent(v1::AgentProvisioned(), At(60)); }, kInvalid,
               "agent_ref", "agent_ref"});
  t.push_back({"a registration without registration_id",
               [](Ledger& l) { return l.RegisterProcessing(Registration(""), At(60)); }, kInvalid,
               "registration_id", "registration_id"});
  t.push_back({"a notice without notice_id",
               [](Ledger& l) { return l.PublishNotice(Published(""), At(60)); }, kInvalid,
               "notice_id", "notice_id"});
  t.push_back({"an objection without party",
               [](Ledger& l) {
                 auto f = Objection("c-9", "o-new");
                 f.set_party(v1::PARTY_UNSPECIFIED);
                 return l.RaiseObjection(f, At(60));
               },
               kInvalid, "party", "party"});
  t.push_back({"a caller's objection outside any call",
               [](Ledger& l) { return l.RaiseObjection(Objection("", "o-new"), At(60)); }, kInvalid,
               "call_id", "only an agent"});
  t.push_back({"a published notice without tier",
               [](Ledger& l) {
                 auto f = Published("n-1");
                 f.set_tier(v1::NOTICE_TIER_UNSPECIFIED);
                 return l.PublishNotice(f, At(60));
               },
               kInvalid, "tier", "tier", "PublishNotice(notice \"n-1\")"});
  t.push_back({"a published notice without audience",
               [](Ledger& l) {
                 auto f = Published("n-1");
                 f.set_audience(v1::PARTY_UNSPECIFIED);
                 return l.PublishNotice(f, At(60));
               },
               kInvalid, "audience", "audience"});
  t.push_back({"a recording start without tracks",
               [](Ledger& l) {
                 return l.StartRecording(OnCall<v1::RecordingStarted>("c-9", "r-new", {}), At(60));
               },
               kInvalid, "tracks", "tracks"});
  t.push_back({"a recording start with TRACK_UNSPECIFIED",
               [](Ledger& l) {
                 return l.StartRecording(
                     OnCall<v1::RecordingStarted>("c-9", "r-new", {v1::TRACK_UNSPECIFIED}), At(60));
               },
               kInvalid, "tracks[0]", "TRACK_UNSPECIFIED"});
  t.push_back({"a pause without tracks",
               [](Ledger& l) {
                 return l.PauseRecording(OnCall<v1::RecordingPaused>("c-9", "r-1", {}), At(60));
               },
               kInvalid, "tracks", "tracks"});
  t.push_back({"a resume without tracks",
               [](Ledger& l) {
                 return l.ResumeRecording(OnCall<v1::RecordingResumed>("c-9", "r-2", {}), At(60));
               },
               kInvalid, "tracks", "tracks"});
  t.push_back({"a stop without tracks",
               [](Ledger& l) {
                 return l.StopRecording(OnCall<v1::RecordingStopped>("c-9", "r-1", {}), At(60));
               },
               kInvalid, "tracks", "tracks"});
  t.push_back({"a screen capture of an audio track",
               [](Ledger& l) {
                 return l.StartScreenCapture(
                     OnCall<v1::ScreenCaptureStarted>("c-9", "r-new", {v1::TRACK_CALLER}), At(60));
               },
               kInvalid, "tracks[0]", "TRACK_CALLER"});
  t.push_back({"a playback recorded as a live listen",
               [](Ledger& l) {
                 auto f = Access("c-9", "r-1");
                 f.set_action(v1::ACCESS_ACTION_LIVE_LISTEN);
                 return l.AccessRecording(f, At(60));
               },
               kInvalid, "action", "StartLiveListen"});
  t.push_back({"a decision without outcome",
               [](Ledger& l) {
                 auto f = Decision("c-9", "o-1");
                 f.set_outcome(v1::OBJECTION_OUTCOME_UNSPECIFIED);
                 return l.DecideObjection(f, At(60));
               },
               kInvalid, "outcome", "outcome"});
  t.push_back({"a decision that names neither call nor agent",
               [](Ledger& l) { return l.DecideObjection(Decision("", "o-1"), At(60)); }, kInvalid,
               "call_id", "agent_ref"});
  t.push_back({"an unknown enum value",
               [](Ledger& l) {
                 auto f = Objection("c-9", "o-new");
                 f.set_party(static_cast<v1::Party>(42));
                 return l.RaiseObjection(f, At(60));
               },
               kInvalid, "party", "unknown", "RaiseObjection(call \"c-9\")"});
  t.push_back({"invalid UTF-8 in a string",
               [](Ledger& l) {
                 auto f = Notice("c-9");
                 f.set_subject_ref("bad \xC3\x28 utf8");
                 return l.GiveNotice(f, At(60));
               },
               kInvalid, "subject_ref", "UTF-8"});
  t.push_back({"invalid UTF-8 in the routing id",
               [](Ledger& l) { return l.GiveNotice(Notice("c-\xFF"), At(60)); }, kInvalid,
               "call_id", "UTF-8"});
  t.push_back({"an unknown field", [](Ledger& l) { return l.Record(UnknownFieldEvent()); },
               kInvalid, "", "unknown field"});
  t.push_back({"a registration with version 0",
               [](Ledger& l) {
                 auto f = Registration("reg-new");
                 f.set_registration_version(0);
                 return l.RegisterProcessing(f, At(60));
               },
               kInvalid, "registration_version", "registration_version"});
  t.push_back({"a consultation on version 0",
               [](Ledger& l) {
                 v1::DpoConsulted f;
                 f.set_registration_id("reg-1");
                 return l.ConsultDpo(f, At(60));
               },
               kInvalid, "registration_version", "registration_version"});
  t.push_back({"a call fact timed before its CallStarted",
               [](Ledger& l) { return l.GiveNotice(Notice("c-9"), At(-1)); }, kInvalid,
               "occur_time", "before the call started", "", true});
  t.push_back({"an end before the start",
               [](Ledger& l) { return l.EndCall(CallEnd("c-9"), At(-5)); }, kInvalid, "occur_time",
               "before the call started", "EndCall(call \"c-9\")", true});
  t.push_back({"an acknowledgement before its command",
               [](Ledger& l) {
                 auto f = OnCall<v1::RecordingPaused>("c-9", "r-1");
                 *f.mutable_command_time() = ToTimestamp(kT0 + seconds(60));
                 *f.mutable_ack_time() = ToTimestamp(kT0 + seconds(59));
                 return l.PauseRecording(f, At(60));
               },
               kInvalid, "ack_time", "ack_time"});
  t.push_back({"a notice that ends before it starts",
               [](Ledger& l) {
                 auto f = Notice("c-9");
                 *f.mutable_start_time() = ToTimestamp(kT0 + seconds(60));
                 *f.mutable_end_time() = ToTimestamp(kT0 + seconds(55));
                 return l.GiveNotice(f, At(60));
               },
               kInvalid, "end_time", "end_time"});
  t.push_back({"a capability for neither line nor queue",
               [](Ledger& l) { return l.DeclareCapability(v1::CapabilityDeclared(), At(60)); },
               kInvalid, "line_id", "queue_id"});
  t.push_back({"a capability for both a line and a queue",
               [](Ledger& l) {
                 v1::CapabilityProbed f;
                 f.set_line_id("l-1");
                 f.set_queue_id("q-1");
                 return l.ProbeCapability(f, At(60));
               },
               kInvalid, "queue_id", "exactly one"});
  t.push_back({"a window that ends before it starts",
               [](Ledger& l) {
                 v1::RecordingWindowAnnounced f;
                 f.set_team_id("t-1");
                 *f.mutable_window() = Window(100, 50);
                 return l.AnnounceRecordingWindow(f, At(60));
               },
               kInvalid, "window.end_time", "before it starts"});
  t.push_back({"a stored copy without copy_id",
               [](Ledger& l) {
                 v1::RecordingStored f;
                 f.set_call_id("c-9");
                 f.set_recording_id("r-1");
                 return l.StoreRecording(f, At(60));
               },
               kInvalid, "copy_id", "copy_id"});
  t.push_back({"Record without a payload",
               [](Ledger& l) {
                 Event e;
                 *e.mutable_occur_time() = ToTimestamp(kT0);
                 return l.Record(e);
               },
               kInvalid, "payload", "payload"});
  t.push_back({"Record with the stream of another entity",
               [](Ledger& l) {
                 Event e;
                 *e.mutable_occur_time() = ToTimestamp(kT0 + seconds(60));
                 e.set_stream_id("call-other");
                 *e.mutable_notice_given() = Notice("c-9");
                 return l.Record(e);
               },
               kInvalid, "stream_id", "call-other"});
  t.push_back({"Record with a store-assigned position",
               [](Ledger& l) {
                 Event e;
                 *e.mutable_occur_time() = ToTimestamp(kT0 + seconds(60));
                 e.set_position(3);
                 *e.mutable_notice_given() = Notice("c-9");
                 return l.Record(e);
               },
               kInvalid, "position", "position"});

  // ---- Not recorded by the Ledger yet: kUnimplemented ----
  t.push_back({"Record of a payload type the Ledger does not record yet",
               [](Ledger& l) {
                 Event e;
                 *e.mutable_occur_time() = ToTimestamp(kT0);
                 e.mutable_annotation_added()->set_text("note");
                 return l.Record(e);
               },
               C::kUnimplemented, "payload", "AnnotationAdded"});

  // ---- Contradicts the log: kFailedPrecondition ----
  t.push_back({"a fact about an unknown call",
               [](Ledger& l) { return l.GiveNotice(Notice("c-404"), At(60)); }, kContradicts,
               "call_id", "unknown call", "GiveNotice(call \"c-404\")"});
  t.push_back({"a pause in an unknown call",
               [](Ledger& l) {
                 return l.PauseRecording(OnCall<v1::RecordingPaused>("c-404", "r-1"), At(60));
               },
               kContradicts, "call_id", "unknown call"});
  t.push_back({"a second CallStarted",
               [](Ledger& l) { return l.StartCall(CallStart("c-9"), At(60)); }, kContradicts,
               "call_id", "already started", "StartCall(call \"c-9\")", true});
  t.push_back({"a notice after CallEnded",
               [](Ledger& l) { return l.GiveNotice(Notice("c-ended"), At(200)); }, kContradicts,
               "call_id", "ended", "GiveNotice(call \"c-ended\")", true});
  t.push_back({"a recording started after CallEnded",
               [](Ledger& l) {
                 return l.StartRecording(OnCall<v1::RecordingStarted>("c-ended", "r-new"), At(200));
               },
               kContradicts, "call_id", "ended", "", true});
  t.push_back({"a pause after CallEnded",
               [](Ledger& l) {
                 return l.PauseRecording(OnCall<v1::RecordingPaused>("c-ended", "r-e"), At(200));
               },
               kContradicts, "call_id", "ended", "", true});
  t.push_back({"an objection raised after CallEnded",
               [](Ledger& l) { return l.RaiseObjection(Objection("c-ended", "o-late"), At(200)); },
               kContradicts, "call_id", "ended", "", true});
  t.push_back({"a live listen after CallEnded",
               [](Ledger& l) { return l.StartLiveListen(Listen("c-ended"), At(200)); },
               kContradicts, "call_id", "ended", "StartLiveListen(call \"c-ended\")", true});
  t.push_back({"a transfer after CallEnded",
               [](Ledger& l) {
                 v1::CallTransferred f;
                 f.set_call_id("c-ended");
                 return l.TransferCall(f, At(200));
               },
               kContradicts, "call_id", "ended", "", true});
  t.push_back({"a second CallEnded",
               [](Ledger& l) { return l.EndCall(CallEnd("c-ended"), At(200)); }, kContradicts,
               "call_id", "already ended", "EndCall(call \"c-ended\")", true});
  t.push_back({"a recording id that already exists",
               [](Ledger& l) {
                 return l.StartRecording(OnCall<v1::RecordingStarted>("c-9", "r-1"), At(60));
               },
               kContradicts, "recording_id", "recording \"r-1\" already exists",
               "StartRecording(call \"c-9\")", true});
  t.push_back({"a pause of a recording that is not running",
               [](Ledger& l) {
                 return l.PauseRecording(OnCall<v1::RecordingPaused>("c-9", "r-2"), At(60));
               },
               kContradicts, "recording_id", "recording \"r-2\" is not running",
               "PauseRecording(call \"c-9\")", true});
  t.push_back({"a pause of a track the recording does not capture",
               [](Ledger& l) {
                 return l.PauseRecording(
                     OnCall<v1::RecordingPaused>("c-9", "r-1", {v1::TRACK_SCREEN}), At(60));
               },
               kContradicts, "tracks[0]", "does not capture TRACK_SCREEN"});
  t.push_back({"a pause of an unknown recording",
               [](Ledger& l) {
                 return l.PauseRecording(OnCall<v1::RecordingPaused>("c-9", "r-404"), At(60));
               },
               kContradicts, "recording_id", "unknown recording \"r-404\""});
  t.push_back({"a resume of tracks that are not paused",
               [](Ledger& l) {
                 return l.ResumeRecording(OnCall<v1::RecordingResumed>("c-9", "r-1"), At(60));
               },
               kContradicts, "tracks[0]", "is not paused on TRACK_CALLER (capturing)"});
  t.push_back({"a resume of a stopped recording",
               [](Ledger& l) {
                 return l.ResumeRecording(
                     OnCall<v1::RecordingResumed>("c-9", "r-3", {v1::TRACK_CALLER}), At(60));
               },
               kContradicts, "recording_id", "is stopped"});
  t.push_back({"a stop of a recording already stopped",
               [](Ledger& l) {
                 return l.StopRecording(
                     OnCall<v1::RecordingStopped>("c-9", "r-3", {v1::TRACK_CALLER}), At(60));
               },
               kContradicts, "recording_id", "recording \"r-3\" is already stopped", "", true});
  t.push_back({"a stored copy of an unknown recording",
               [](Ledger& l) {
                 v1::RecordingStored f;
                 f.set_call_id("c-9");
                 f.set_recording_id("r-404");
                 f.set_copy_id("primary");
                 return l.StoreRecording(f, At(60));
               },
               kContradicts, "recording_id", "unknown recording \"r-404\""});
  t.push_back({"an access to an unknown recording",
               [](Ledger& l) { return l.AccessRecording(Access("c-9", "r-404"), At(60)); },
               kContradicts, "recording_id", "unknown recording"});
  t.push_back({"a screen capture coupled with an unknown audio recording",
               [](Ledger& l) {
                 auto f = OnCall<v1::ScreenCaptureStarted>("c-9", "r-s", {v1::TRACK_SCREEN});
                 f.set_audio_recording_id("r-404");
                 return l.StartScreenCapture(f, At(60));
               },
               kContradicts, "audio_recording_id", "r-404"});
  t.push_back({"an objection id that already exists",
               [](Ledger& l) { return l.RaiseObjection(Objection("c-9", "o-1"), At(60)); },
               kContradicts, "objection_id", "already exists", "", true});
  t.push_back({"a decision on an unknown objection",
               [](Ledger& l) { return l.DecideObjection(Decision("c-9", "o-404"), At(60)); },
               kContradicts, "objection_id", "unknown objection \"o-404\""});
  t.push_back({"a decision on a withdrawn objection",
               [](Ledger& l) { return l.DecideObjection(Decision("c-9", "o-2"), At(60)); },
               kContradicts, "objection_id", "already withdrawn", "", true});
  t.push_back({"a withdrawal of an unknown objection",
               [](Ledger& l) { return l.WithdrawObjection(Withdrawal("c-9", "o-404"), At(60)); },
               kContradicts, "objection_id", "unknown objection"});
  t.push_back({"a withdrawal of an objection already withdrawn",
               [](Ledger& l) { return l.WithdrawObjection(Withdrawal("c-9", "o-2"), At(60)); },
               kContradicts, "objection_id", "already withdrawn", "WithdrawObjection(call \"c-9\")",
               true});
  t.push_back({"a second registration with the same id",
               [](Ledger& l) { return l.RegisterProcessing(Registration("reg-1"), At(60)); },
               kContradicts, "registration_id", "already exists",
               "RegisterProcessing(registration \"reg-1\")", true});
  t.push_back({"an amendment of an unknown registration",
               [](Ledger& l) { return l.AmendProcessing(Amendment("reg-404", 2, 1), At(60)); },
               kContradicts, "registration_id", "unknown registration"});
  t.push_back({"an amendment that skips a version",
               [](Ledger& l) { return l.AmendProcessing(Amendment("reg-1", 3, 1), At(60)); },
               kContradicts, "registration_version", "the next version is 2"});
  t.push_back({"an amendment of a version that is not the latest",
               [](Ledger& l) { return l.AmendProcessing(Amendment("reg-1", 2, 0), At(60)); },
               kContradicts, "previous_version", "latest registered version is 1"});
  t.push_back({"a DPIA with an empty reference",
               [](Ledger& l) {
                 v1::DpiaRecorded f;
                 f.set_registration_id("reg-1");
                 f.set_registration_version(1);
                 return l.RecordDpia(f, At(60));
               },
               kInvalid, "dpia_ref", "\"dpia_ref\" is required"});
  t.push_back({"a consultation on a version not registered",
               [](Ledger& l) {
                 v1::CseConsulted f;
                 f.set_registration_id("reg-1");
                 f.set_registration_version(2);
                 return l.ConsultCse(f, At(60));
               },
               kContradicts, "registration_version", "not registered"});
  t.push_back({"the end of an unknown registration",
               [](Ledger& l) {
                 v1::ProcessingEnded f;
                 f.set_registration_id("reg-404");
                 return l.EndProcessing(f, At(60));
               },
               kContradicts, "registration_id", "unknown registration"});
  t.push_back({"information given to an agent never provisioned",
               [](Ledger& l) { return l.InformAgent(Informed("a-404"), At(60)); }, kContradicts,
               "agent_ref", "never provisioned", "InformAgent(agent \"a-404\")"});
  t.push_back({"a window announced to an agent never provisioned",
               [](Ledger& l) {
                 v1::RecordingWindowAnnounced f;
                 f.set_agent_ref("a-404");
                 *f.mutable_window() = Window(100, 200);
                 return l.AnnounceRecordingWindow(f, At(60));
               },
               kContradicts, "agent_ref", "never provisioned"});
  t.push_back({"the end of a sensitive segment never started",
               [](Ledger& l) { return l.EndSensitiveSegment(SegmentEnd("c-9", "s-404"), At(60)); },
               kContradicts, "segment_id", "never started"});
  t.push_back({"the end of a sensitive segment already ended",
               [](Ledger& l) { return l.EndSensitiveSegment(SegmentEnd("c-9", "s-1"), At(60)); },
               kContradicts, "segment_id", "already ended", "", true});
  t.push_back({"a sensitive segment id used twice",
               [](Ledger& l) {
                 v1::SensitiveSegmentStarted f;
                 f.set_call_id("c-9");
                 f.set_segment_id("s-1");
                 return l.StartSensitiveSegment(f, At(60));
               },
               kContradicts, "segment_id", "already started", "", true});
  return t;
}

TEST_CASE("The Ledger refuses each malformed or impossible fact precisely and appends nothing") {
  TempDir dir;
  StoreOptions options;
  options.sync = false;
  auto store = OpenStore(dir.path(), options);
  auto created = Ledger::Create(store.get());
  REQUIRE(created.ok());
  Ledger& ledger = **created;
  Populate(ledger);
  const uint64_t head = store->HeadPosition();

  for (const BadFact& c : BadFacts()) {
    CAPTURE(c.name);
    StatusOr<Recorded> r = c.record(ledger);
    REQUIRE_FALSE(r.ok());
    const Status s = r.status();
    CAPTURE(s.ToString());
    CHECK(s.code() == c.code);
    if (!c.field.empty()) CHECK(s.context().field == c.field);
    CHECK(s.message().find(c.says) != std::string::npos);
    if (!c.op.empty()) CHECK(s.message().rfind(c.op, 0) == 0);
    if (c.has_position) CHECK(s.context().position.has_value());
    CHECK(store->HeadPosition() == head);
  }
  CONSENT_CHECK_OK(store->Verify());

  // A fresh Ledger (nothing cached) refuses the same facts with the same answers.
  auto fresh = Ledger::Create(store.get());
  REQUIRE(fresh.ok());
  for (const BadFact& c : BadFacts()) {
    CAPTURE(c.name);
    StatusOr<Recorded> r = c.record(**fresh);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == c.code);
    if (!c.field.empty()) CHECK(r.status().context().field == c.field);
  }
  CHECK(store->HeadPosition() == head);
}

TEST_CASE("A refused fact names the stream it would have gone to") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto ledger = Ledger::Create(store.get());
  REQUIRE(ledger.ok());
  auto r = (*ledger)->PauseRecording(OnCall<v1::RecordingPaused>("c-1", "r-1"), At(0));
  CHECK(r.status().code() == StatusCode::kFailedPrecondition);
  CHECK(r.status().context().stream == "call-c-1");
  CHECK(store->HeadPosition() == 0);
}

}  // namespace
}  // namespace consent::testing
