// SPDX-License-Identifier: Apache-2.0
// EventStore::Append / AppendMulti: expected revisions, positions, store-assigned fields,
// atomicity across streams and idempotent retries.
#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "consent/event_store.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

using std::chrono::system_clock;

// Appends `n` notes to `stream` unconditionally and returns the result.
AppendResult Seed(EventStore& store, const std::string& stream, size_t n) {
  auto r = store.Append(stream, kAnyRevision, MakeNotes(n, stream));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

// Checks that a failed append left `stream` and the log as they were.
void CheckNothingWritten(const EventStore& store, const StoreSnapshot& before,
                         const std::vector<Event>& rejected) {
  CHECK(TakeSnapshot(store) == before);
  for (const Event& e : rejected) {
    auto found = store.FindEvent(e.event_id());
    CHECK_MESSAGE(found.status().code() == StatusCode::kNotFound,
                  "rejected event " << EventIdToString(e.event_id()) << " is indexed");
  }
}

void CheckAborted(const Status& s, int64_t expected, int64_t actual) {
  REQUIRE_MESSAGE(s.code() == StatusCode::kAborted, s.ToString());
  REQUIRE(s.context().expected_revision.has_value());
  REQUIRE(s.context().actual_revision.has_value());
  CHECK(*s.context().expected_revision == expected);
  CHECK(*s.context().actual_revision == actual);
}

// ---- Positions, revisions and store-assigned fields ---------------------------------------

TEST_CASE("The first append to an empty store gets positions from 1 and revisions from 0") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CHECK(store->HeadPosition() == 0);

  auto events = MakeNotes(3);
  auto r = store->Append("note-1", kNoStream, events);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->stream == "note-1");
  CHECK(r->first_position == 1);
  CHECK(r->last_position == 3);
  CHECK(r->next_expected_revision == 2);
  CHECK_FALSE(r->deduplicated);
  CHECK(store->HeadPosition() == 3);

  auto stored = ReadStreamOrDie(*store, "note-1");
  REQUIRE(stored.size() == 3);
  for (size_t i = 0; i < stored.size(); ++i) {
    CHECK(stored[i].position() == i + 1);
    CHECK(stored[i].stream_revision() == i);
    CHECK(stored[i].stream_id() == "note-1");
    CHECK(stored[i].event_id() == events[i].event_id());
    CHECK(SameClientContent(stored[i], events[i]));
  }
}

TEST_CASE(
    "Positions stay dense and gapless across streams while each stream counts its own revisions") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto a1 = Seed(*store, "call-a", 2);
  auto b1 = Seed(*store, "call-b", 3);
  auto a2 = Seed(*store, "call-a", 1);
  CHECK(a1.first_position == 1);
  CHECK(a1.last_position == 2);
  CHECK(b1.first_position == 3);
  CHECK(b1.last_position == 5);
  CHECK(b1.next_expected_revision == 2);
  CHECK(a2.first_position == 6);
  CHECK(a2.last_position == 6);
  CHECK(a2.next_expected_revision == 2);

  auto all = ReadAllOrDie(*store);
  CHECK(Positions(all) == Range(1, 6));
  CHECK(Revisions(ReadStreamOrDie(*store, "call-a")) == RevRange(0, 2));
  CHECK(Positions(ReadStreamOrDie(*store, "call-a")) == std::vector<uint64_t>{1, 2, 6});
  CHECK(Revisions(ReadStreamOrDie(*store, "call-b")) == RevRange(0, 2));
}

TEST_CASE("Append keeps the client's envelope fields and payload unchanged") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Event e = MakeEvent("with envelope");
  e.set_correlation_id("call-77");
  e.set_causation_id("cmd-1");
  e.mutable_actor()->set_principal_ref("agent-7f3a");
  e.mutable_actor()->set_role("agent");
  e.mutable_actor()->set_system("acd-gateway/4.2");
  e.mutable_occur_time()->set_seconds(1700000000);
  e.mutable_occur_time()->set_nanos(123456789);
  e.mutable_annotation_added()->add_tags("a");
  e.mutable_annotation_added()->add_tags("b");
  Event same_stream_id = MakeCheckpointEvent("pbx", 99);
  same_stream_id.set_stream_id("call-77");  // allowed: equal to the target stream
  CONSENT_REQUIRE_OK(store->Append("call-77", kNoStream, {e, same_stream_id}));

  auto stored = ReadStreamOrDie(*store, "call-77");
  REQUIRE(stored.size() == 2);
  CHECK(SameClientContent(stored[0], e));
  CHECK(stored[0].occur_time().seconds() == 1700000000);
  CHECK(stored[0].occur_time().nanos() == 123456789);
  CHECK(stored[0].actor().system() == "acd-gateway/4.2");
  CHECK(SameClientContent(stored[1], same_stream_id));
  CHECK(stored[1].source_checkpointed().source_position() == 99);
  CHECK(stored[1].stream_id() == "call-77");
}

