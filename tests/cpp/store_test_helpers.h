// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the event_store_*_test.cc files: status assertions, snapshots of a store's
// observable state, and raw access to the RocksDB files behind a (closed) store.
#ifndef CONSENT_TESTS_STORE_TEST_HELPERS_H_
#define CONSENT_TESTS_STORE_TEST_HELPERS_H_

#include <doctest/doctest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "consent/event_store.h"
#include "storage/layout.h"
#include "test_util.h"

namespace consent {

// Lets doctest print a Status / StatusCode in failed assertions.
inline std::ostream& operator<<(std::ostream& os, StatusCode code) {
  return os << StatusCodeName(code);
}

}  // namespace consent

namespace consent::testing {

// Checks `expr` (a Status or StatusOr) is OK, printing the status otherwise.
#define CONSENT_CHECK_OK(expr)                                                     \
  do {                                                                             \
    const auto& consent_check_ok_ = (expr);                                        \
    CHECK_MESSAGE(consent_check_ok_.ok(), StatusOf(consent_check_ok_).ToString()); \
  } while (0)
#define CONSENT_REQUIRE_OK(expr)                                                         \
  do {                                                                                   \
    const auto& consent_require_ok_ = (expr);                                            \
    REQUIRE_MESSAGE(consent_require_ok_.ok(), StatusOf(consent_require_ok_).ToString()); \
  } while (0)

inline Status StatusOf(const Status& s) { return s; }
template <typename T>
Status StatusOf(const StatusOr<T>& s) {
  return s.status();
}

// A valid event for `stream`'s category with a given text, correlation id and actor.
inline Event MakeNote(const std::string& text, const std::string& correlation = "") {
  Event e = MakeEvent(text);
  if (!correlation.empty()) e.set_correlation_id(correlation);
  return e;
}

inline Event MakeCheckpointEvent(const std::string& source, uint64_t source_position) {
  Event e;
  e.set_event_id(NewEventId());
  *e.mutable_occur_time() = ToTimestamp(std::chrono::system_clock::now());
  e.mutable_source_checkpointed()->set_source(source);
  e.mutable_source_checkpointed()->set_source_position(source_position);
  return e;
}

// A valid note of about `bytes` bytes (up to kMaxEventBytes), its text spread over tags of at
// most kMaxTextBytes each, every byte `fill`.
inline Event MakeBulkyNote(size_t bytes, char fill) {
  Event e = MakeEvent("bulky");
  for (size_t left = std::min(bytes, kMaxEventBytes - 1024); left > 0;) {
    const size_t n = std::min(left, kMaxTextBytes);
    e.mutable_annotation_added()->add_tags(std::string(n, fill));
    left -= n;
  }
  return e;
}

inline std::vector<Event> MakeNotes(size_t n, const std::string& prefix = "note") {
  std::vector<Event> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(MakeEvent(prefix + "-" + std::to_string(i)));
  return out;
}

// The event as the client submitted it: store-assigned fields cleared.
inline Event ClientView(Event e) {
  e.clear_stream_revision();
  e.clear_position();
  e.clear_record_time();
  return e;
}

inline bool SameClientContent(const Event& stored, const Event& submitted) {
  Event a = ClientView(stored);
  Event b = ClientView(submitted);
  a.clear_stream_id();
  b.clear_stream_id();
  return a.SerializeAsString() == b.SerializeAsString();
}

inline std::vector<Event> ReadAllOrDie(const EventStore& store, ReadAllOptions options = {}) {
  auto r = store.ReadAll(options);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return std::move(r).value();
}

inline std::vector<Event> ReadStreamOrDie(const EventStore& store, std::string_view stream,
                                          ReadStreamOptions options = {}) {
  auto r = store.ReadStream(stream, options);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return std::move(r).value();
}

inline std::vector<uint64_t> Positions(const std::vector<Event>& events) {
  std::vector<uint64_t> out;
  for (const Event& e : events) out.push_back(e.position());
  return out;
}

inline std::vector<int64_t> Revisions(const std::vector<Event>& events) {
  std::vector<int64_t> out;
  for (const Event& e : events) out.push_back(static_cast<int64_t>(e.stream_revision()));
  return out;
}

inline std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t p = first; p <= last; ++p) out.push_back(p);
  return out;
}

inline std::vector<int64_t> RevRange(int64_t first, int64_t last) {
  std::vector<int64_t> out;
  for (int64_t r = first; r <= last; ++r) out.push_back(r);
  return out;
}

// Everything a client can observe of a store, for before/after comparisons.
struct StoreSnapshot {
  std::vector<std::string> events;  // serialized, in position order
  uint64_t head = 0;
  uint64_t stats_head = 0;
  uint64_t stream_count = 0;
  std::string head_hash;
  std::string store_id;
  uint32_t format_version = 0;

