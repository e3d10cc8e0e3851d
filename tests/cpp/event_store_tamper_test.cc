// SPDX-License-Identifier: Apache-2.0
// Tampering with a closed store's RocksDB files: Verify must report kDataLoss at the first
// modified, missing or reordered event, and the chain must follow the documented formula.
#include <doctest/doctest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/event_store.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

using internal::kEventIdsCf;
using internal::kEventsCf;
using internal::kStreamsCf;
using internal::PositionKey;
using internal::StreamKey;

constexpr uint64_t kEvents = 8;

// Streams by position: call-1 at 1,2,5,8; agent-1 at 3,6; call-2 at 4,7.
const char* const kStreamOf[kEvents + 1] = {"",       "call-1",  "call-1", "agent-1", "call-2",
                                            "call-1", "agent-1", "call-2", "call-1"};

std::string Two(uint64_t p) { return (p < 10 ? "0" : "") + std::to_string(p); }
std::string PayloadMarker(uint64_t p) { return "payload-marker-" + Two(p); }
std::string HeaderMarker(uint64_t p) { return "corr-" + Two(p); }

// A closed store holding kEvents events whose payload text and correlation id are unique
// markers that can be found in the raw bytes.
struct TamperFixture {
  TempDir dir;
  std::vector<std::string> ids{""};
  std::string anchor;  // chain hash after the head, as an auditor would keep it

  TamperFixture() {
    auto store = OpenStore(dir.path());
    for (uint64_t p = 1; p <= kEvents; ++p) {
      Event e = MakeEvent(PayloadMarker(p));
      e.set_correlation_id(HeaderMarker(p));
      ids.push_back(e.event_id());
      auto r = store->Append(kStreamOf[p], kAnyRevision, {e});
      REQUIRE_MESSAGE(r.ok(), r.status().ToString());
      REQUIRE(r->first_position == p);
    }
    auto v = store->Verify();
    REQUIRE_MESSAGE(v.ok(), v.status().ToString());
    anchor = v->chain_hash_hex;
  }

  std::string path() const { return dir.path(); }
};

// Opens the store and verifies it all.
StatusOr<VerifyReport> VerifyStore(const std::string& path, uint64_t from = 1,
                                   uint64_t to = kHeadPosition) {
  auto store = OpenStore(path);
  return store->Verify(from, to);
}

void CheckDataLossAt(const StatusOr<VerifyReport>& v, uint64_t position) {
  REQUIRE_MESSAGE(v.status().code() == StatusCode::kDataLoss,
                  (v.ok() ? std::string("Verify passed") : v.status().ToString()));
  CHECK_MESSAGE(v.status().context().position == std::optional<uint64_t>(position),
                v.status().ToString());
}

// Replaces the first occurrence of `from` in the raw value at `position` by `to`.
void EditEventRecord(RawDb& raw, uint64_t position, std::string_view from, std::string_view to) {
  auto value = raw.Get(kEventsCf, PositionKey(position));
  REQUIRE(value.has_value());
  const size_t at = value->find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "marker not found at position " << position);
  value->replace(at, from.size(), to);
  raw.Put(kEventsCf, PositionKey(position), *value);
}

// ---- An independent implementation of the documented chain --------------------------------

using Hash = std::array<unsigned char, 32>;

bool ReadVarint(std::string_view in, size_t& pos, uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64 && pos < in.size(); shift += 7) {
    const auto b = static_cast<unsigned char>(in[pos++]);
    out |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// [start, end) of the payload field's value (the oneof member, field number >= 100).
std::pair<size_t, size_t> PayloadValueRange(std::string_view event) {
  size_t pos = 0;
  std::optional<std::pair<size_t, size_t>> found;
  while (pos < event.size()) {
    uint64_t tag = 0;
    REQUIRE(ReadVarint(event, pos, tag));
    const uint64_t wire = tag & 7;
    uint64_t v = 0;
    if (wire == 0) {
      REQUIRE(ReadVarint(event, pos, v));
    } else if (wire == 1) {
      pos += 8;
    } else if (wire == 5) {
      pos += 4;
    } else {
      REQUIRE(wire == 2);
      REQUIRE(ReadVarint(event, pos, v));
      if ((tag >> 3) >= 100) {
        REQUIRE_FALSE(found.has_value());
        found = std::make_pair(pos, pos + static_cast<size_t>(v));
      }
      pos += static_cast<size_t>(v);
    }
  }
  REQUIRE(found.has_value());
  return *found;
}

Hash Blake2b(std::string_view bytes) {
  Hash h;
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size(), nullptr, 0);
  return h;
}

