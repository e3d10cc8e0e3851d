// SPDX-License-Identifier: Apache-2.0
// consentctl purge-plan, hold and subject, driven as a user drives them.
#include <doctest/doctest.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <string>
#include <vector>

#include "consent/event_id.h"
#include "consent/event_store.h"
#include "consent/subject_directory.h"
#include "ctl_runner.h"
#include "test_util.h"

namespace consent {
namespace {

using testing::RunCtl;
using testing::RunResult;
using testing::TempDir;

uint64_t Head(const std::string& db) {
  auto store = EventStore::Open({}, db);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return (*store)->HeadPosition();
}

bool ParsesAsJson(const std::string& text) {
  google::protobuf::Struct s;
  return google::protobuf::util::JsonStringToMessage(text, &s).ok();
}

// A demo day of 300 calls (with its six-month purge job) in a fresh store.
std::string DemoStore(const TempDir& dir) {
  const std::string db = dir.sub("consent-data");
  RunResult r = RunCtl({"--db", db, "demo", "--calls", "300"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return db;
}

}  // namespace

TEST_CASE("consentctl purge-plan lists overdue and held purges after the six-month jump, in three formats") {
  TempDir dir;
  const std::string db = DemoStore(dir);
  RunResult table = RunCtl({"--db", db, "purge-plan", "--at", "2026-09-05T00:00:00Z"});
  REQUIRE_MESSAGE(table.exit_code == 0, table.err);
  CHECK(table.out.find("Purge plan at 2026-09-05T00:00:00Z") != std::string::npos);
  // Rows, not the counts line or the holds section, which are printed whatever the plan holds.
  CHECK(table.out.find("\n  overdue           LC-RET-1") != std::string::npos);
  CHECK(table.out.find("\n  held    ") != std::string::npos);
  CHECK(table.out.find("overdue 0 ") == std::string::npos);
  CHECK(table.out.find("(OVERDUE: LC-RET-3)") != std::string::npos);  // the demo's holds are past review

  RunResult json = RunCtl({"--db", db, "purge-plan", "--at", "2026-09-05", "--format", "json"});
  REQUIRE(json.exit_code == 0);
  CHECK(ParsesAsJson(json.out));
  CHECK(json.out.find("\"state\": \"overdue\"") != std::string::npos);

  RunResult csv = RunCtl({"--db", db, "purge-plan", "--at", "2026-09-05", "--format", "csv", "--all"});
  REQUIRE(csv.exit_code == 0);
  CHECK(csv.out.starts_with("state,rule_id,due,collected,target,"));
  CHECK(csv.out.find("\r\ndone,") != std::string::npos);

  // The same plan twice: deterministic.
  CHECK(RunCtl({"--db", db, "purge-plan", "--at", "2026-09-05T00:00:00Z"}).out == table.out);
}

TEST_CASE("consentctl hold place, review and release go through the Ledger; bad input changes nothing") {
  TempDir dir;
  const std::string db = DemoStore(dir);
  const uint64_t head = Head(db);
  struct Bad {
    std::vector<std::string> args;
    int code;
    std::string message;
  };
  const std::vector<Bad> bad = {
      {{"hold"}, 2, "expected a command: place, review or release"},
      {{"hold", "freeze", "--id", "h1"}, 2, "unknown command \"freeze\" (expected place, review or release)"},
      {{"hold", "place"}, 2, "--id is required"},
      {{"hold", "place", "--id", "h1", "--case", "C-1", "--owner", "legal-1", "--call", "c1"}, 1, "reason"},
      {{"hold", "place", "--id", "h1", "--reason", "x", "--case", "C-1", "--owner", "legal-1"}, 1, "scope"},
      {{"hold", "place", "--id", "h1", "--reason", "x", "--case", "C-1", "--owner", "o", "--call", "c1", "--at",
        "tomorrow"},
       2, "--at"},
      {{"hold", "release", "--id", "never-placed", "--by", "legal-1", "--reason", "done"}, 1, "not active"},
      {{"hold", "review", "--id", "never-placed", "--by", "legal-1"}, 1, "not active"},
  };
  for (const Bad& b : bad) {
    std::vector<std::string> args{"--db", db};
    args.insert(args.end(), b.args.begin(), b.args.end());
    RunResult r = RunCtl(args);
    CAPTURE(r.err);
    CHECK(r.exit_code == b.code);
    CHECK(r.err.find(b.message) != std::string::npos);
    CHECK(Head(db) == head);
  }
  RunResult placed = RunCtl({"--db", db, "hold", "place", "--id", "h-cli", "--reason", "tax audit", "--case", "AUD-7",
                             "--owner", "legal-1", "--agent", "agent-001", "--at", "2026-03-04T10:00:00Z",
                             "--review-by", "2026-05-01"});
  REQUIRE_MESSAGE(placed.exit_code == 0, placed.err);
  CHECK(placed.out.starts_with("hold h-cli placed at log position "));
  RunResult again = RunCtl({"--db", db, "hold", "place", "--id", "h-cli", "--reason", "tax audit", "--case", "AUD-7",
                            "--owner", "legal-1", "--agent", "agent-001", "--at", "2026-03-04T10:00:00Z"});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("exists") != std::string::npos);
  RunResult reviewed = RunCtl({"--db", db, "hold", "review", "--id", "h-cli", "--by", "legal-2", "--at", "2026-04-01"});
  REQUIRE_MESSAGE(reviewed.exit_code == 0, reviewed.err);
  RunResult released = RunCtl(
      {"--db", db, "hold", "release", "--id", "h-cli", "--by", "legal-1", "--reason", "audit closed", "--at", "2026-06-01"});
  REQUIRE_MESSAGE(released.exit_code == 0, released.err);
  CHECK(Head(db) == head + 3);
  RunResult plan = RunCtl({"--db", db, "purge-plan", "--at", "2026-06-02"});
  CHECK(plan.out.find("h-cli") != std::string::npos);
  CHECK(plan.out.find("released") != std::string::npos);
}

TEST_CASE("consentctl subject prints a caller's access export as JSON, and refuses an unknown subject") {
  TempDir dir;
  const std::string db = DemoStore(dir);
  // A caller of the demo day: the first participant of the first call in the export.
  RunResult exported = RunCtl({"--db", db, "export", "--type", "CallStarted", "--limit", "1"});
  REQUIRE(exported.exit_code == 0);
  const size_t at = exported.out.find("\"subjectRef\":\"");
  REQUIRE(at != std::string::npos);
  const size_t begin = at + 14;
  const std::string caller = exported.out.substr(begin, exported.out.find('"', begin) - begin);
  RunResult subject = RunCtl({"--db", db, "subject", caller, "--at", "2026-03-03"});
  REQUIRE_MESSAGE(subject.exit_code == 0, subject.err);
  CHECK(ParsesAsJson(subject.out));
  CHECK(subject.out.find("\"subject_ref\": \"" + caller + "\"") != std::string::npos);
  CHECK(subject.out.find("\"kind\": \"caller\"") != std::string::npos);
  CHECK(subject.out.find("\"access_log\"") != std::string::npos);
  CHECK(subject.out.find("\"analysis_documents\": []") != std::string::npos);

  RunResult unknown = RunCtl({"--db", db, "subject", "nobody-at-all"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("never names this subject") != std::string::npos);
  CHECK(RunCtl({"--db", db, "subject"}).exit_code == 2);
}

}  // namespace consent

namespace consent {

TEST_CASE("consentctl subject opens the sealed identity with the master key, and shows only 'erased' after erase") {
  TempDir dir;
  const std::string db = dir.sub("store");
  {
    auto store = EventStore::Open({}, db);
    REQUIRE(store.ok());
    Event e;
    e.set_event_id(NewEventId());
    *e.mutable_occur_time() = ToTimestamp(std::chrono::system_clock::now());
    auto* p = e.mutable_call_started();
    p->set_call_id("c1");
    auto* caller = p->add_participants();
    caller->set_subject_ref("caller-77");
    caller->set_party(v1::PARTY_CALLER);
    REQUIRE((*store)->Append("call-c1", kNoStream, {e}).ok());
  }
  const std::string key = std::string(64, 'a');
  const std::vector<std::string> env = {std::string(kMasterKeyEnvironmentVariable) + "=" + key};
  RunResult set = RunCtl({"--db", db, "identity", "set", "caller-77", "--kind", "caller", "--phone", "+33 1 23 45 67 89",
                          "--name", "Camille Martin"},
                         "/dev/null", env);
  REQUIRE_MESSAGE(set.exit_code == 0, set.err);

  RunResult sealed = RunCtl({"--db", db, "subject", "caller-77"}, "/dev/null", {kMasterKeyEnvironmentVariable});
  REQUIRE_MESSAGE(sealed.exit_code == 0, sealed.err);
  CHECK(sealed.out.find("\"sealed\": true") != std::string::npos);
  CHECK(sealed.out.find("Camille") == std::string::npos);

  RunResult opened = RunCtl({"--db", db, "subject", "caller-77"}, "/dev/null", env);
  REQUIRE_MESSAGE(opened.exit_code == 0, opened.err);
  CHECK(opened.out.find("\"name\": \"Camille Martin\"") != std::string::npos);

  RunResult wrong = RunCtl({"--db", db, "subject", "caller-77"}, "/dev/null",
                           {std::string(kMasterKeyEnvironmentVariable) + "=" + std::string(64, 'b')});
  CHECK(wrong.exit_code == 1);

  RunResult erased = RunCtl({"--db", db, "erase", "caller-77"}, "/dev/null", env);
  REQUIRE_MESSAGE(erased.exit_code == 0, erased.err);
  RunResult after = RunCtl({"--db", db, "subject", "caller-77"}, "/dev/null", env);
  REQUIRE_MESSAGE(after.exit_code == 0, after.err);
  CHECK(after.out.find("\"erased\": true") != std::string::npos);
  CHECK(after.out.find("Camille") == std::string::npos);
  CHECK(RunCtl({"--db", db, "verify"}).exit_code == 0);
}

}  // namespace consent
