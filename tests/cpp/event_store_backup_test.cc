// SPDX-License-Identifier: Apache-2.0
// Backups: online, consistent with the moment they were taken, verifiable without restoring.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "consent/backup.h"
#include "consent/event_store.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

TEST_CASE("A backup taken during appends restores to a store that verifies and holds a prefix of the log") {
  TempDir dir;
  auto store = OpenStore(dir.sub("live"));
  CONSENT_REQUIRE_OK(store->Append("call-0", kNoStream, MakeNotes(10)));
  std::atomic<bool> stop{false};
  std::atomic<int> batches{0};
  std::thread writer([&] {
    for (int i = 1; !stop.load(); ++i) {
      auto r = store->Append("call-" + std::to_string(i % 7), kAnyRevision, MakeNotes(3),
                             AppendOptions{false});
      if (!r.ok()) break;
      ++batches;
    }
  });
  while (batches.load() < 20) std::this_thread::yield();
  auto info = BackupStore(*store, dir.sub("backup"));
  const int at_backup = batches.load();
  while (batches.load() < at_backup + 20) std::this_thread::yield();
  stop = true;
  writer.join();
  CONSENT_REQUIRE_OK(info);
  CHECK(info->head_position >= 10);
  CHECK(info->head_position < store->HeadPosition());

  auto verified = VerifyBackup(dir.sub("backup"));
  CONSENT_REQUIRE_OK(verified);
  CHECK(verified->head_position == info->head_position);
  CHECK(verified->head_hash_hex == info->head_hash_hex);

  auto restored = RestoreBackup(dir.sub("backup"), dir.sub("restored"));
  CONSENT_REQUIRE_OK(restored);
  auto copy = OpenStore(dir.sub("restored"));
  CHECK(copy->HeadPosition() == info->head_position);
  auto report = copy->Verify();
  CONSENT_REQUIRE_OK(report);
  CHECK(report->chain_hash_hex == info->head_hash_hex);
  // The same events as the live store at the same positions, and the restored store appends.
  auto live_prefix = store->Verify(1, info->head_position);
  CONSENT_REQUIRE_OK(live_prefix);
  CHECK(live_prefix->chain_hash_hex == info->head_hash_hex);
  auto next = copy->Append("call-after", kNoStream, MakeNotes(1));
  CONSENT_REQUIRE_OK(next);
  CHECK(next->first_position == info->head_position + 1);
}

TEST_CASE("BackupStore refuses an existing destination and writes nothing there") {
  TempDir dir;
  auto store = OpenStore(dir.sub("live"));
  CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, MakeNotes(2)));
  std::filesystem::create_directories(dir.sub("taken"));
  auto info = BackupStore(*store, dir.sub("taken"));
  CHECK(info.status().code() == StatusCode::kAlreadyExists);
  CHECK(std::filesystem::is_empty(dir.sub("taken")));
}

TEST_CASE("RestoreBackup refuses a destination that holds files") {
  TempDir dir;
  auto store = OpenStore(dir.sub("live"));
  CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, MakeNotes(2)));
  CONSENT_REQUIRE_OK(BackupStore(*store, dir.sub("backup")));
  auto restored = RestoreBackup(dir.sub("backup"), dir.sub("live"));
  CHECK(restored.status().code() == StatusCode::kAlreadyExists);
  CHECK(store->HeadPosition() == 2);
}

TEST_CASE("VerifyBackup reports kDataLoss for a backup that lost an event, and restore refuses it") {
  TempDir dir;
  {
    auto store = OpenStore(dir.sub("live"));
    CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, MakeNotes(5)));
    CONSENT_REQUIRE_OK(BackupStore(*store, dir.sub("backup")));
  }
  {
    RawDb raw(dir.sub("backup"));
    raw.Delete(internal::kEventsCf, internal::PositionKey(3));
  }
  auto verified = VerifyBackup(dir.sub("backup"));
  CHECK(verified.status().code() == StatusCode::kDataLoss);
  auto restored = RestoreBackup(dir.sub("backup"), dir.sub("restored"));
  CHECK(restored.status().code() == StatusCode::kDataLoss);
  CHECK_FALSE(std::filesystem::exists(dir.sub("restored")));
}

TEST_CASE("VerifyBackup of a directory that holds no store is kNotFound") {
  TempDir dir;
  CHECK(VerifyBackup(dir.sub("nothing")).status().code() == StatusCode::kNotFound);
}

}  // namespace
}  // namespace consent::testing
