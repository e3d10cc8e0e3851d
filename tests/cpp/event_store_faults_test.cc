// SPDX-License-Identifier: Apache-2.0
// Faults around the store: a full disk, a directory the process cannot write, the files that
// opens and closes leave behind.
#include <doctest/doctest.h>
#include <rocksdb/file_system.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "consent/event_store.h"
#include "storage/open_hooks.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

// A file system whose disk fills up: once `budget` bytes have been written, every further
// write fails with ENOSPC (IOStatus::NoSpace) until the budget is raised again.
class FullDiskFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FullDiskFileSystem() : rocksdb::FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  static const char* kClassName() { return "FullDiskFileSystem"; }
  const char* Name() const override { return kClassName(); }

  void SetFree(int64_t bytes) { free_.store(bytes); }
  void SetUnlimited() { free_.store(INT64_MAX); }
  bool Take(size_t n) {
    if (free_.load() < static_cast<int64_t>(n)) return false;
    free_.fetch_sub(static_cast<int64_t>(n));
    return true;
  }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, &file, dbg);
    if (s.ok()) result->reset(new LimitedFile(std::move(file), this));
    return s;
  }

 private:
  class LimitedFile final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    LimitedFile(std::unique_ptr<rocksdb::FSWritableFile> file, FullDiskFileSystem* fs)
        : rocksdb::FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (!fs_->Take(data.size())) return rocksdb::IOStatus::NoSpace("disk full (test)");
      return target()->Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (!fs_->Take(data.size())) return rocksdb::IOStatus::NoSpace("disk full (test)");
      return target()->Append(data, options, info, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                       const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override {
      if (!fs_->Take(data.size())) return rocksdb::IOStatus::NoSpace("disk full (test)");
      return target()->PositionedAppend(data, offset, options, dbg);
    }

   private:
    FullDiskFileSystem* fs_;
  };

  std::atomic<int64_t> free_{INT64_MAX};
};

bool IsStorageFailure(StatusCode code) {
  return code == StatusCode::kResourceExhausted || code == StatusCode::kUnavailable;
}

TEST_CASE("An append to a full disk fails cleanly and the store works again once space returns") {
  TempDir dir;
  auto fs = std::make_shared<FullDiskFileSystem>();
  {
    auto opened = internal::OpenWithFileSystem({}, dir.path(), fs);
    CONSENT_REQUIRE_OK(opened);
    EventStore& store = **opened;
    CONSENT_REQUIRE_OK(store.Append("call-1", kNoStream, MakeNotes(5)));

    fs->SetFree(64);
    auto full = store.Append("call-2", kNoStream, MakeNotes(20, "lost"));
    REQUIRE_MESSAGE(IsStorageFailure(full.status().code()), full.status().ToString());
    CHECK(full.status().message().find("Append") == 0);
    CHECK(store.HeadPosition() == 5);
    CHECK(store.StreamRevision("call-2").value() == kNoStream);
    // Still full: the next append fails the same way, without aborting.
    auto again = store.Append("call-2", kNoStream, MakeNotes(1, "lost"));
    CHECK_MESSAGE(IsStorageFailure(again.status().code()), again.status().ToString());

    fs->SetUnlimited();
    // RocksDB may still be finishing its own recovery: the store says so (kUnavailable) and
    // stores nothing until it is done.
    StatusOr<AppendResult> after = UnavailableError("not tried");
    for (int attempt = 0; attempt < 30 && !after.ok(); ++attempt) {
      after = store.Append("call-2", kNoStream, MakeNotes(3, "kept"));
      if (!after.ok()) {
        REQUIRE_MESSAGE(IsStorageFailure(after.status().code()), after.status().ToString());
        REQUIRE(store.HeadPosition() == 5);
      }
    }
    CONSENT_REQUIRE_OK(after);
    CHECK(after->first_position == 6);
    CHECK(after->last_position == 8);
    CONSENT_CHECK_OK(store.Verify());
  }
  auto reopened = OpenStore(dir.path());
  CHECK(reopened->HeadPosition() == 8);
  CHECK(ReadAllOrDie(*reopened).size() == 8);
  CONSENT_CHECK_OK(reopened->Verify());
}