TEST_CASE("Record time comes from the injected clock, not the wall clock") {
  TempDir dir;
  const auto t1 = system_clock::time_point(std::chrono::seconds(1000000000)) +
                  std::chrono::microseconds(123456);
  const auto t2 = t1 + std::chrono::hours(24 * 365);
  ManualClock clock(t1);
  StoreOptions options;
  options.clock = clock.AsClock();
  auto store = OpenStore(dir.path(), options);

  auto r1 = store->Append("note-1", kNoStream, MakeNotes(2));
  CONSENT_REQUIRE_OK(r1);
  clock.Set(t2);
  auto r2 = store->AppendMulti(
      {StreamAppend{"note-1", 1, MakeNotes(1)}, StreamAppend{"note-2", kNoStream, MakeNotes(1)}});
  CONSENT_REQUIRE_OK(r2);

  auto all = ReadAllOrDie(*store);
  REQUIRE(all.size() == 4);
  for (size_t i = 0; i < all.size(); ++i) {
    REQUIRE(all[i].has_record_time());
    const auto expected = i < 2 ? t1 : t2;
    CHECK_MESSAGE(FromTimestamp(all[i].record_time()) == expected,
                  "position " << all[i].position() << ": record_time "
                              << all[i].record_time().ShortDebugString());
  }
}

TEST_CASE("Record time defaults to the system clock") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const auto before = system_clock::now();
  CONSENT_REQUIRE_OK(store->Append("note-1", kNoStream, MakeNotes(1)));
  const auto after = system_clock::now();
  auto e = store->ReadEvent(1);
  CONSENT_REQUIRE_OK(e);
  const auto t = FromTimestamp(e->record_time());
  CHECK(t >= before - std::chrono::seconds(1));
  CHECK(t <= after + std::chrono::seconds(1));
}

// ---- Expected revisions -------------------------------------------------------------------

TEST_CASE("Any revision appends to a new stream and to an existing one") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto r1 = store->Append("s-1", kAnyRevision, MakeNotes(1));
  CONSENT_REQUIRE_OK(r1);
  CHECK(r1->next_expected_revision == 0);
  auto r2 = store->Append("s-1", kAnyRevision, MakeNotes(2));
  CONSENT_REQUIRE_OK(r2);
  CHECK(r2->next_expected_revision == 2);
  CHECK(*store->StreamRevision("s-1") == 2);
}

TEST_CASE("No-stream appends to a stream that does not exist") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "other-1", 2);
  auto r = store->Append("s-1", kNoStream, MakeNotes(1));
  CONSENT_REQUIRE_OK(r);
  CHECK(r->next_expected_revision == 0);
  CHECK(r->first_position == 3);
}

TEST_CASE("No-stream rejects an existing stream with kAborted and writes nothing") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "s-1", 3);
  const auto before = TakeSnapshot(*store);
  auto events = MakeNotes(2);
  auto r = store->Append("s-1", kNoStream, events);
  CheckAborted(r.status(), kNoStream, 2);
  CheckNothingWritten(*store, before, events);
}

TEST_CASE("Stream-exists appends to an existing stream") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "s-1", 1);
  auto r = store->Append("s-1", kStreamExists, MakeNotes(1));
  CONSENT_REQUIRE_OK(r);
  CHECK(r->next_expected_revision == 1);
  CHECK(r->first_position == 2);
}

TEST_CASE("Stream-exists rejects a missing stream with kAborted and actual revision -1") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "s-0", 1);
  const auto before = TakeSnapshot(*store);
  auto events = MakeNotes(1);
  auto r = store->Append("s-1", kStreamExists, events);
  CheckAborted(r.status(), kStreamExists, kNoStream);
  CheckNothingWritten(*store, before, events);
  CHECK(*store->StreamRevision("s-1") == kNoStream);
}