// h_n = BLAKE2b-256(h_{n-1} || u32le(len(header)) || header || BLAKE2b-256(payload)).
Hash NextChainHash(const Hash& prev, std::string_view event) {
  const auto [start, end] = PayloadValueRange(event);
  std::string header(event.substr(0, start));
  header.append(event.substr(end));
  const Hash payload_hash = Blake2b(event.substr(start, end - start));
  std::string input(reinterpret_cast<const char*>(prev.data()), prev.size());
  const auto len = static_cast<uint32_t>(header.size());
  for (int i = 0; i < 4; ++i) input.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
  input += header;
  input.append(reinterpret_cast<const char*>(payload_hash.data()), payload_hash.size());
  return Blake2b(input);
}

std::string HashToString(const Hash& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

std::string HashToHex(const Hash& h) { return ToHex(HashToString(h)); }

// Rewrites records from `from` to the head so that every stored h_n matches the (possibly
// edited) events, and the head record with them: what an attacker with write access would do.
void RechainFrom(RawDb& raw, uint64_t from) {
  Hash prev{};
  if (from > 1) {
    auto rec = raw.Get(kEventsCf, PositionKey(from - 1));
    REQUIRE(rec.has_value());
    std::copy_n(rec->begin() + 1, prev.size(), prev.begin());
  }
  uint64_t p = from;
  for (;; ++p) {
    auto rec = raw.Get(kEventsCf, PositionKey(p));
    if (!rec) break;
    const Hash h = NextChainHash(prev, EventBytesOf(*rec));
    rec->replace(1, internal::kHashSize, HashToString(h));
    raw.Put(kEventsCf, PositionKey(p), *rec);
    prev = h;
  }
  raw.Put(internal::kMetaCf, internal::kMetaHead, PositionKey(p - 1) + HashToString(prev));
}

// ---- The chain itself --------------------------------------------------------------------------

TEST_CASE("Stored chain hashes follow the documented BLAKE2b formula from 32 zero bytes") {
  TamperFixture f;
  auto store = OpenStore(f.path());
  auto stats = store->Stats();
  CONSENT_REQUIRE_OK(stats);
  store.reset();

  RawDb raw(f.path());
  const auto events = raw.Dump(kEventsCf);
  REQUIRE(events.size() == kEvents);
  Hash prev{};
  uint64_t expected_position = 1;
  for (const auto& [key, record] : events) {
    CAPTURE(expected_position);
    CHECK(internal::GetU64BE(key) == expected_position);
    REQUIRE(record.size() > internal::kEventRecordHeaderSize);
    CHECK(static_cast<uint8_t>(record[0]) == internal::kEventRecordVersion);
    Event e;
    REQUIRE(e.ParseFromString(std::string(EventBytesOf(record))));
    CHECK(e.position() == expected_position);
    CHECK(e.stream_id() == kStreamOf[expected_position]);
    const Hash h = NextChainHash(prev, EventBytesOf(record));
    CHECK(ToHex(record.substr(1, internal::kHashSize)) == HashToHex(h));
    prev = h;
    ++expected_position;
  }
  CHECK(HashToHex(prev) == stats->head_hash_hex);
  CHECK(HashToHex(prev) == f.anchor);
}

TEST_CASE("Indexes point at every event: stream keys by revision and ids by position") {
  TamperFixture f;
  RawDb raw(f.path());
  const auto streams = raw.Dump(kStreamsCf);
  CHECK(streams.size() == kEvents);
  std::map<std::string, uint64_t> next_revision;
  for (uint64_t p = 1; p <= kEvents; ++p) {
    const uint64_t rev = next_revision[kStreamOf[p]]++;
    auto v = raw.Get(kStreamsCf, StreamKey(kStreamOf[p], rev));
    REQUIRE_MESSAGE(v.has_value(), "no stream index entry for position " << p);
    CHECK(internal::GetU64BE(*v) == p);
    auto id = raw.Get(kEventIdsCf, f.ids[p]);
    REQUIRE_MESSAGE(id.has_value(), "no id index entry for position " << p);
    CHECK(internal::GetU64BE(*id) == p);
  }
}

// ---- Tampered events --------------------------------------------------------------------------

TEST_CASE("Verify reports kDataLoss at an event whose payload byte was changed") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    EditEventRecord(raw, 5, PayloadMarker(5), "qayload-marker-05");
  }
  CheckDataLossAt(VerifyStore(f.path()), 5);
  // The events before it still verify.
  auto prefix = VerifyStore(f.path(), 1, 4);
  CONSENT_CHECK_OK(prefix);
  auto store = OpenStore(f.path());
  auto range = store->Verify(3, 7);
  CheckDataLossAt(range, 5);
}

