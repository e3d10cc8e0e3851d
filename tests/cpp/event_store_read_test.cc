// SPDX-License-Identifier: Apache-2.0
// EventStore reads: ReadStream, ReadAll, ScanAll, ReadEvent, FindEvent, StreamRevision,
// HeadPosition and Stats.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "consent/event_store.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

// A store with a known log:
//   1 call-1 r0 note   2 call-1 r1 note    3 agent-7 r0 checkpoint  4 callback-2 r0 note
//   5 call-1 r2 ckpt   6 call r0 note      7 agent-7 r1 note        8 call-1 r3 note
//   9 xcall-3 r0 note  10 call-1 r4 note
struct Fixture {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  std::vector<std::string> stream_of;  // by position - 1
  std::vector<std::string> ids;        // by position - 1

  Fixture() {
    Add("call-1", MakeEvent("c1-0"));
    Add("call-1", MakeEvent("c1-1"));
    Add("agent-7", MakeCheckpointEvent("pbx", 1));
    Add("callback-2", MakeEvent("cb2-0"));
    Add("call-1", MakeCheckpointEvent("pbx", 2));
    Add("call", MakeEvent("call-0"));
    Add("agent-7", MakeEvent("a7-1"));
    Add("call-1", MakeEvent("c1-3"));
    Add("xcall-3", MakeEvent("x3-0"));
    Add("call-1", MakeEvent("c1-4"));
  }
  void Add(const std::string& stream, Event e) {
    ids.push_back(e.event_id());
    stream_of.push_back(stream);
    auto r = store->Append(stream, kAnyRevision, {e});
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    REQUIRE(r->first_position == ids.size());
  }
};

std::vector<uint64_t> ReadAllPositions(const EventStore& store, const ReadAllOptions& options) {
  return Positions(ReadAllOrDie(store, options));
}

ReadAllOptions Backward(uint64_t from = kHeadPosition) {
  ReadAllOptions o;
  o.direction = Direction::kBackward;
  o.from_position = from;
  return o;
}

ReadAllOptions WithTypes(std::vector<std::string> types) {
  ReadAllOptions o;
  o.filter.types = std::move(types);
  return o;
}

ReadAllOptions WithCategories(std::vector<std::string> categories) {
  ReadAllOptions o;
  o.filter.categories = std::move(categories);
  return o;
}

// ---- ReadStream -----------------------------------------------------------------------------

TEST_CASE("ReadStream returns a stream's events forward from revision 0 by default") {
  Fixture f;
  auto events = ReadStreamOrDie(*f.store, "call-1");
  CHECK(Revisions(events) == RevRange(0, 4));
  CHECK(Positions(events) == std::vector<uint64_t>{1, 2, 5, 8, 10});
  for (const Event& e : events) {
    CHECK(e.stream_id() == "call-1");
    CHECK(e.event_id() == f.ids[e.position() - 1]);
  }
}

TEST_CASE("ReadStream forward starts at from_revision and stops at max_count") {
  Fixture f;
  ReadStreamOptions o;
  o.from_revision = 2;
  CHECK(Revisions(ReadStreamOrDie(*f.store, "call-1", o)) == RevRange(2, 4));
  o.max_count = 2;
  CHECK(Revisions(ReadStreamOrDie(*f.store, "call-1", o)) == RevRange(2, 3));
  o.max_count = 0;
  CHECK(ReadStreamOrDie(*f.store, "call-1", o).empty());
}

TEST_CASE("ReadStream backward from the end returns the newest events first") {
  Fixture f;
  ReadStreamOptions o;
  o.direction = Direction::kBackward;
  o.from_revision = kEndRevision;
  CHECK(Revisions(ReadStreamOrDie(*f.store, "call-1", o)) == std::vector<int64_t>{4, 3, 2, 1, 0});
  o.max_count = 2;
  CHECK(Revisions(ReadStreamOrDie(*f.store, "call-1", o)) == std::vector<int64_t>{4, 3});
}