TEST_CASE("An exact expected revision appends when the stream is at that revision") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "s-1", 3);
  auto r = store->Append("s-1", 2, MakeNotes(2));
  CONSENT_REQUIRE_OK(r);
  CHECK(r->next_expected_revision == 4);
  CHECK(r->first_position == 4);
  CHECK(r->last_position == 5);
  auto r2 = store->Append("s-1", r->next_expected_revision, MakeNotes(1));
  CONSENT_REQUIRE_OK(r2);
  CHECK(r2->next_expected_revision == 5);
}

TEST_CASE("Append rejects a stale expected revision and writes nothing") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "s-1", 5);
  const auto before = TakeSnapshot(*store);
  auto events = MakeNotes(2);
  auto r = store->Append("s-1", 2, events);
  CheckAborted(r.status(), 2, 4);
  CheckNothingWritten(*store, before, events);
}

TEST_CASE("Append rejects an expected revision ahead of the stream") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "s-1", 2);
  const auto before = TakeSnapshot(*store);
  auto events = MakeNotes(1);
  CheckAborted(store->Append("s-1", 7, events).status(), 7, 1);
  CheckNothingWritten(*store, before, events);
}

TEST_CASE("An exact expected revision 0 is rejected for a missing stream") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const auto before = TakeSnapshot(*store);
  auto events = MakeNotes(1);
  CheckAborted(store->Append("s-1", 0, events).status(), 0, kNoStream);
  CheckNothingWritten(*store, before, events);
}

TEST_CASE("The revision check sees the previous append immediately") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  int64_t rev = kNoStream;
  for (int i = 0; i < 20; ++i) {
    auto r = store->Append("s-1", rev, MakeNotes(1));
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    CheckAborted(store->Append("s-1", rev, MakeNotes(1)).status(), rev, rev + 1);
    rev = r->next_expected_revision;
  }
  CHECK(rev == 19);
  CHECK(store->HeadPosition() == 20);
}

TEST_CASE("An append larger than the group commit budget is written whole") {
  TempDir dir;
  StoreOptions options;
  options.max_group_commit_bytes = 1 << 20;
  auto store = OpenStore(dir.path(), options);
  std::vector<Event> big;
  for (int i = 0; i < 4; ++i)
    big.push_back(MakeBulkyNote(512 * 1024, static_cast<char>('a' + i)));
  auto r = store->Append("big-1", kNoStream, big);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->first_position == 1);
  CHECK(r->last_position == 4);
  auto stored = ReadStreamOrDie(*store, "big-1");
  REQUIRE(stored.size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(SameClientContent(stored[i], big[i]));
  CONSENT_CHECK_OK(store->Verify());
}

// ---- AppendMulti -----------------------------------------------------------------------------

TEST_CASE("AppendMulti writes every stream in one contiguous range, in request order") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "call-1", 2);
  std::vector<StreamAppend> req;
  req.push_back({"call-1", 1, MakeNotes(2, "c1")});
  req.push_back({"agent-9", kNoStream, MakeNotes(3, "a9")});
  req.push_back({"registration-x", kAnyRevision, MakeNotes(1, "rx")});
  auto r = store->AppendMulti(req);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->first_position == 3);
  CHECK(r->last_position == 8);
  CHECK_FALSE(r->deduplicated);
  REQUIRE(r->streams.size() == 3);
  CHECK(r->streams[0].stream == "call-1");
  CHECK(r->streams[0].first_position == 3);
  CHECK(r->streams[0].last_position == 4);
  CHECK(r->streams[0].next_expected_revision == 3);
  CHECK(r->streams[1].stream == "agent-9");
  CHECK(r->streams[1].first_position == 5);
  CHECK(r->streams[1].last_position == 7);
  CHECK(r->streams[1].next_expected_revision == 2);
  CHECK(r->streams[2].stream == "registration-x");
  CHECK(r->streams[2].first_position == 8);
  CHECK(r->streams[2].last_position == 8);
  CHECK(r->streams[2].next_expected_revision == 0);

  for (size_t s = 0; s < req.size(); ++s) {
    auto stored = ReadStreamOrDie(*store, req[s].stream);
    const size_t offset = s == 0 ? 2 : 0;
    REQUIRE(stored.size() == req[s].events.size() + offset);
    for (size_t i = 0; i < req[s].events.size(); ++i) {
      const Event& got = stored[offset + i];
      CHECK(got.event_id() == req[s].events[i].event_id());
      CHECK(got.position() == r->streams[s].first_position + i);
      CHECK(got.stream_id() == req[s].stream);
    }
  }
  CHECK(Positions(ReadAllOrDie(*store)) == Range(1, 8));
}