TEST_CASE("Verify reports kDataLoss at an event whose header byte was changed") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    EditEventRecord(raw, 3, HeaderMarker(3), "corr-13");
  }
  CheckDataLossAt(VerifyStore(f.path()), 3);
}

TEST_CASE("Verify reports kDataLoss at the head event when it was changed") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    EditEventRecord(raw, kEvents, PayloadMarker(kEvents), "payload-marker-99");
  }
  CheckDataLossAt(VerifyStore(f.path()), kEvents);
}

TEST_CASE("Verify reports kDataLoss at the first event when it was changed") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    EditEventRecord(raw, 1, PayloadMarker(1), "Payload-marker-01");
  }
  CheckDataLossAt(VerifyStore(f.path()), 1);
}

TEST_CASE("Verify reports kDataLoss at an event whose payload type tag was changed") {
  // AnnotationAdded{text} and SourceCheckpointed{source} share a wire layout, as do real pairs
  // such as RecordingPaused/RecordingResumed: rewriting only the oneof field number turns one
  // fact into another. The tag is part of the header, so the chain must catch it.
  TamperFixture f;
  {
    RawDb raw(f.path());
    auto rec = raw.Get(kEventsCf, PositionKey(5));
    REQUIRE(rec.has_value());
    const size_t text_at = rec->find(PayloadMarker(5));
    REQUIRE(text_at != std::string::npos);
    REQUIRE(text_at >= 5);
    // ... 0xA2 0x06 (field 100, length-delimited) | len | 0x0A (text) | len | text
    const size_t tag_at = text_at - 5;
    REQUIRE(rec->substr(tag_at, 2) == std::string("\xA2\x06", 2));
    (*rec)[tag_at] = '\xAA';  // field 101: source_checkpointed
    raw.Put(kEventsCf, PositionKey(5), *rec);
  }
  {
    auto store = OpenStore(f.path());
    auto e = store->ReadEvent(5);
    if (e.ok()) {
      // The forged event now reads as another fact with the same bytes.
      CHECK(e->source_checkpointed().source() == PayloadMarker(5));
    }
  }
  CheckDataLossAt(VerifyStore(f.path()), 5);
}

TEST_CASE("Verify reports kDataLoss at an event whose stored hash was changed") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    auto rec = raw.Get(kEventsCf, PositionKey(4));
    REQUIRE(rec.has_value());
    (*rec)[10] = static_cast<char>((*rec)[10] ^ 0x01);
    raw.Put(kEventsCf, PositionKey(4), *rec);
  }
  CheckDataLossAt(VerifyStore(f.path()), 4);
}

TEST_CASE("Verify reports kDataLoss at an event whose record version byte was changed") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    auto rec = raw.Get(kEventsCf, PositionKey(2));
    REQUIRE(rec.has_value());
    (*rec)[0] = 0x07;
    raw.Put(kEventsCf, PositionKey(2), *rec);
  }
  CheckDataLossAt(VerifyStore(f.path()), 2);
}

TEST_CASE("Verify reports kDataLoss at an event whose record was truncated") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    auto rec = raw.Get(kEventsCf, PositionKey(6));
    REQUIRE(rec.has_value());
    rec->pop_back();
    raw.Put(kEventsCf, PositionKey(6), *rec);
  }
  CheckDataLossAt(VerifyStore(f.path()), 6);
}

TEST_CASE("Verify reports kDataLoss at a deleted event") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    raw.Delete(kEventsCf, PositionKey(4));
  }
  CheckDataLossAt(VerifyStore(f.path()), 4);
}

TEST_CASE("Verify reports kDataLoss at the first of two swapped events") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    auto a = raw.Get(kEventsCf, PositionKey(2));
    auto b = raw.Get(kEventsCf, PositionKey(6));
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    raw.Put(kEventsCf, PositionKey(2), *b);
    raw.Put(kEventsCf, PositionKey(6), *a);
  }
  CheckDataLossAt(VerifyStore(f.path()), 2);
}

TEST_CASE("Verify reports kDataLoss for an event copied past the head") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    auto last = raw.Get(kEventsCf, PositionKey(kEvents));
    REQUIRE(last.has_value());
    raw.Put(kEventsCf, PositionKey(kEvents + 1), *last);
  }
  CheckDataLossAt(VerifyStore(f.path()), kEvents + 1);
}

TEST_CASE("A consistently rechained rewrite passes Verify but changes the anchored chain hash") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    EditEventRecord(raw, 3, PayloadMarker(3), "payload-marker-XX");
    RechainFrom(raw, 3);
  }
  // The rewrite recomputed every hash with the documented formula, so the chain is internally
  // consistent again; only the anchor kept outside the store reveals it.
  auto v = VerifyStore(f.path());
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  CHECK(v->events_checked == kEvents);
  CHECK(v->chain_hash_hex != f.anchor);
  auto store = OpenStore(f.path());
  CHECK(store->Stats()->head_hash_hex == v->chain_hash_hex);
  CHECK(store->ReadEvent(3)->annotation_added().text() == "payload-marker-XX");
}