TEST_CASE("ReadStream backward from a revision includes that revision and goes down to 0") {
  Fixture f;
  ReadStreamOptions o;
  o.direction = Direction::kBackward;
  o.from_revision = 2;
  CHECK(Positions(ReadStreamOrDie(*f.store, "call-1", o)) == std::vector<uint64_t>{5, 2, 1});
  o.from_revision = 0;
  CHECK(Revisions(ReadStreamOrDie(*f.store, "call-1", o)) == std::vector<int64_t>{0});
}

TEST_CASE("ReadStream past the end of a stream returns an empty list, not an error") {
  Fixture f;
  ReadStreamOptions o;
  o.from_revision = 5;
  auto r = f.store->ReadStream("call-1", o);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->empty());
  o.from_revision = 1000000;
  r = f.store->ReadStream("call-1", o);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->empty());
}

TEST_CASE("ReadStream of a missing stream is kNotFound") {
  Fixture f;
  CHECK(f.store->ReadStream("call-404").status().code() == StatusCode::kNotFound);
  // A stream whose name is a prefix of an existing one does not exist either.
  CHECK(f.store->ReadStream("call-").status().code() == StatusCode::kNotFound);
  ReadStreamOptions o;
  o.direction = Direction::kBackward;
  o.from_revision = kEndRevision;
  CHECK(f.store->ReadStream("call-404", o).status().code() == StatusCode::kNotFound);
}

TEST_CASE("ReadStream does not mix streams whose names share a prefix") {
  Fixture f;
  CHECK(Positions(ReadStreamOrDie(*f.store, "call")) == std::vector<uint64_t>{6});
  CHECK(Positions(ReadStreamOrDie(*f.store, "callback-2")) == std::vector<uint64_t>{4});
  // Same for streams whose names differ only after a shared prefix ending in a digit.
  CONSENT_REQUIRE_OK(f.store->Append("call-10", kNoStream, MakeNotes(2)));
  CHECK(Positions(ReadStreamOrDie(*f.store, "call-1")) == std::vector<uint64_t>{1, 2, 5, 8, 10});
  CHECK(Positions(ReadStreamOrDie(*f.store, "call-10")) == std::vector<uint64_t>{11, 12});
  ReadStreamOptions o;
  o.direction = Direction::kBackward;
  o.from_revision = kEndRevision;
  CHECK(Positions(ReadStreamOrDie(*f.store, "call-1", o)) == std::vector<uint64_t>{10, 8, 5, 2, 1});
}

// ---- ReadAll / ScanAll -----------------------------------------------------------------------

TEST_CASE("ReadAll returns every event in position order by default") {
  Fixture f;
  auto all = ReadAllOrDie(*f.store);
  CHECK(Positions(all) == Range(1, 10));
  for (const Event& e : all) {
    CHECK(e.stream_id() == f.stream_of[e.position() - 1]);
    CHECK(e.event_id() == f.ids[e.position() - 1]);
  }
}

TEST_CASE("ReadAll forward honours from_position, to_position and max_count") {
  Fixture f;
  ReadAllOptions o;
  o.from_position = 4;
  CHECK(ReadAllPositions(*f.store, o) == Range(4, 10));
  o.to_position = 7;
  CHECK(ReadAllPositions(*f.store, o) == Range(4, 7));
  o.max_count = 2;
  CHECK(ReadAllPositions(*f.store, o) == Range(4, 5));
  o = {};
  o.from_position = 11;
  CHECK(ReadAllPositions(*f.store, o).empty());
  o.from_position = 10;
  o.to_position = 10;
  CHECK(ReadAllPositions(*f.store, o) == std::vector<uint64_t>{10});
}