TEST_CASE("AppendMulti writes nothing in any stream when one stream's revision mismatches") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "call-1", 2);
  Seed(*store, "call-2", 3);
  const auto before = TakeSnapshot(*store);
  std::vector<StreamAppend> req;
  req.push_back({"call-1", 1, MakeNotes(2)});             // correct
  req.push_back({"agent-new", kNoStream, MakeNotes(1)});  // correct
  req.push_back({"call-2", 0, MakeNotes(1)});             // stale: stream is at 2
  std::vector<Event> all_events;
  for (const auto& a : req) all_events.insert(all_events.end(), a.events.begin(), a.events.end());

  auto r = store->AppendMulti(req);
  CheckAborted(r.status(), 0, 2);
  CHECK(r.status().context().stream == "call-2");
  CheckNothingWritten(*store, before, all_events);
  CHECK(*store->StreamRevision("call-1") == 1);
  CHECK(*store->StreamRevision("agent-new") == kNoStream);
  CHECK(store->ReadStream("agent-new").status().code() == StatusCode::kNotFound);
}

TEST_CASE("AppendMulti names the failing stream when the first stream mismatches") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "call-1", 1);
  const auto before = TakeSnapshot(*store);
  std::vector<StreamAppend> req;
  req.push_back({"call-9", kStreamExists, MakeNotes(1)});
  req.push_back({"call-1", 0, MakeNotes(1)});
  auto r = store->AppendMulti(req);
  CheckAborted(r.status(), kStreamExists, kNoStream);
  CHECK(r.status().context().stream == "call-9");
  CHECK(TakeSnapshot(*store) == before);
}

TEST_CASE("AppendMulti writes nothing when one stream's event is malformed") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "call-1", 1);
  const auto before = TakeSnapshot(*store);
  std::vector<StreamAppend> req;
  req.push_back({"call-1", 0, MakeNotes(2)});
  req.push_back({"call-2", kNoStream, MakeNotes(3)});
  req[1].events[2].clear_occur_time();
  auto r = store->AppendMulti(req);
  REQUIRE(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().context().stream == "call-2");
  REQUIRE(r.status().context().index.has_value());
  CHECK(*r.status().context().index == 2);
  CHECK(r.status().context().field == "occur_time");
  CheckNothingWritten(*store, before, req[0].events);
}

// ---- Idempotency -------------------------------------------------------------------------------

TEST_CASE("Retrying the same append returns the original positions and writes nothing") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "other-1", 2);
  auto events = MakeNotes(3);
  auto first = store->Append("s-1", kNoStream, events);
  CONSENT_REQUIRE_OK(first);
  const auto before = TakeSnapshot(*store);

  auto retry = store->Append("s-1", kNoStream, events);
  REQUIRE_MESSAGE(retry.ok(), retry.status().ToString());
  CHECK(retry->deduplicated);
  CHECK(retry->first_position == first->first_position);
  CHECK(retry->last_position == first->last_position);
  CHECK(retry->next_expected_revision == first->next_expected_revision);
  CHECK(retry->stream == "s-1");
  CHECK(TakeSnapshot(*store) == before);
  CHECK(store->HeadPosition() == 5);
}

TEST_CASE("Retrying with an exact expected revision is deduplicated after later appends") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Seed(*store, "s-1", 2);
  auto events = MakeNotes(2);
  auto first = store->Append("s-1", 1, events);
  CONSENT_REQUIRE_OK(first);
  Seed(*store, "s-1", 1);  // someone else appended meanwhile
  const auto before = TakeSnapshot(*store);

  auto retry = store->Append("s-1", 1, events);
  REQUIRE_MESSAGE(retry.ok(), retry.status().ToString());
  CHECK(retry->deduplicated);
  CHECK(retry->first_position == first->first_position);
  CHECK(retry->last_position == first->last_position);
  CHECK(TakeSnapshot(*store) == before);
}