TEST_CASE("The store writes no LOG file into its directory") {
  TempDir dir;
  {
    auto store = OpenStore(dir.path());
    CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, MakeNotes(2)));
  }
  { auto store = OpenStore(dir.path()); }
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    CHECK(name.rfind("LOG", 0) != 0);
  }
}

size_t CountWalFiles(const std::string& path) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.path().extension() == ".log") ++n;
  }
  return n;
}

TEST_CASE("Opening and closing a store five times leaves no pile of empty WAL files") {
  TempDir dir;
  {
    auto store = OpenStore(dir.path());
    CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, MakeNotes(2)));
  }
  for (int i = 0; i < 5; ++i) {
    auto store = OpenStore(dir.path());
    CHECK(store->HeadPosition() == 2);
  }
  CHECK(CountWalFiles(dir.path()) <= 1);
  auto store = OpenStore(dir.path());
  CHECK(ReadAllOrDie(*store).size() == 2);
  CONSENT_CHECK_OK(store->Verify());
}

// Name, size and modification time of every file under `path`.
std::map<std::string, std::pair<uintmax_t, std::filesystem::file_time_type>> DirectoryState(
    const std::string& path) {
  std::map<std::string, std::pair<uintmax_t, std::filesystem::file_time_type>> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
    out[entry.path().string()] = {entry.is_regular_file() ? entry.file_size() : 0,
                                  entry.last_write_time()};
  }
  return out;
}

TEST_CASE("A read-only open reads, verifies and changes no file in the store directory") {
  TempDir dir;
  {
    auto store = OpenStore(dir.path());
    CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, MakeNotes(3)));
  }
  const auto before = DirectoryState(dir.path());
  {
    StoreOptions options;
    options.read_only = true;
    auto store = OpenStore(dir.path(), options);
    CHECK(store->read_only());
    CHECK(ReadStreamOrDie(*store, "call-1").size() == 3);
    CONSENT_CHECK_OK(store->Verify());
    CONSENT_CHECK_OK(store->Stats());
    auto append = store->Append("call-1", kAnyRevision, MakeNotes(1));
    CHECK(append.status().code() == StatusCode::kFailedPrecondition);
    CHECK(append.status().message().find("read-only") != std::string::npos);
    ProjectionBatch batch;
    batch.SetCheckpoint(1);
    CHECK(store->CommitProjection("p", batch).code() == StatusCode::kFailedPrecondition);
  }
  CHECK(DirectoryState(dir.path()) == before);
}

TEST_CASE("A read-only open of a missing store is kNotFound and creates nothing") {
  TempDir dir;
  StoreOptions options;
  options.read_only = true;
  auto store = EventStore::Open(options, dir.sub("absent"));
  CHECK(store.status().code() == StatusCode::kNotFound);
  CHECK_FALSE(std::filesystem::exists(dir.sub("absent")));
}

TEST_CASE("A process that cannot write the store directory opens it read-only and reads it") {
  if (geteuid() != 0) return;  // needs root to become another user
  TempDir dir;
  const std::string path = dir.sub("store");
  {
    auto store = OpenStore(path);
    CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, MakeNotes(3)));
  }
  ::chmod(dir.path().c_str(), 0755);
  ::chmod(path.c_str(), 0755);
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    ::chmod(entry.path().c_str(), 0644);
  }
  const auto before = DirectoryState(path);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child: nobody (65534), who may read but not write the directory.
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
    auto store = EventStore::Open({}, path);
    if (!store.ok()) _exit(11);
    if (!(*store)->read_only()) _exit(12);
    auto events = (*store)->ReadStream("call-1");
    if (!events.ok() || events->size() != 3) _exit(13);
    if (!(*store)->Verify().ok()) _exit(14);
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(DirectoryState(path) == before);
}

}  // namespace
}  // namespace consent::testing
