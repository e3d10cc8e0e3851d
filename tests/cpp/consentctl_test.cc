// SPDX-License-Identifier: Apache-2.0
// consentctl, driven as a user drives it: run the binary, look at exit code, stdout, stderr and
// the store.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "consent/event_store.h"
#include "storage/layout.h"
#include "ctl_runner.h"
#include "test_util.h"

namespace consent {
namespace {

using testing::MakeEvent;
using testing::OpenStore;
using testing::ReadFile;
using testing::RunCtl;
using testing::RunResult;
using testing::TempDir;
using testing::WriteFile;

std::string ToJson(const Event& e) {
  std::string s;
  REQUIRE(google::protobuf::util::MessageToJsonString(e, &s).ok());
  return s;
}

std::vector<Event> ParseJsonLines(const std::string& text) {
  std::vector<Event> events;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    Event e;
    auto status = google::protobuf::util::JsonStringToMessage(line, &e);
    REQUIRE_MESSAGE(status.ok(), "not an event: " << line);
    events.push_back(std::move(e));
  }
  return events;
}

Event NewEvent(const std::string& stream, const std::string& text) {
  Event e = MakeEvent(text);
  e.set_stream_id(stream);
  return e;
}

// Six events over three streams, interleaved so that positions and revisions differ:
//   1 call-1#0  2 call-2#0  3 call-1#1  4 agent-7#0 (SourceCheckpointed)  5 call-2#1  6 call-1#2
std::vector<Event> SeedStore(const std::string& path) {
  auto store = OpenStore(path);
  std::vector<Event> appended;
  auto append = [&](const std::string& stream, Event e) {
    e.set_correlation_id("corr-" + stream);
    e.mutable_actor()->set_principal_ref("agent-7f3a");
    e.mutable_actor()->set_role("agent");
    auto r = store->Append(stream, kAnyRevision, {e});
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    e.set_stream_id(stream);
    appended.push_back(e);
  };
  append("call-1", MakeEvent("first"));
  append("call-2", MakeEvent("second"));
  append("call-1", MakeEvent("third"));
  Event checkpoint = MakeEvent();
  checkpoint.mutable_source_checkpointed()->set_source("acd");
  checkpoint.mutable_source_checkpointed()->set_source_position(42);
  append("agent-7", checkpoint);
  append("call-2", MakeEvent("fifth"));
  append("call-1", MakeEvent("sixth"));
  return appended;
}

uint64_t HeadOf(const std::string& path) { return OpenStore(path)->HeadPosition(); }

std::string ExportAll(const std::string& db) {
  RunResult r = RunCtl({"--db", db, "export"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return r.out;
}

std::vector<uint64_t> Positions(const std::vector<Event>& events) {
  std::vector<uint64_t> out;
  for (const Event& e : events) out.push_back(e.position());
  return out;
}

// Same event apart from the record time (which the importing store assigns anew).
void CheckSameEvents(std::vector<Event> a, std::vector<Event> b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    a[i].clear_record_time();
    b[i].clear_record_time();
    CAPTURE(i);
    CHECK_MESSAGE(google::protobuf::util::MessageDifferencer::Equals(a[i], b[i]),
                  ToJson(a[i]) << " vs " << ToJson(b[i]));
  }
}

TEST_CASE("consentctl export then import into a second store reproduces every event, and the "
          "copy verifies") {
  TempDir dir;
  const std::string a = dir.sub("a");
  const std::string b = dir.sub("b");
  SeedStore(a);
  const std::string exported = ExportAll(a);
  const std::string file = dir.sub("events.jsonl");
  WriteFile(file, exported);

  RunResult imported = RunCtl({"--db", b, "import", file});
  REQUIRE_MESSAGE(imported.exit_code == 0, imported.err);
  CHECK(imported.out.find("6 events read, 6 appended, 0 already present, 3 streams touched, "
                          "head position 6") != std::string::npos);

  std::vector<Event> original = ParseJsonLines(exported);
  std::vector<Event> copy = ParseJsonLines(ExportAll(b));
  CHECK(Positions(copy) == std::vector<uint64_t>{1, 2, 3, 4, 5, 6});
  CHECK(copy[3].stream_id() == "agent-7");
  CHECK(copy[3].source_checkpointed().source_position() == 42);
  CHECK(copy[5].stream_revision() == 2);
  CheckSameEvents(original, copy);

  RunResult verified = RunCtl({"--db", b, "verify"});
  CHECK_MESSAGE(verified.exit_code == 0, verified.err);
  CHECK(verified.out.starts_with("verified 6 events (positions 1..6), chain head "));
  auto store = OpenStore(b);
  CHECK(store->Verify().ok());
}

TEST_CASE("consentctl import reads standard input when the file is -, and append is an alias") {
  TempDir dir;
  const std::string a = dir.sub("a");
  SeedStore(a);
  const std::string file = dir.sub("events.jsonl");
  WriteFile(file, ExportAll(a));

  RunResult from_stdin = RunCtl({"--db", dir.sub("b"), "import", "-"}, file);
  CHECK_MESSAGE(from_stdin.exit_code == 0, from_stdin.err);
  CHECK(from_stdin.out.find("6 appended") != std::string::npos);
  CHECK(HeadOf(dir.sub("b")) == 6);

  RunResult alias = RunCtl({"append", "--db", dir.sub("c"), file});
  CHECK_MESSAGE(alias.exit_code == 0, alias.err);
  CHECK(HeadOf(dir.sub("c")) == 6);
}

TEST_CASE("consentctl import run twice appends nothing the second time and reports the events "
          "as already present") {
  TempDir dir;
  const std::string a = dir.sub("a");
  const std::string b = dir.sub("b");
  SeedStore(a);
  const std::string file = dir.sub("events.jsonl");
  WriteFile(file, ExportAll(a));

  REQUIRE(RunCtl({"--db", b, "import", file}).exit_code == 0);
  const std::string before = ExportAll(b);
  RunResult again = RunCtl({"--db", b, "import", file});
  CHECK_MESSAGE(again.exit_code == 0, again.err);
  CHECK(again.out.find("6 events read, 0 appended, 6 already present, 0 streams touched, "
                       "head position 6") != std::string::npos);
  CHECK(HeadOf(b) == 6);
  CHECK(ExportAll(b) == before);
}

TEST_CASE("consentctl import interrupted after part of a file finishes when run again") {
  TempDir dir;
  const std::string a = dir.sub("a");
  const std::string b = dir.sub("b");
  SeedStore(a);
  const std::string exported = ExportAll(a);
  const std::string file = dir.sub("events.jsonl");
  WriteFile(file, exported);
  // The first three lines stand for the chunks an interrupted run had committed.
  std::istringstream in(exported);
  std::string line, prefix;
  for (int i = 0; i < 3 && std::getline(in, line); ++i) prefix += line + "\n";
  const std::string part = dir.sub("part.jsonl");
  WriteFile(part, prefix);
  REQUIRE(RunCtl({"--db", b, "import", part}).exit_code == 0);

  RunResult rerun = RunCtl({"--db", b, "import", file});
  CHECK_MESSAGE(rerun.exit_code == 0, rerun.err);
  CHECK(rerun.out.find("3 appended, 3 already present") != std::string::npos);
  CheckSameEvents(ParseJsonLines(exported), ParseJsonLines(ExportAll(b)));
}

TEST_CASE("consentctl import rejects a file with one malformed line and leaves the store "
          "unchanged") {
  TempDir dir;
  const std::string db = dir.sub("db");
  std::vector<Event> stored = SeedStore(db);
  const std::string before = ExportAll(db);
  const uint64_t head_before = HeadOf(db);

  const Event good1 = NewEvent("call-9", "good one");
  const Event good3 = NewEvent("call-9", "good three");
  auto without = [](Event e, void (*clear)(Event*)) {
    clear(&e);
    return ToJson(e);
  };
  Event short_id = NewEvent("call-9", "x");
  short_id.set_event_id(std::string(15, '\x01'));
  Event reserved = NewEvent("$all", "x");
  Event same_id = NewEvent("call-9", "other text");
  same_id.set_event_id(good1.event_id());
  Event other_content = stored[0];
  other_content.set_stream_id("call-1");
  other_content.mutable_annotation_added()->set_text("rewritten history");
  std::string unknown = ToJson(NewEvent("call-9", "x"));
  unknown.insert(1, "\"colour\":\"red\",");

  struct Case {
    const char* name;
    std::string line;
    const char* field;   // the JSON field stderr must name ("" for a line that is not JSON)
    const char* reason;  // a word of the reason stderr must give
  };
  const Case cases[] = {
      {"invalid JSON", "{\"eventId\": ", "", "invalid JSON"},
      {"missing eventId", without(NewEvent("call-9", "x"), [](Event* e) { e->clear_event_id(); }),
       "eventId", "missing"},
      {"15-byte eventId", ToJson(short_id), "eventId", "16 bytes"},
      {"missing occurTime",
       without(NewEvent("call-9", "x"), [](Event* e) { e->clear_occur_time(); }), "occurTime",
       "missing"},
      {"missing payload",
       without(NewEvent("call-9", "x"), [](Event* e) { e->clear_annotation_added(); }),
       "payload", "missing"},
      {"missing streamId",
       without(NewEvent("call-9", "x"), [](Event* e) { e->clear_stream_id(); }), "streamId",
       "missing"},
      {"stream starting with $", ToJson(reserved), "streamId", "reserved"},
      {"unknown field name", unknown, "colour", "unknown field"},
      {"duplicate id within the file", ToJson(same_id), "eventId", "line 1"},
      {"id already stored with other content", ToJson(other_content), "eventId",
       "already stored"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::string file = dir.sub("bad.jsonl");
    WriteFile(file, ToJson(good1) + "\n" + c.line + "\n" + ToJson(good3) + "\n");
    RunResult r = RunCtl({"--db", db, "import", file});
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.err.find(file + ":2: ") != std::string::npos, r.err);
    if (*c.field != '\0') {
      CHECK_MESSAGE(r.err.find(file + ":2: field \"" + c.field + "\": ") != std::string::npos,
                    r.err);
    }
    CHECK_MESSAGE(r.err.find(c.reason) != std::string::npos, r.err);
    CHECK_MESSAGE(r.err.find("nothing was imported") != std::string::npos, r.err);
    CHECK(r.out.empty());
    CHECK(HeadOf(db) == head_before);
    CHECK(ExportAll(db) == before);
  }
}

TEST_CASE("consentctl import of an invalid file into a missing store creates no store") {
  TempDir dir;
  const std::string db = dir.sub("db");
  const std::string file = dir.sub("bad.jsonl");
  WriteFile(file, "not json\n");
  RunResult r = RunCtl({"--db", db, "import", file});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(file + ":1: invalid JSON") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(db));
}

TEST_CASE("consentctl export --stream prints one stream in revision order") {
  TempDir dir;
  const std::string db = dir.sub("db");
  SeedStore(db);
  RunResult r = RunCtl({"--db", db, "export", "--stream", "call-1"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::vector<Event> events = ParseJsonLines(r.out);
  REQUIRE(events.size() == 3);
  for (size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i].stream_id() == "call-1");
    CHECK(events[i].stream_revision() == i);
  }
  CHECK(Positions(events) == std::vector<uint64_t>{1, 3, 6});

  RunResult limited = RunCtl({"--db", db, "export", "--stream", "call-1", "--from", "2",
                              "--limit", "1"});
  CHECK(Positions(ParseJsonLines(limited.out)) == std::vector<uint64_t>{3});

  RunResult missing = RunCtl({"--db", db, "export", "--stream", "call-404"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("call-404") != std::string::npos);
}

TEST_CASE("consentctl export --type and --category keep only the matching events") {
  TempDir dir;
  const std::string db = dir.sub("db");
  SeedStore(db);
  auto positions = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db, "export"});
    RunResult r = RunCtl(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return Positions(ParseJsonLines(r.out));
  };
  CHECK(positions({"--type", "SourceCheckpointed"}) == std::vector<uint64_t>{4});
  CHECK(positions({"--type", "annotation_added"}) == std::vector<uint64_t>{1, 2, 3, 5, 6});
  CHECK(positions({"--category", "agent"}) == std::vector<uint64_t>{4});
  CHECK(positions({"--category", "call", "--category", "agent"}) ==
        std::vector<uint64_t>{1, 2, 3, 4, 5, 6});
  CHECK(positions({"--stream", "agent-7", "--type", "AnnotationAdded"}).empty());
}