  friend bool operator==(const StoreSnapshot&, const StoreSnapshot&) = default;
};

inline StoreSnapshot TakeSnapshot(const EventStore& store) {
  StoreSnapshot s;
  for (const Event& e : ReadAllOrDie(store)) s.events.push_back(e.SerializeAsString());
  s.head = store.HeadPosition();
  auto stats = store.Stats();
  REQUIRE_MESSAGE(stats.ok(), stats.status().ToString());
  s.stats_head = stats->head_position;
  s.stream_count = stats->stream_count;
  s.head_hash = stats->head_hash_hex;
  s.store_id = stats->store_id;
  s.format_version = stats->format_version;
  return s;
}

inline std::ostream& operator<<(std::ostream& os, const StoreSnapshot& s) {
  return os << "{events=" << s.events.size() << " head=" << s.head << " stats_head=" << s.stats_head
            << " streams=" << s.stream_count << " hash=" << s.head_hash << "}";
}

// A clock the test moves by hand. Safe to call from any thread.
class ManualClock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point t) : now_(t) {}
  void Set(std::chrono::system_clock::time_point t) {
    std::lock_guard<std::mutex> l(mu_);
    now_ = t;
  }
  std::chrono::system_clock::time_point Now() const {
    std::lock_guard<std::mutex> l(mu_);
    return now_;
  }
  Clock AsClock() {
    return [this] { return Now(); };
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point now_;
};

// ---- Raw RocksDB access (the store must be closed) ---------------------------------------

inline const std::vector<std::string>& AllColumnFamilies() {
  static const std::vector<std::string> kNames = {rocksdb::kDefaultColumnFamilyName,
                                                  internal::kEventsCf,
                                                  internal::kStreamsCf,
                                                  internal::kEventIdsCf,
                                                  internal::kProjectionsCf,
                                                  internal::kCheckpointsCf,
                                                  internal::kMetaCf};
  return kNames;
}

// The RocksDB database behind a store, opened with every column family of layout.h.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    rocksdb::DBOptions options;
    options.create_if_missing = false;
    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    for (const std::string& name : AllColumnFamilies()) {
      descs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options, path, descs, &handles, &db);
    REQUIRE_MESSAGE(s.ok(), "raw RocksDB open of " << path << ": " << s.ToString());
    db_.reset(db);
    for (size_t i = 0; i < handles.size(); ++i) handles_[AllColumnFamilies()[i]] = handles[i];
  }
  ~RawDb() {
    for (auto& [name, h] : handles_) {
      rocksdb::Status s = db_->DestroyColumnFamilyHandle(h);
      (void)s;
    }
    handles_.clear();
    rocksdb::Status s = db_->Close();
    (void)s;
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  rocksdb::ColumnFamilyHandle* cf(const std::string& name) {
    auto it = handles_.find(name);
    REQUIRE_MESSAGE(it != handles_.end(), "no column family " << name);
    return it->second;
  }

  std::optional<std::string> Get(const std::string& cf_name, std::string_view key) {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(cf_name),
                                 rocksdb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) return std::nullopt;
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    return value;
  }
  void Put(const std::string& cf_name, std::string_view key, std::string_view value) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::Status s = db_->Put(wo, cf(cf_name), rocksdb::Slice(key.data(), key.size()),
                                 rocksdb::Slice(value.data(), value.size()));
    REQUIRE_MESSAGE(s.ok(), s.ToString());
  }
  void Delete(const std::string& cf_name, std::string_view key) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::Status s = db_->Delete(wo, cf(cf_name), rocksdb::Slice(key.data(), key.size()));
    REQUIRE_MESSAGE(s.ok(), s.ToString());
  }
  std::map<std::string, std::string> Dump(const std::string& cf_name) {
    std::map<std::string, std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(cf_name)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace(it->key().ToString(), it->value().ToString());
    }
    REQUIRE_MESSAGE(it->status().ok(), it->status().ToString());
    return out;
  }
  // Every column family's contents, keyed by column family name.
  std::map<std::string, std::map<std::string, std::string>> DumpAll() {
    std::map<std::string, std::map<std::string, std::string>> out;
    for (const std::string& name : AllColumnFamilies()) out[name] = Dump(name);
    return out;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> handles_;
};

inline std::map<std::string, std::map<std::string, std::string>> RawDumpAll(
    const std::string& path) {
  RawDb db(path);
  return db.DumpAll();
}

// The serialized Event inside an `events` column family value.
inline std::string_view EventBytesOf(std::string_view record) {
  REQUIRE(record.size() > internal::kEventRecordHeaderSize);
  return record.substr(internal::kEventRecordHeaderSize);
}

}  // namespace consent::testing

#endif  // CONSENT_TESTS_STORE_TEST_HELPERS_H_
