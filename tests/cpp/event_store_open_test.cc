// SPDX-License-Identifier: Apache-2.0
// EventStore::Open: creation, reopening, and refusal of what is not a libconsent store.
#include <doctest/doctest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "consent/event_store.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

StatusCode OpenCode(const StoreOptions& options, const std::string& path) {
  auto s = EventStore::Open(options, path);
  return s.status().code();
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("Reopening a store preserves every event, stream, id and hash") {
  TempDir dir;
  StoreSnapshot before;
  std::vector<std::string> ids;
  {
    auto store = OpenStore(dir.path());
    for (int i = 0; i < 30; ++i) {
      auto events = MakeNotes(static_cast<size_t>(1 + i % 3), "n" + std::to_string(i));
      for (const Event& e : events) ids.push_back(e.event_id());
      CONSENT_REQUIRE_OK(store->Append("s-" + std::to_string(i % 5), kAnyRevision, events));
    }
    CONSENT_REQUIRE_OK(store->AppendMulti({StreamAppend{"call-1", kNoStream, MakeNotes(2)},
                                           StreamAppend{"agent-1", kNoStream, MakeNotes(1)}}));
    before = TakeSnapshot(*store);
  }
  auto store = OpenStore(dir.path());
  CHECK(TakeSnapshot(*store) == before);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto p = store->FindEvent(ids[i]);
    REQUIRE_MESSAGE(p.ok(), p.status().ToString());
    CHECK(*p == i + 1);
  }
  // s-0 got i = 0, 5, 10, 15, 20, 25: 1 + 3 + 2 + 1 + 3 + 2 = 12 events.
  CHECK(*store->StreamRevision("s-0") == 11);
  CHECK(*store->StreamRevision("call-1") == 1);
  auto verify = store->Verify();
  REQUIRE_MESSAGE(verify.ok(), verify.status().ToString());
  CHECK(verify->events_checked == before.head);
  CHECK(verify->chain_hash_hex == before.head_hash);
}

TEST_CASE("After reopening, appends continue at the head and expected revisions are enforced") {
  TempDir dir;
  {
    auto store = OpenStore(dir.path());
    CONSENT_REQUIRE_OK(store->Append("s-1", kNoStream, MakeNotes(3)));
    CONSENT_REQUIRE_OK(store->Append("s-2", kNoStream, MakeNotes(1)));
  }
  auto store = OpenStore(dir.path());
  auto stale = store->Append("s-1", 1, MakeNotes(1));
  REQUIRE(stale.status().code() == StatusCode::kAborted);
  CHECK(stale.status().context().actual_revision == 2);
  CHECK(store->Append("s-2", kNoStream, MakeNotes(1)).status().code() == StatusCode::kAborted);
  auto r = store->Append("s-1", 2, MakeNotes(2));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->first_position == 5);
  CHECK(r->last_position == 6);
  CHECK(r->next_expected_revision == 4);
  CHECK(store->Stats()->stream_count == 2);
  auto fresh = store->Append("s-3", kNoStream, MakeNotes(1));
  CONSENT_REQUIRE_OK(fresh);
  CHECK(store->Stats()->stream_count == 3);
  CHECK(Positions(ReadAllOrDie(*store)) == Range(1, 7));
  CONSENT_CHECK_OK(store->Verify());
}

TEST_CASE("Reopening with a small stream cache still checks revisions of evicted streams") {
  TempDir dir;
  StoreOptions options;
  options.stream_cache_entries = 2;
  auto store = OpenStore(dir.path(), options);
  for (int i = 0; i < 20; ++i) {
    CONSENT_REQUIRE_OK(store->Append("s-" + std::to_string(i), kNoStream, MakeNotes(2)));
  }
  for (int i = 0; i < 20; ++i) {
    const std::string s = "s-" + std::to_string(i);
    CAPTURE(s);
    CHECK(*store->StreamRevision(s) == 1);
    CHECK(store->Append(s, kNoStream, MakeNotes(1)).status().code() == StatusCode::kAborted);
    CHECK(store->Append(s, 0, MakeNotes(1)).status().code() == StatusCode::kAborted);
  }
  CONSENT_REQUIRE_OK(store->Append("s-0", 1, MakeNotes(1)));
  CHECK(store->HeadPosition() == 41);
}