TEST_CASE("Retrying the same AppendMulti returns the original positions and writes nothing") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::vector<StreamAppend> req;
  req.push_back({"call-1", kNoStream, MakeNotes(2)});
  req.push_back({"agent-1", kNoStream, MakeNotes(1)});
  auto first = store->AppendMulti(req);
  CONSENT_REQUIRE_OK(first);
  const auto before = TakeSnapshot(*store);

  auto retry = store->AppendMulti(req);
  REQUIRE_MESSAGE(retry.ok(), retry.status().ToString());
  CHECK(retry->deduplicated);
  CHECK(retry->first_position == first->first_position);
  CHECK(retry->last_position == first->last_position);
  REQUIRE(retry->streams.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(retry->streams[i].stream == first->streams[i].stream);
    CHECK(retry->streams[i].first_position == first->streams[i].first_position);
    CHECK(retry->streams[i].last_position == first->streams[i].last_position);
    CHECK(retry->streams[i].deduplicated);
  }
  CHECK(TakeSnapshot(*store) == before);
}

TEST_CASE("A retry that spells out stream_id is the same append") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto events = MakeNotes(2);
  auto first = store->Append("s-1", kNoStream, events);
  CONSENT_REQUIRE_OK(first);
  const auto before = TakeSnapshot(*store);
  for (Event& e : events) e.set_stream_id("s-1");
  auto retry = store->Append("s-1", kNoStream, events);
  REQUIRE_MESSAGE(retry.ok(), retry.status().ToString());
  CHECK(retry->deduplicated);
  CHECK(retry->first_position == first->first_position);
  CHECK(TakeSnapshot(*store) == before);
}

TEST_CASE("An event id reused with different content is kAlreadyExists and writes nothing") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Event original = MakeEvent("original");
  CONSENT_REQUIRE_OK(store->Append("s-1", kNoStream, {original}));
  const auto before = TakeSnapshot(*store);

  SUBCASE("other payload text") {
    Event forged = original;
    forged.mutable_annotation_added()->set_text("forged");
    CHECK(store->Append("s-1", kAnyRevision, {forged}).status().code() ==
          StatusCode::kAlreadyExists);
  }
  SUBCASE("other occur time") {
    Event forged = original;
    forged.mutable_occur_time()->set_seconds(forged.occur_time().seconds() - 1);
    CHECK(store->Append("s-1", kAnyRevision, {forged}).status().code() ==
          StatusCode::kAlreadyExists);
  }
  SUBCASE("other envelope field") {
    Event forged = original;
    forged.set_correlation_id("call-other");
    CHECK(store->Append("s-1", kAnyRevision, {forged}).status().code() ==
          StatusCode::kAlreadyExists);
  }
  SUBCASE("same content, other stream") {
    CHECK(store->Append("s-2", kAnyRevision, {original}).status().code() ==
          StatusCode::kAlreadyExists);
    CHECK(*store->StreamRevision("s-2") == kNoStream);
  }
  SUBCASE("same id inside an AppendMulti with other content") {
    Event forged = original;
    forged.mutable_annotation_added()->set_text("forged");
    std::vector<StreamAppend> req;
    req.push_back({"s-3", kNoStream, MakeNotes(1)});
    req.push_back({"s-1", kAnyRevision, {forged}});
    auto r = store->AppendMulti(req);
    CHECK(r.status().code() == StatusCode::kAlreadyExists);
    CHECK(*store->StreamRevision("s-3") == kNoStream);
  }
  CHECK(TakeSnapshot(*store) == before);
  auto stored = store->ReadEvent(1);
  CONSENT_REQUIRE_OK(stored);
  CHECK(SameClientContent(*stored, original));
}

TEST_CASE("An append mixing stored and new event ids is kAlreadyExists and writes nothing") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto events = MakeNotes(2);
  CONSENT_REQUIRE_OK(store->Append("s-1", kNoStream, events));
  const auto before = TakeSnapshot(*store);

  SUBCASE("stored first, new second") {
    std::vector<Event> mixed = {events[0], MakeEvent("new")};
    CHECK(store->Append("s-1", kAnyRevision, mixed).status().code() == StatusCode::kAlreadyExists);
    CheckNothingWritten(*store, before, {mixed[1]});
  }
  SUBCASE("new first, stored second") {
    std::vector<Event> mixed = {MakeEvent("new"), events[1]};
    CHECK(store->Append("s-1", kAnyRevision, mixed).status().code() == StatusCode::kAlreadyExists);
    CheckNothingWritten(*store, before, {mixed[0]});
  }
  SUBCASE("the whole stored append plus one new event") {
    std::vector<Event> mixed = events;
    mixed.push_back(MakeEvent("new"));
    CHECK(store->Append("s-1", kAnyRevision, mixed).status().code() == StatusCode::kAlreadyExists);
    CheckNothingWritten(*store, before, {mixed[2]});
  }
  SUBCASE("a retried stream plus a new stream in one AppendMulti") {
    std::vector<StreamAppend> req;
    req.push_back({"s-1", kNoStream, events});
    req.push_back({"s-2", kNoStream, MakeNotes(1)});
    CHECK(store->AppendMulti(req).status().code() == StatusCode::kAlreadyExists);
    CheckNothingWritten(*store, before, req[1].events);
  }
}

