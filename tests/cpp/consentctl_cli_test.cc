// SPDX-License-Identifier: Apache-2.0
// consentctl's command line itself: version, help, refusals, the rule catalogue, the output
// contract of its JSON and CSV.
#include <doctest/doctest.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <string>
#include <vector>

#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/rules.h"
#include "consent/version.h"
#include "ctl_runner.h"
#include "test_util.h"

namespace consent {
namespace {

using google::protobuf::Struct;
using testing::ReadFile;
using testing::RunCtl;
using testing::RunResult;
using testing::TempDir;

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Struct ParseJson(const std::string& text) {
  Struct s;
  REQUIRE_MESSAGE(google::protobuf::util::JsonStringToMessage(text, &s).ok(), text);
  return s;
}

size_t CountLines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n' ? 1 : 0;
  return n;
}

uint64_t Head(const std::string& db) {
  auto store = EventStore::Open({}, db);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return (*store)->HeadPosition();
}

}  // namespace

TEST_CASE("consentctl --version prints the library's version from consent/version.h") {
  RunResult r = RunCtl({"--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "consentctl (libconsent) " + std::string(Version()) + "\n");
  CHECK(Version() == std::to_string(kVersionMajor) + "." + std::to_string(kVersionMinor) + "." +
                         std::to_string(kVersionPatch));
}

TEST_CASE("consentctl --help lists every command in one aligned column with the environment and exit codes") {
  RunResult r = RunCtl({"--help"});
  REQUIRE(r.exit_code == 0);
  size_t column = std::string::npos;
  for (const char* command : {"import", "export", "verify", "stats", "demo", "report", "purge-plan", "hold",
                              "subject", "identity", "erase", "rules"}) {
    CAPTURE(command);
    size_t at = r.out.find("\n  " + std::string(command) + " ");
    if (at == std::string::npos) at = r.out.find("\n  " + std::string(command) + ",");  // "import, append"
    REQUIRE(at != std::string::npos);
    const std::string line = r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
    const size_t description = line.find_first_not_of(' ', line.find("  ", 2));
    if (column == std::string::npos) column = description;
    CHECK(description == column);
  }
  CHECK(Contains(r.out, "LIBCONSENT_DB"));
  CHECK(Contains(r.out, "LIBCONSENT_MASTER_KEY"));
  CHECK(Contains(r.out, "NO_COLOR"));
  CHECK(Contains(r.out, "Exit codes: 0 success, 1 the operation failed, 2 the command line is wrong."));
}

TEST_CASE("Each command's --help describes its options, formats, defaults and environment") {
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {{"export", "--help"}, {"--stream S", "--category C", "--type T", "--limit N", "(repeatable)"}},
      {{"verify", "--help"}, {"--from POS", "--to POS", "default: 1"}},
      {{"stats", "--help"}, {"--format table|json", "default: table"}},
      {{"report", "--help"}, {"--format table|json|csv", "--at TIME", "2026-03-02T18:00:00Z"}},
      {{"purge-plan", "--help"}, {"--horizon HOURS", "default: 24", "--all"}},
      {{"hold", "place", "--help"}, {"--review-by TIME", "--call ID", "--subject REF", "--case REF"}},
      {{"hold", "review", "--help"}, {"--by REF", "--next TIME"}},
      {{"subject", "--help"}, {"REF", "--master-key-file FILE", "LIBCONSENT_MASTER_KEY"}},
      {{"identity", "set", "--help"}, {"--kind caller|agent", "--phone P", "LIBCONSENT_MASTER_KEY"}},
      {{"demo", "--help"}, {"--seed N", "--calls N", "--agents N"}},
      {{"import", "--help"}, {"FILE", "- for stdin"}},
      {{"rules", "--help"}, {"--format md|json"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.args[0]);
    RunResult r = RunCtl(c.args);
    CHECK(r.exit_code == 0);
    for (const std::string& e : c.expected) CHECK_MESSAGE(Contains(r.out, e), e << "\n" << r.out);
  }
  CHECK_FALSE(Contains(RunCtl({"hold", "review", "--help"}).out, "--reason"));
}

TEST_CASE("An unknown option or a stray argument is refused with one line, the synopsis and a hint") {
  TempDir dir;
  const std::string db = dir.sub("db");
  REQUIRE(RunCtl({"--db", db, "import", "-"}, "/dev/null").exit_code == 0);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"verify", "--bogus"}, {"stats", "extra"}, {"report", "--seed", "3"}, {"purge-plan", "--format", "xml"}}) {
    std::vector<std::string> full{"--db", db};
    full.insert(full.end(), args.begin(), args.end());
    CAPTURE(args[0] + " " + args[1]);
    RunResult r = RunCtl(full);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.starts_with("consentctl " + args[0] + ": "));
    CHECK(Contains(r.err, args[1]));
    CHECK(Contains(r.err, "\nusage: consentctl [--db PATH] " + args[0]));
    CHECK(Contains(r.err, "Run 'consentctl " + args[0] + " --help'"));
    CHECK(CountLines(r.err) == 3);
  }
  RunResult unknown = RunCtl({"frobnicate"});
  CHECK(unknown.exit_code == 2);
  CHECK(Contains(unknown.err, "unknown command \"frobnicate\""));
  RunResult none = RunCtl({});
  CHECK(none.exit_code == 2);
  CHECK(Contains(none.err, "expected a command: import, export"));
}