TEST_CASE(
    "Open with create_if_missing=false on an empty directory is kNotFound and creates nothing") {
  TempDir dir;
  StoreOptions options;
  options.create_if_missing = false;
  CHECK(OpenCode(options, dir.path()) == StatusCode::kNotFound);
  CHECK(ListDir(dir.path()).empty());
  CHECK(OpenCode(options, dir.sub("missing")) == StatusCode::kNotFound);
  CHECK_FALSE(std::filesystem::exists(dir.sub("missing")));
}

TEST_CASE("Open with create_if_missing=false opens an existing store") {
  TempDir dir;
  {
    auto store = OpenStore(dir.path());
    CONSENT_REQUIRE_OK(store->Append("s-1", kNoStream, MakeNotes(1)));
  }
  StoreOptions options;
  options.create_if_missing = false;
  auto store = OpenStore(dir.path(), options);
  CHECK(store->HeadPosition() == 1);
}

TEST_CASE("Open with error_if_exists refuses an existing store with kAlreadyExists") {
  TempDir dir;
  StoreSnapshot before;
  {
    auto store = OpenStore(dir.path());
    CONSENT_REQUIRE_OK(store->Append("s-1", kNoStream, MakeNotes(2)));
    before = TakeSnapshot(*store);
  }
  StoreOptions options;
  options.error_if_exists = true;
  CHECK(OpenCode(options, dir.path()) == StatusCode::kAlreadyExists);
  auto store = OpenStore(dir.path());
  CHECK(TakeSnapshot(*store) == before);
}

TEST_CASE("Open with error_if_exists creates a new store") {
  TempDir dir;
  StoreOptions options;
  options.error_if_exists = true;
  auto store = OpenStore(dir.sub("new"), options);
  CHECK(store->HeadPosition() == 0);
}

TEST_CASE("Open refuses a store of another format version and leaves it untouched") {
  TempDir dir;
  StoreSnapshot before;
  {
    auto store = OpenStore(dir.path());
    CONSENT_REQUIRE_OK(store->Append("s-1", kNoStream, MakeNotes(3)));
    before = TakeSnapshot(*store);
  }
  {
    RawDb raw(dir.path());
    REQUIRE(raw.Get(internal::kMetaCf, internal::kMetaFormatVersion) == std::string("1"));
    raw.Put(internal::kMetaCf, internal::kMetaFormatVersion, "2");
  }
  const auto dump = RawDumpAll(dir.path());

  auto opened = EventStore::Open({}, dir.path());
  CHECK_MESSAGE(opened.status().code() == StatusCode::kFailedPrecondition,
                opened.status().ToString());
  opened = EventStore::Open({}, dir.path());  // a second attempt does not "repair" it either
  CHECK(opened.status().code() == StatusCode::kFailedPrecondition);
  CHECK(RawDumpAll(dir.path()) == dump);

  {
    RawDb raw(dir.path());
    raw.Put(internal::kMetaCf, internal::kMetaFormatVersion, "1");
  }
  auto store = OpenStore(dir.path());
  CHECK(TakeSnapshot(*store) == before);
}

TEST_CASE("Open refuses a RocksDB database that is not a libconsent store") {
  TempDir dir;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options, dir.path(), &db);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    std::unique_ptr<rocksdb::DB> owner(db);
    REQUIRE(db->Put(rocksdb::WriteOptions(), "user-key", "user-value").ok());
    REQUIRE(db->Close().ok());
  }
  const auto files_before = ListDir(dir.path());
  auto opened = EventStore::Open({}, dir.path());
  CHECK_MESSAGE(opened.status().code() == StatusCode::kFailedPrecondition,
                opened.status().ToString());

  // The foreign database is still there, with its data and without new column families.
  rocksdb::DBOptions db_options;
  std::vector<std::string> families;
  REQUIRE(rocksdb::DB::ListColumnFamilies(db_options, dir.path(), &families).ok());
  CHECK(families == std::vector<std::string>{rocksdb::kDefaultColumnFamilyName});
  rocksdb::DB* db = nullptr;
  rocksdb::Options options;
  REQUIRE(rocksdb::DB::OpenForReadOnly(options, dir.path(), &db).ok());
  std::unique_ptr<rocksdb::DB> owner(db);
  std::string value;
  CHECK(db->Get(rocksdb::ReadOptions(), "user-key", &value).ok());
  CHECK(value == "user-value");
}