TEST_CASE("Re-appending part of a stored append never writes") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto events = MakeNotes(3);
  CONSENT_REQUIRE_OK(store->Append("s-1", kNoStream, events));
  const auto before = TakeSnapshot(*store);
  // The ids are all stored, in the same stream, with the same content: a retry of part of the
  // original append either succeeds as a deduplicated no-op at the original positions or is
  // refused; it must never write.
  auto r = store->Append("s-1", kAnyRevision, {events[1]});
  if (r.ok()) {
    CHECK(r->deduplicated);
    CHECK(r->first_position == 2);
    CHECK(r->last_position == 2);
  } else {
    CHECK(r.status().code() == StatusCode::kAlreadyExists);
  }
  CHECK(TakeSnapshot(*store) == before);
}

TEST_CASE("A retry after reopening the store is deduplicated because the id index is persistent") {
  TempDir dir;
  auto events = MakeNotes(2);
  std::vector<StreamAppend> multi;
  multi.push_back({"call-1", kNoStream, MakeNotes(1)});
  multi.push_back({"agent-1", kNoStream, MakeNotes(2)});
  AppendResult first;
  MultiAppendResult first_multi;
  {
    auto store = OpenStore(dir.path());
    Seed(*store, "other-1", 1);
    auto r = store->Append("s-1", kNoStream, events);
    CONSENT_REQUIRE_OK(r);
    first = *r;
    auto m = store->AppendMulti(multi);
    CONSENT_REQUIRE_OK(m);
    first_multi = *m;
  }
  auto store = OpenStore(dir.path());
  const auto before = TakeSnapshot(*store);
  auto retry = store->Append("s-1", kNoStream, events);
  REQUIRE_MESSAGE(retry.ok(), retry.status().ToString());
  CHECK(retry->deduplicated);
  CHECK(retry->first_position == first.first_position);
  CHECK(retry->last_position == first.last_position);

  auto retry_multi = store->AppendMulti(multi);
  REQUIRE_MESSAGE(retry_multi.ok(), retry_multi.status().ToString());
  CHECK(retry_multi->deduplicated);
  CHECK(retry_multi->first_position == first_multi.first_position);
  CHECK(retry_multi->last_position == first_multi.last_position);
  CHECK(TakeSnapshot(*store) == before);

  Event forged = events[0];
  forged.mutable_annotation_added()->set_text("forged after reopen");
  CHECK(store->Append("s-1", kAnyRevision, {forged}).status().code() == StatusCode::kAlreadyExists);
  CHECK(TakeSnapshot(*store) == before);
}

TEST_CASE("A deduplicated retry keeps the next append's positions dense") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto events = MakeNotes(2);
  CONSENT_REQUIRE_OK(store->Append("s-1", kNoStream, events));
  auto retry = store->Append("s-1", kNoStream, events);
  CONSENT_REQUIRE_OK(retry);
  CHECK(retry->deduplicated);
  auto next = store->Append("s-1", 1, MakeNotes(1));
  REQUIRE_MESSAGE(next.ok(), next.status().ToString());
  CHECK(next->first_position == 3);
  CHECK(next->next_expected_revision == 2);
  CHECK(Positions(ReadAllOrDie(*store)) == Range(1, 3));
  CONSENT_CHECK_OK(store->Verify());
}

TEST_CASE("Every appended event id is found at its position") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::vector<Event> appended;
  for (int i = 0; i < 10; ++i) {
    auto ev = MakeNotes(static_cast<size_t>(1 + i % 3));
    appended.insert(appended.end(), ev.begin(), ev.end());
    CONSENT_REQUIRE_OK(store->Append("s-" + std::to_string(i % 4), kAnyRevision, ev));
  }
  for (size_t i = 0; i < appended.size(); ++i) {
    auto pos = store->FindEvent(appended[i].event_id());
    REQUIRE_MESSAGE(pos.ok(), pos.status().ToString());
    CHECK(*pos == i + 1);
  }
}

}  // namespace
}  // namespace consent::testing