TEST_CASE("consentctl export --from, --to and --limit select a window of positions") {
  TempDir dir;
  const std::string db = dir.sub("db");
  SeedStore(db);
  auto positions = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db, "export"});
    RunResult r = RunCtl(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return Positions(ParseJsonLines(r.out));
  };
  CHECK(positions({"--from", "2", "--limit", "3"}) == std::vector<uint64_t>{2, 3, 4});
  CHECK(positions({"--from=5"}) == std::vector<uint64_t>{5, 6});
  CHECK(positions({"--from", "2", "--to", "3"}) == std::vector<uint64_t>{2, 3});
  CHECK(positions({"--limit", "0"}).empty());
  CHECK(positions({"--from", "7"}).empty());
}

TEST_CASE("consentctl export writes every store-assigned field, one compact JSON object a line") {
  TempDir dir;
  const std::string db = dir.sub("db");
  SeedStore(db);
  const std::string out = ExportAll(db);
  std::istringstream in(out);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    CHECK(line.starts_with("{"));
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find("\"position\"") != std::string::npos);
    CHECK(line.find("\"recordTime\"") != std::string::npos);
    CHECK(line.find("\"streamId\"") != std::string::npos);
  }
  CHECK(lines == 6);
}

TEST_CASE("consentctl verify succeeds on an intact store and prints the chain head") {
  TempDir dir;
  const std::string db = dir.sub("db");
  SeedStore(db);
  const std::string head_hash = OpenStore(db)->Stats()->head_hash_hex;

  RunResult r = RunCtl({"--db", db, "verify"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out == "verified 6 events (positions 1..6), chain head " + head_hash + "\n");

  RunResult part = RunCtl({"--db", db, "verify", "--from", "2", "--to", "4"});
  CHECK_MESSAGE(part.exit_code == 0, part.err);
  CHECK(part.out.starts_with("verified 3 events (positions 2..4), chain head "));
}

TEST_CASE("consentctl verify fails with exit code 1 and names the position of a tampered event") {
  TempDir dir;
  const std::string db = dir.sub("db");
  SeedStore(db);
  {
    // Rewrite event 3's text in place, keeping its stored chain hash.
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), db, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), db, descriptors, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> rdb(raw);
    rocksdb::ColumnFamilyHandle* events = nullptr;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == internal::kEventsCf) events = handles[i];
    }
    REQUIRE(events != nullptr);
    std::string value;
    const std::string key = internal::PositionKey(3);
    REQUIRE(rdb->Get(rocksdb::ReadOptions(), events, key, &value).ok());
    Event e;
    REQUIRE(e.ParseFromString(value.substr(internal::kEventRecordHeaderSize)));
    e.mutable_annotation_added()->set_text("tampered");
    value = value.substr(0, internal::kEventRecordHeaderSize) + e.SerializeAsString();
    REQUIRE(rdb->Put(rocksdb::WriteOptions(), events, key, value).ok());
    for (auto* h : handles) REQUIRE(rdb->DestroyColumnFamilyHandle(h).ok());
  }
  RunResult r = RunCtl({"--db", db, "verify"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("position 3") != std::string::npos, r.err);
  CHECK(r.out.empty());

  RunResult before = RunCtl({"--db", db, "verify", "--to", "2"});
  CHECK_MESSAGE(before.exit_code == 0, before.err);
}