TEST_CASE("ReadAll backward from the head returns every event newest first") {
  Fixture f;
  CHECK(ReadAllPositions(*f.store, Backward()) ==
        std::vector<uint64_t>{10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
  auto o = Backward();
  o.max_count = 3;
  CHECK(ReadAllPositions(*f.store, o) == std::vector<uint64_t>{10, 9, 8});
}

TEST_CASE("ReadAll backward from a position stops at to_position inclusive") {
  Fixture f;
  auto o = Backward(6);
  CHECK(ReadAllPositions(*f.store, o) == std::vector<uint64_t>{6, 5, 4, 3, 2, 1});
  o.to_position = 4;
  CHECK(ReadAllPositions(*f.store, o) == std::vector<uint64_t>{6, 5, 4});
  o.max_count = 1;
  CHECK(ReadAllPositions(*f.store, o) == std::vector<uint64_t>{6});
}

TEST_CASE("ReadAll filters by category, the part of the stream name before the first dash") {
  Fixture f;
  // "callback-2" and "xcall-3" are other categories; "call" (no dash) is category "call".
  CHECK(ReadAllPositions(*f.store, WithCategories({"call"})) ==
        std::vector<uint64_t>{1, 2, 5, 6, 8, 10});
  CHECK(ReadAllPositions(*f.store, WithCategories({"agent"})) == std::vector<uint64_t>{3, 7});
  CHECK(ReadAllPositions(*f.store, WithCategories({"agent", "xcall"})) ==
        std::vector<uint64_t>{3, 7, 9});
  CHECK(ReadAllPositions(*f.store, WithCategories({"registration"})).empty());
  CHECK(ReadAllPositions(*f.store, WithCategories({"call-1"})).empty());
}

TEST_CASE("ReadAll filters by payload type given as message name or as field name") {
  Fixture f;
  const std::vector<uint64_t> checkpoints = {3, 5};
  const std::vector<uint64_t> notes = {1, 2, 4, 6, 7, 8, 9, 10};
  CHECK(ReadAllPositions(*f.store, WithTypes({"SourceCheckpointed"})) == checkpoints);
  CHECK(ReadAllPositions(*f.store, WithTypes({"source_checkpointed"})) == checkpoints);
  CHECK(ReadAllPositions(*f.store, WithTypes({"AnnotationAdded"})) == notes);
  CHECK(ReadAllPositions(*f.store, WithTypes({"annotation_added"})) == notes);
  CHECK(ReadAllPositions(*f.store, WithTypes({"annotation_added", "SourceCheckpointed"})) ==
        Range(1, 10));
}

TEST_CASE("ReadAll combines category and type filters, and counts max_count after filtering") {
  Fixture f;
  ReadAllOptions o = WithTypes({"AnnotationAdded"});
  o.filter.categories = {"call"};
  CHECK(ReadAllPositions(*f.store, o) == std::vector<uint64_t>{1, 2, 6, 8, 10});
  o.max_count = 3;
  CHECK(ReadAllPositions(*f.store, o) == std::vector<uint64_t>{1, 2, 6});
  o.direction = Direction::kBackward;
  o.from_position = kHeadPosition;
  CHECK(ReadAllPositions(*f.store, o) == std::vector<uint64_t>{10, 8, 6});
  o = WithTypes({"SourceCheckpointed"});
  o.filter.categories = {"agent"};
  CHECK(ReadAllPositions(*f.store, o) == std::vector<uint64_t>{3});
}

TEST_CASE("ReadAll rejects an unknown payload type name with kInvalidArgument") {
  Fixture f;
  for (const char* name : {"NoSuchEvent", "annotationadded", "", "Event", "Actor"}) {
    CAPTURE(name);
    auto r = f.store->ReadAll(WithTypes({"AnnotationAdded", name}));
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    auto s = f.store->ScanAll(WithTypes({name}), [](const Event&) { return true; });
    CHECK(s.code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("ScanAll visits the same events as ReadAll and stops when the visitor returns false") {
  Fixture f;
  ReadAllOptions o = WithCategories({"call"});
  std::vector<uint64_t> seen;
  CONSENT_REQUIRE_OK(f.store->ScanAll(o, [&](const Event& e) {
    seen.push_back(e.position());
    return true;
  }));
  CHECK(seen == ReadAllPositions(*f.store, o));

  seen.clear();
  CONSENT_REQUIRE_OK(f.store->ScanAll({}, [&](const Event& e) {
    seen.push_back(e.position());
    return seen.size() < 4;
  }));
  CHECK(seen == Range(1, 4));

  seen.clear();
  CONSENT_REQUIRE_OK(f.store->ScanAll(Backward(5), [&](const Event& e) {
    seen.push_back(e.position());
    CHECK(e.event_id() == f.ids[e.position() - 1]);
    return true;
  }));
  CHECK(seen == std::vector<uint64_t>{5, 4, 3, 2, 1});
}

TEST_CASE("ReadAll on an empty store returns nothing in either direction") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CHECK(ReadAllOrDie(*store).empty());
  CHECK(ReadAllOrDie(*store, Backward()).empty());
  CHECK(store->HeadPosition() == 0);
}

// ---- Point reads and metadata ----------------------------------------------------------------

TEST_CASE("ReadEvent returns the event at a position and kNotFound past the head") {
  Fixture f;
  for (uint64_t p = 1; p <= 10; ++p) {
    auto e = f.store->ReadEvent(p);
    REQUIRE_MESSAGE(e.ok(), e.status().ToString());
    CHECK(e->position() == p);
    CHECK(e->event_id() == f.ids[p - 1]);
    CHECK(e->stream_id() == f.stream_of[p - 1]);
  }
  CHECK(f.store->ReadEvent(11).status().code() == StatusCode::kNotFound);
  CHECK(f.store->ReadEvent(1000000).status().code() == StatusCode::kNotFound);
}

TEST_CASE("FindEvent returns an event's position and kNotFound for an unknown id") {
  Fixture f;
  for (size_t i = 0; i < f.ids.size(); ++i) {
    auto p = f.store->FindEvent(f.ids[i]);
    REQUIRE_MESSAGE(p.ok(), p.status().ToString());
    CHECK(*p == i + 1);
  }
  CHECK(f.store->FindEvent(NewEventId()).status().code() == StatusCode::kNotFound);
  // A prefix of a stored id is not that id.
  CHECK(f.store->FindEvent(f.ids[0].substr(0, 15)).status().code() != StatusCode::kOk);
}

TEST_CASE("StreamRevision reports the last revision, or kNoStream for a missing stream") {
  Fixture f;
  CHECK(*f.store->StreamRevision("call-1") == 4);
  CHECK(*f.store->StreamRevision("agent-7") == 1);
  CHECK(*f.store->StreamRevision("call") == 0);
  auto missing = f.store->StreamRevision("call-404");
  REQUIRE_MESSAGE(missing.ok(), missing.status().ToString());
  CHECK(*missing == kNoStream);
}

TEST_CASE("Stats describe the store: head, streams, format version, head hash and path") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto empty = store->Stats();
  REQUIRE_MESSAGE(empty.ok(), empty.status().ToString());
  CHECK(empty->head_position == 0);
  CHECK(empty->stream_count == 0);
  CHECK(empty->format_version == kFormatVersion);
  CHECK(empty->head_hash_hex == std::string(64, '0'));
  CHECK_FALSE(empty->store_id.empty());
  CHECK(empty->path == dir.path());

  CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, MakeNotes(3)));
  CONSENT_REQUIRE_OK(store->Append("agent-1", kNoStream, MakeNotes(2)));
  CONSENT_REQUIRE_OK(store->Append("call-1", kAnyRevision, MakeNotes(1)));
  auto stats = store->Stats();
  REQUIRE_MESSAGE(stats.ok(), stats.status().ToString());
  CHECK(stats->head_position == 6);
  CHECK(stats->stream_count == 2);
  CHECK(stats->store_id == empty->store_id);
  REQUIRE(stats->head_hash_hex.size() == 64);
  CHECK(stats->head_hash_hex.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(stats->head_hash_hex != std::string(64, '0'));

  auto verify = store->Verify();
  REQUIRE_MESSAGE(verify.ok(), verify.status().ToString());
  CHECK(verify->chain_hash_hex == stats->head_hash_hex);

  CONSENT_REQUIRE_OK(store->CompactAll());
  auto compacted = store->Stats();
  REQUIRE_MESSAGE(compacted.ok(), compacted.status().ToString());
  CHECK(compacted->approximate_bytes > 0);
  CHECK(compacted->head_hash_hex == stats->head_hash_hex);
}

TEST_CASE("Each store gets its own store id") {
  TempDir a;
  TempDir b;
  auto sa = OpenStore(a.path());
  auto sb = OpenStore(b.path());
  CHECK(sa->Stats()->store_id != sb->Stats()->store_id);
}

TEST_CASE("The head hash changes with every append") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::set<std::string> hashes = {store->Stats()->head_hash_hex};
  for (int i = 0; i < 5; ++i) {
    CONSENT_REQUIRE_OK(store->Append("s-1", kAnyRevision, MakeNotes(1)));
    hashes.insert(store->Stats()->head_hash_hex);
  }
  CHECK(hashes.size() == 6);
}

TEST_CASE("Verify checks a range and reports the chain hash after its last position") {
  Fixture f;
  auto all = f.store->Verify();
  REQUIRE_MESSAGE(all.ok(), all.status().ToString());
  CHECK(all->from_position == 1);
  CHECK(all->to_position == 10);
  CHECK(all->events_checked == 10);

  auto part = f.store->Verify(3, 6);
  REQUIRE_MESSAGE(part.ok(), part.status().ToString());
  CHECK(part->from_position == 3);
  CHECK(part->to_position == 6);
  CHECK(part->events_checked == 4);
  auto prefix = f.store->Verify(1, 6);
  REQUIRE_MESSAGE(prefix.ok(), prefix.status().ToString());
  CHECK(prefix->chain_hash_hex == part->chain_hash_hex);
  CHECK(prefix->chain_hash_hex != all->chain_hash_hex);
}

TEST_CASE("Verify of an empty store checks nothing and succeeds") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto v = store->Verify();
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  CHECK(v->events_checked == 0);
}