// ---- Tampered indexes ---------------------------------------------------------------------------

TEST_CASE("Verify reports kDataLoss when a stream index entry points at another event") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    // call-1 revision 1 is position 2; make it point at position 5 (also call-1).
    raw.Put(kStreamsCf, StreamKey("call-1", 1), PositionKey(5));
  }
  auto v = VerifyStore(f.path());
  REQUIRE_MESSAGE(v.status().code() == StatusCode::kDataLoss,
                  (v.ok() ? std::string("Verify passed") : v.status().ToString()));
  CHECK(v.status().context().position.has_value());
}

TEST_CASE("Verify reports kDataLoss when a stream index entry is missing") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    raw.Delete(kStreamsCf, StreamKey("agent-1", 1));  // position 6
  }
  auto v = VerifyStore(f.path());
  REQUIRE_MESSAGE(v.status().code() == StatusCode::kDataLoss,
                  (v.ok() ? std::string("Verify passed") : v.status().ToString()));
  CHECK(v.status().context().position == std::optional<uint64_t>(6));
}

TEST_CASE("Verify reports kDataLoss when an event id index entry is missing or wrong") {
  TamperFixture f;
  SUBCASE("missing") {
    RawDb raw(f.path());
    raw.Delete(kEventIdsCf, f.ids[5]);
  }
  SUBCASE("pointing at another position") {
    RawDb raw(f.path());
    raw.Put(kEventIdsCf, f.ids[5], PositionKey(7));
  }
  auto v = VerifyStore(f.path());
  REQUIRE_MESSAGE(v.status().code() == StatusCode::kDataLoss,
                  (v.ok() ? std::string("Verify passed") : v.status().ToString()));
  CHECK(v.status().context().position == std::optional<uint64_t>(5));
}

TEST_CASE("Verify reports kDataLoss when the last event was deleted") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    raw.Delete(kEventsCf, PositionKey(kEvents));
  }
  CheckDataLossAt(VerifyStore(f.path()), kEvents);
}

TEST_CASE("A store whose last event was deleted refuses appends instead of reusing the position") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    raw.Delete(kEventsCf, PositionKey(kEvents));
  }
  auto store = OpenStore(f.path());
  auto r = store->Append("call-9", kAnyRevision, {MakeEvent("after the loss")});
  REQUIRE(r.status().code() == StatusCode::kDataLoss);
  CHECK(r.status().context().position == std::optional<uint64_t>(kEvents));
  CHECK(store->HeadPosition() == kEvents - 1);
}

TEST_CASE("Verify reports kDataLoss when the head record's hash differs from the last event's") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    auto head = raw.Get(internal::kMetaCf, internal::kMetaHead);
    REQUIRE(head.has_value());
    (*head)[20] = static_cast<char>((*head)[20] ^ 1);
    raw.Put(internal::kMetaCf, internal::kMetaHead, *head);
  }
  CheckDataLossAt(VerifyStore(f.path()), kEvents);
}

TEST_CASE("Verify reports kDataLoss for an extra stream index entry pointing at another stream's event") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    raw.Put(kStreamsCf, StreamKey("call-2", 2), PositionKey(6));  // agent-1's event
  }
  CheckDataLossAt(VerifyStore(f.path()), 6);
}

TEST_CASE("Verify reports kDataLoss for an extra event id index entry pointing at a stored event") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    raw.Put(kEventIdsCf, std::string(16, '\x7f'), PositionKey(3));
  }
  CheckDataLossAt(VerifyStore(f.path()), 3);
}

TEST_CASE("ReadStream refuses an index entry that points at another stream's event") {
  TamperFixture f;
  {
    RawDb raw(f.path());
    raw.Put(kStreamsCf, StreamKey("call-2", 2), PositionKey(6));  // agent-1's event
  }
  auto store = OpenStore(f.path());
  auto events = store->ReadStream("call-2");
  REQUIRE(events.status().code() == StatusCode::kDataLoss);
  CHECK(events.status().context().position == std::optional<uint64_t>(6));
}

TEST_CASE("An untouched store verifies after being opened raw and closed") {
  TamperFixture f;
  { RawDb raw(f.path()); }
  auto v = VerifyStore(f.path());
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  CHECK(v->events_checked == kEvents);
  CHECK(v->chain_hash_hex == f.anchor);
}

}  // namespace
}  // namespace consent::testing
