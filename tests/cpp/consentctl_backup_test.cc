// SPDX-License-Identifier: Apache-2.0
// consentctl backup, restore, verify --backup and rebuild; read-only commands.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/simulator.h"
#include "ctl_runner.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

// A store with a small simulated day.
void SeedDay(const std::string& path) {
  auto store = OpenStore(path);
  SimulationOptions day;
  day.calls = 20;
  day.agents = 12;
  auto summary = SimulateDay(store.get(), day);
  REQUIRE_MESSAGE(summary.ok(), summary.status().ToString());
}

TEST_CASE("consentctl backup, verify --backup and restore give a store that verifies with the same chain head") {
  TempDir dir;
  SeedDay(dir.sub("live"));
  const uint64_t head = OpenStore(dir.sub("live"))->HeadPosition();

  RunResult backup = RunCtl({"--db", dir.sub("live"), "backup", dir.sub("backup")});
  REQUIRE_MESSAGE(backup.exit_code == 0, backup.err);
  CHECK(backup.out.starts_with("backed up " + std::to_string(head) + " events, chain head "));

  RunResult checked = RunCtl({"verify", "--backup", dir.sub("backup")});
  CHECK_MESSAGE(checked.exit_code == 0, checked.err);
  CHECK(checked.out.find(std::to_string(head) + " events") != std::string::npos);

  RunResult restored = RunCtl({"--db", dir.sub("restored"), "restore", dir.sub("backup")});
  REQUIRE_MESSAGE(restored.exit_code == 0, restored.err);
  RunResult verified = RunCtl({"--db", dir.sub("restored"), "verify"});
  CHECK_MESSAGE(verified.exit_code == 0, verified.err);
  const std::string live_head = RunCtl({"--db", dir.sub("live"), "verify"}).out;
  CHECK(verified.out == live_head);
}

TEST_CASE("consentctl restore refuses to overwrite an existing store") {
  TempDir dir;
  SeedDay(dir.sub("live"));
  REQUIRE(RunCtl({"--db", dir.sub("live"), "backup", dir.sub("backup")}).exit_code == 0);
  RunResult r = RunCtl({"--db", dir.sub("live"), "restore", dir.sub("backup")});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not empty") != std::string::npos);
}

TEST_CASE("consentctl verify --backup fails on a backup that lost its last event") {
  TempDir dir;
  SeedDay(dir.sub("live"));
  REQUIRE(RunCtl({"--db", dir.sub("live"), "backup", dir.sub("backup")}).exit_code == 0);
  {
    RawDb raw(dir.sub("backup"));
    const auto events = raw.Dump(internal::kEventsCf);
    raw.Delete(internal::kEventsCf, events.rbegin()->first);
  }
  RunResult r = RunCtl({"verify", "--backup", dir.sub("backup")});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("head record") != std::string::npos);
}

TEST_CASE("consentctl rebuild refolds the compliance state from position 1 and says how many events") {
  TempDir dir;
  SeedDay(dir.sub("live"));
  const uint64_t head = OpenStore(dir.sub("live"))->HeadPosition();
  RunResult r = RunCtl({"--db", dir.sub("live"), "rebuild"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("folded " + std::to_string(head) + " events (positions 1.." + std::to_string(head) + ")") !=
        std::string::npos);
  auto store = OpenStore(dir.sub("live"));
  CHECK(store->ProjectionCheckpoint("compliance").value() == head);
}

TEST_CASE("consentctl report says on stderr that it rebuilt a compliance state with a bad checkpoint") {
  TempDir dir;
  SeedDay(dir.sub("live"));
  REQUIRE(RunCtl({"--db", dir.sub("live"), "rebuild"}).exit_code == 0);
  {
    RawDb raw(dir.sub("live"));
    raw.Put(internal::kCheckpointsCf, "compliance", std::string("\x01\x02\x03", 3));
  }
  RunResult r = RunCtl({"--db", dir.sub("live"), "report", "--format", "json"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("refolding from position 1") != std::string::npos);
}

// Name, size and modification time of every file in `path`.
std::vector<std::string> Listing(const std::string& path) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(path)) {
    out.push_back(e.path().filename().string() + " " + std::to_string(e.file_size()) + " " +
                  std::to_string(e.last_write_time().time_since_epoch().count()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("consentctl commands that only read change no file in the store directory") {
  TempDir dir;
  SeedDay(dir.sub("live"));
  REQUIRE(RunCtl({"--db", dir.sub("live"), "rebuild"}).exit_code == 0);
  const auto before = Listing(dir.sub("live"));
  for (const std::vector<std::string>& cmd :
       std::vector<std::vector<std::string>>{{"stats"}, {"export", "--limit", "3"}, {"verify"},
                                             {"report", "--format", "json"}, {"purge-plan"}}) {
    std::vector<std::string> args{"--db", dir.sub("live")};
    args.insert(args.end(), cmd.begin(), cmd.end());
    RunResult r = RunCtl(args);
    CAPTURE(cmd.front());
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(Listing(dir.sub("live")) == before);
  }
}

}  // namespace
}  // namespace consent::testing
