// SPDX-License-Identifier: Apache-2.0
// Stored events live forever: events serialized by an earlier build (a committed binary fixture)
// must still decode, append and be judged. Regenerating the fixture defeats the test: add a new
// fixture file for a new schema generation and keep this one.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <vector>

#include "consent/compliance.h"
#include "test_util.h"

using namespace consent;
using namespace consent::testing;

namespace {

// tests/data/events_format1.bin: u32le length + serialized consent.v1.Event, repeated.
std::vector<Event> ReadFixture(const std::string& name) {
  std::ifstream in(std::string(CONSENT_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fixture " << name);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Event> out;
  size_t pos = 0;
  while (pos + 4 <= bytes.size()) {
    const uint32_t len = static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos])) |
                         static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos + 1])) << 8 |
                         static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos + 2])) << 16 |
                         static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos + 3])) << 24;
    pos += 4;
    REQUIRE(pos + len <= bytes.size());
    Event e;
    REQUIRE(e.ParseFromArray(bytes.data() + pos, static_cast<int>(len)));
    out.push_back(std::move(e));
    pos += len;
  }
  CHECK(pos == bytes.size());
  return out;
}

}  // namespace

TEST_CASE("Events written by the first schema generation still decode field for field") {
  const std::vector<Event> events = ReadFixture("events_format1.bin");
  REQUIRE(events.size() == 5);
  CHECK(PayloadTypeName(events[0]) == "ProcessingRegistered");
  CHECK(events[0].processing_registered().details().controller() == "Example Contact SAS");
  CHECK(events[0].processing_registered().details().sampling().max_share_bp() == 1000);
  CHECK(PayloadTypeName(events[1]) == "CallStarted");
  CHECK(events[1].call_started().participants(0).party() == v1::PARTY_CALLER);
  CHECK(PayloadTypeName(events[2]) == "RecordingStarted");
  CHECK(events[2].recording_started().tracks_size() == 2);
  CHECK(PayloadTypeName(events[3]) == "ObjectionRaised");
  CHECK(PayloadTypeName(events[4]) == "RecordingPaused");
  CHECK(events[4].recording_paused().ack_source() == v1::ACK_SOURCE_PLATFORM);
  for (const Event& e : events) {
    CHECK(e.event_id().size() == kEventIdSize);
    CHECK(e.actor().system() == "fixture/1");
    CHECK(e.GetReflection()->GetUnknownFields(e).field_count() == 0);
  }
}

TEST_CASE("Events of the first schema generation append, verify and are judged as before") {
  TempDir dir;
  auto store = OpenStore(dir.sub("store"));
  for (Event e : ReadFixture("events_format1.bin")) {
    const std::string stream = e.stream_id();
    e.clear_stream_revision();
    e.clear_position();
    e.clear_record_time();
    auto r = store->Append(stream, kAnyRevision, {e});
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  }
  CHECK(store->Verify().ok());
  ComplianceOptions o;
  o.persist = false;
  o.clock = [] { return TimePoint(std::chrono::seconds(1772442100)); };
  auto c = Compliance::Open(store.get(), o);
  REQUIRE(c.ok());
  REQUIRE((*c)->CatchUp().ok());
  auto v = (*c)->calls().Evaluate("c1");
  REQUIRE(v.ok());
  REQUIRE(v->objections.size() == 1);
  REQUIRE(v->objections[0].pause_latency_ms.has_value());
  CHECK(*v->objections[0].pause_latency_ms == doctest::Approx(1800.0));
  CHECK(v->objections[0].verdict == Verdict::kOk);
}