TEST_CASE("The store's directory comes from --db, else LIBCONSENT_DB, else ./consent-data") {
  TempDir dir;
  const std::string db = dir.sub("from-env");
  RunResult created = RunCtl({"import", "-"}, "/dev/null", {"LIBCONSENT_DB=" + db});
  REQUIRE_MESSAGE(created.exit_code == 0, created.err);
  CHECK(std::filesystem::exists(db));
  RunResult stats = RunCtl({"stats", "--format", "json"}, "/dev/null", {"LIBCONSENT_DB=" + db});
  REQUIRE(stats.exit_code == 0);
  CHECK(Contains(stats.out, "from-env"));
  RunResult over = RunCtl({"--db", dir.sub("missing"), "stats"}, "/dev/null", {"LIBCONSENT_DB=" + db});
  CHECK(over.exit_code == 1);
  CHECK(Contains(over.err, "no store at " + dir.sub("missing")));
  CHECK(RunCtl({"--db=", "stats"}).exit_code == 2);
}

TEST_CASE("hold review refuses --reason, which a review cannot record, and appends nothing") {
  TempDir dir;
  const std::string db = dir.sub("db");
  REQUIRE(RunCtl({"--db", db, "import", "-"}, "/dev/null").exit_code == 0);
  RunResult placed = RunCtl({"--db", db, "hold", "place", "--id", "h-1", "--reason", "audit", "--case", "C-1",
                             "--owner", "legal-1", "--call", "c-1", "--at", "2026-03-04"});
  REQUIRE_MESSAGE(placed.exit_code == 0, placed.err);
  const uint64_t head = Head(db);
  RunResult r = RunCtl({"--db", db, "hold", "review", "--id", "h-1", "--by", "legal-2", "--reason", "still needed",
                        "--at", "2026-04-01"});
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "consentctl hold review: --reason is not recorded by a review"));
  CHECK(Head(db) == head);
}

TEST_CASE("Every fact the rule table says a rule reads is an event type of the schema") {
  const auto* payload = Event::descriptor()->FindOneofByName("payload");
  REQUIRE(payload != nullptr);
  auto is_event_type = [&](std::string_view name) {
    for (int i = 0; i < payload->field_count(); ++i) {
      if (payload->field(i)->message_type()->name() == name) return true;
    }
    return false;
  };
  for (const Rule& r : Rules()) {
    for (std::string_view fact : r.facts) CHECK_MESSAGE(is_event_type(fact), r.id << " reads " << fact);
  }
}

TEST_CASE("consentctl rules --format md equals the committed docs/rules.md") {
  const std::string path = std::string(CONSENT_TEST_DATA_DIR) + "/../../docs/rules.md";
  RunResult r = RunCtl({"rules", "--format", "md"});
  REQUIRE(r.exit_code == 0);
  CHECK_MESSAGE(r.out == ReadFile(path),
                "docs/rules.md is out of date: regenerate it with "
                "`build/tools/consentctl/consentctl rules --format md > docs/rules.md` and commit it");
  CHECK(RunCtl({"rules"}).out == r.out);
}

TEST_CASE("The rule table lists every rule of the engine's catalogue, with a statement, verdicts and readings") {
  REQUIRE(Rules().size() == RuleCatalogue().size());
  for (const RuleInfo& info : RuleCatalogue()) {
    CAPTURE(info.id);
    const Rule* r = FindRuleById(info.id);
    REQUIRE(r != nullptr);
    CHECK(r->title == info.title);
    CHECK_FALSE(r->statement.empty());
    CHECK_FALSE(r->verdicts.empty());
  }
  for (const RuleReading& reading : RuleReadings()) {
    CAPTURE(reading.name);
    for (std::string_view id : reading.rules) CHECK_MESSAGE(FindRuleById(id) != nullptr, id);
  }
  CHECK(FindRuleById("LC-NOPE-1") == nullptr);
  CHECK_FALSE(ReadingsFor("LC-OBJ-1").empty());

  const Struct json = ParseJson(RunCtl({"rules", "--format", "json"}).out);
  const auto& rules = json.fields().at("rules").list_value();
  REQUIRE(static_cast<size_t>(rules.values_size()) == Rules().size());
  const auto& first = rules.values(0).struct_value().fields();
  CHECK(first.at("rule_id").string_value() == "LC-REG-1");
  for (const char* key : {"area", "title", "statement", "attaches_to", "verdicts", "facts", "defaults", "readings"}) {
    CHECK_MESSAGE(first.count(key) == 1, key);
  }
}

}  // namespace consent