TEST_CASE("consentctl stats --format json prints the store's figures as one JSON object with snake_case keys") {
  TempDir dir;
  const std::string db = dir.sub("db");
  SeedStore(db);
  RunResult r = RunCtl({"--db", db, "stats", "--format", "json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  google::protobuf::Struct parsed;
  REQUIRE_MESSAGE(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok(), r.out);
  const auto& f = parsed.fields();
  CHECK(f.at("head_position").number_value() == 6);
  CHECK(f.at("stream_count").number_value() == 3);
  CHECK(f.at("format_version").number_value() == kFormatVersion);
  CHECK(f.at("head_hash").string_value().size() == 64);
  CHECK_FALSE(f.at("store_id").string_value().empty());
  CHECK(f.at("path").string_value().find("db") != std::string::npos);

  RunResult table = RunCtl({"--db", db, "stats"});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("head position      6\n") != std::string::npos);
}

TEST_CASE("consentctl commands that read a store fail clearly when there is none and create "
          "nothing") {
  TempDir dir;
  const std::string missing = dir.sub("nowhere");
  const std::string empty_dir = dir.sub("empty");
  std::filesystem::create_directories(empty_dir);
  for (const char* command : {"export", "verify", "stats"}) {
    CAPTURE(command);
    RunResult r = RunCtl({"--db", missing, command});
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.err.find("no store at " + missing) != std::string::npos, r.err);
    CHECK_FALSE(std::filesystem::exists(missing));

    RunResult e = RunCtl({"--db", empty_dir, command});
    CHECK(e.exit_code == 1);
    CHECK(e.err.find("no store at " + empty_dir) != std::string::npos);
    CHECK(std::filesystem::is_empty(empty_dir));
  }
}