TEST_CASE("Reads after CompactAll return the same events") {
  Fixture f;
  const auto before = TakeSnapshot(*f.store);
  CONSENT_REQUIRE_OK(f.store->CompactAll());
  CHECK(TakeSnapshot(*f.store) == before);
  CONSENT_CHECK_OK(f.store->Verify());
}

// ---- Free helpers -----------------------------------------------------------------------------

TEST_CASE("StreamCategory is the part before the first dash, or the whole name") {
  CHECK(StreamCategory("call-42") == "call");
  CHECK(StreamCategory("call-42-b") == "call");
  CHECK(StreamCategory("call") == "call");
  CHECK(StreamCategory("-x") == "");
}

TEST_CASE("PayloadTypeName names the payload message, or is empty when unset") {
  CHECK(PayloadTypeName(MakeEvent("x")) == "AnnotationAdded");
  CHECK(PayloadTypeName(MakeCheckpointEvent("s", 1)) == "SourceCheckpointed");
  CHECK(PayloadTypeName(Event()) == "");
}

TEST_CASE("Timestamps convert to and from std::chrono without losing nanoseconds") {
  const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) +
                 std::chrono::microseconds(654321);
  auto ts = ToTimestamp(t);
  CHECK(ts.seconds() == 1700000000);
  CHECK(ts.nanos() == 654321000);
  CHECK(FromTimestamp(ts) == t);
  const auto before_epoch = std::chrono::system_clock::time_point(std::chrono::seconds(-10)) +
                            std::chrono::milliseconds(250);
  auto ts2 = ToTimestamp(before_epoch);
  CHECK(ts2.seconds() == -10);
  CHECK(ts2.nanos() == 250000000);
  CHECK(FromTimestamp(ts2) == before_epoch);
}

}  // namespace
}  // namespace consent::testing