TEST_CASE("Open refuses a non-empty directory that holds no store and writes nothing into it") {
  TempDir dir;
  { std::ofstream(dir.sub("notes.txt")) << "not a store"; }
  std::filesystem::create_directories(dir.sub("sub"));
  const auto before = ListDir(dir.path());
  auto opened = EventStore::Open({}, dir.path());
  CHECK_MESSAGE(opened.status().code() == StatusCode::kFailedPrecondition,
                opened.status().ToString());
  CHECK(ListDir(dir.path()) == before);
}

TEST_CASE("Open refuses a store whose column families exist but whose metadata is missing") {
  TempDir dir;
  {
    auto store = OpenStore(dir.path());
    CONSENT_REQUIRE_OK(store->Append("s-1", kNoStream, MakeNotes(1)));
  }
  {
    RawDb raw(dir.path());
    raw.Delete(internal::kMetaCf, internal::kMetaFormatVersion);
  }
  auto opened = EventStore::Open({}, dir.path());
  CHECK_MESSAGE(opened.status().code() == StatusCode::kFailedPrecondition,
                opened.status().ToString());
  RawDb raw(dir.path());
  CHECK_FALSE(raw.Get(internal::kMetaCf, internal::kMetaFormatVersion).has_value());
  CHECK(raw.Dump(internal::kEventsCf).size() == 1);
}

TEST_CASE("Open of a path that is a regular file fails and leaves the file alone") {
  TempDir dir;
  const std::string file = dir.sub("not-a-dir");
  { std::ofstream(file) << "hello"; }
  auto opened = EventStore::Open({}, file);
  CHECK_FALSE(opened.ok());
  std::ifstream in(file);
  std::string content;
  in >> content;
  CHECK(content == "hello");
}

TEST_CASE("A store cannot be opened twice at the same time") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CONSENT_REQUIRE_OK(store->Append("s-1", kNoStream, MakeNotes(1)));
  auto second = EventStore::Open({}, dir.path());
  CHECK_MESSAGE(second.status().code() == StatusCode::kUnavailable, second.status().ToString());
  // The first handle keeps working.
  CONSENT_CHECK_OK(store->Append("s-1", 0, MakeNotes(1)));
  CHECK(store->HeadPosition() == 2);
}

TEST_CASE("Store metadata records format version 1, a 16-byte store id and the stream count") {
  TempDir dir;
  std::string store_id;
  {
    auto store = OpenStore(dir.path());
    CONSENT_REQUIRE_OK(store->Append("s-1", kNoStream, MakeNotes(2)));
    CONSENT_REQUIRE_OK(store->Append("s-2", kNoStream, MakeNotes(1)));
    store_id = store->Stats()->store_id;
  }
  {
    RawDb raw(dir.path());
    CHECK(raw.Get(internal::kMetaCf, internal::kMetaFormatVersion) == std::string("1"));
    auto id = raw.Get(internal::kMetaCf, internal::kMetaStoreId);
    REQUIRE(id.has_value());
    CHECK(id->size() == 16);
    auto count = raw.Get(internal::kMetaCf, internal::kMetaStreamCount);
    REQUIRE(count.has_value());
    CHECK(internal::GetU64BE(*count) == 2);
    CHECK(raw.Get(internal::kMetaCf, internal::kMetaCreatedTime).has_value());
  }
  auto store = OpenStore(dir.path());
  CHECK(store->Stats()->store_id == store_id);
}

}  // namespace
}  // namespace consent::testing