TEST_CASE("consentctl usage errors exit with code 2 and print the usage") {
  TempDir dir;
  const std::string db = dir.sub("db");
  SeedStore(db);
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"frobnicate"},
      {"--db"},
      {"--bogus", "stats"},
      {"import"},
      {"import", "a.jsonl", "b.jsonl"},
      {"import", "--force", "a.jsonl"},
      {"export", "--limit", "abc"},
      {"export", "--limit"},
      {"export", "--bogus"},
      {"export", "--from", "0"},
      {"export", "--from", "5", "--to", "2"},
      {"export", "--type", "NoSuchType"},
      {"export", "--stream", "call-1", "--category", "call"},
      {"export", "--stream", "call-1", "--stream", "call-2"},
      {"export", "extra"},
      {"verify", "--to", "-1"},
      {"stats", "--format", "xml"},
  };
  for (const auto& args : cases) {
    std::vector<std::string> full = args;
    if (args.empty() || args.front() != "--db") full.insert(full.begin(), {"--db", db});
    std::string joined;
    for (const auto& a : full) joined += a + " ";
    CAPTURE(joined);
    RunResult r = RunCtl(full);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("usage: consentctl") != std::string::npos, r.err);
    CHECK(r.out.empty());
  }
  CHECK(HeadOf(db) == 6);
}

TEST_CASE("consentctl --help lists the commands and COMMAND --help describes one") {
  RunResult r = RunCtl({"--help"});
  CHECK(r.exit_code == 0);
  for (const char* command : {"import", "export", "verify", "stats"}) {
    CHECK(r.out.find(command) != std::string::npos);
  }
  RunResult one = RunCtl({"export", "--help"});
  CHECK(one.exit_code == 0);
  CHECK(one.out.find("--stream S") != std::string::npos);
}

}  // namespace
}  // namespace consent
