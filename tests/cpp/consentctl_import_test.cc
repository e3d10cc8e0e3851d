// SPDX-License-Identifier: Apache-2.0
// consentctl import: strict JSON and fact validation, driven as a user drives it.

#include <doctest/doctest.h>
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "consent/event_id.h"
#include "consent/event_store.h"
#include "consent/ledger.h"
#include "ctl_runner.h"
#include "test_util.h"

namespace consent {
namespace {

using testing::MakeEvent;
using testing::OpenStore;
using testing::RunCtl;
using testing::RunResult;
using testing::TempDir;
using testing::WriteFile;

std::string JsonOf(const Event& e) {
  std::string s;
  REQUIRE(google::protobuf::util::MessageToJsonString(e, &s).ok());
  return s;
}

Event Note(const std::string& stream, const std::string& text) {
  Event e = MakeEvent(text);
  e.set_stream_id(stream);
  return e;
}

// `json` with the first occurrence of `from` replaced by `to`.
std::string Replace(std::string json, const std::string& from, const std::string& to) {
  const size_t at = json.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from << " not in " << json);
  return json.replace(at, from.size(), to);
}

uint64_t HeadOf(const std::string& db) {
  if (!std::filesystem::exists(db)) return 0;
  return OpenStore(db)->HeadPosition();
}

// Imports good line 1, `line` as line 2 and good line 3 into `db`; checks that line 2 is refused
// naming `field` (none when empty) and `reason`, and that nothing was appended.
void CheckRefused(const std::string& dir, const std::string& db, const std::string& line,
                  const std::string& field, const std::string& reason) {
  const uint64_t head_before = HeadOf(db);
  const std::string file = dir + "/bad.jsonl";
  WriteFile(file, JsonOf(Note("call-9", "one")) + "\n" + line + "\n" +
                      JsonOf(Note("call-9", "three")) + "\n");
  RunResult r = RunCtl({"--db", db, "import", file});
  CHECK(r.exit_code == 1);
  const std::string where = file + ":2: " + (field.empty() ? "" : "field \"" + field + "\": ");
  CHECK_MESSAGE(r.err.find(where) != std::string::npos, r.err);
  CHECK_MESSAGE(r.err.find(reason) != std::string::npos, r.err);
  CHECK_MESSAGE(r.err.find("nothing was imported") != std::string::npos, r.err);
  CHECK(HeadOf(db) == head_before);
}

TEST_CASE("consentctl import refuses lines that are not strict JSON, naming line and field") {
  TempDir dir;
  const std::string db = dir.sub("db");
  const std::string good = JsonOf(Note("call-9", "two"));  // {"streamId":...,"eventId":...}
  std::string deep = "0";
  for (int i = 0; i < 40; ++i) deep = "[" + deep + "]";
  // Where the scanner stops: the 33rd level (the event, annotationAdded, x, then 29 lists).
  std::string deep_field = "annotationAdded.x";
  for (int i = 0; i < 30; ++i) deep_field += "[0]";
  Event timeless = Note("call-9", "two");
  timeless.clear_occur_time();

  struct Case {
    const char* name;
    std::string line;
    const char* field;
    const char* reason;
  };
  const Case cases[] = {
      {"single quotes", Replace(good, "\"streamId\"", "'streamId'"), "", "single quotes"},
      {"unquoted key", Replace(good, "\"streamId\"", "streamId"), "",
       "keys must be strings in double quotes"},
      {"trailing comma in an object", Replace(good, "}}", "},}"), "", "trailing comma before '}'"},
      {"trailing comma in a list",
       Replace(good, "\"text\":\"two\"", "\"text\":\"two\",\"tags\":[\"a\",]"),
       "annotationAdded.tags", "trailing comma before ']'"},
      {"form feed between tokens", Replace(good, ",", ",\f"), "", "0x0C is not JSON whitespace"},
      {"text after the object", good + " {}", "", "unexpected text after the object"},
      {"a key given twice", Replace(good, "{", "{\"streamId\":\"call-8\","), "streamId",
       "given twice"},
      {"a field under its JSON and its proto name",
       Replace(good, "{", "{\"stream_id\":\"call-8\","), "streamId", "given twice"},
      {"null inside a list",
       Replace(good, "\"text\":\"two\"", "\"text\":\"two\",\"tags\":[\"a\",null]"),
       "annotationAdded.tags[1]", "null inside a list"},
      {"more than 9 fractional digits",
       Replace(good, "\"occurTime\":\"", "\"occurTime\":\"2026-03-02T09:00:00.1234567891Z\",\"x\":\""),
       "occurTime", "10 fractional digits"},
      {"a timestamp given as an object",
       Replace(JsonOf(timeless), "{", "{\"occurTime\":{\"seconds\":5},"), "occurTime",
       "expected a JSON string (an RFC 3339 timestamp), found an object"},
      {"a number for text", Replace(good, "\"text\":\"two\"", "\"text\":5"), "annotationAdded.text",
       "expected a JSON string, found a number"},
      {"a single value for a list", Replace(good, "\"text\":\"two\"", "\"text\":\"two\",\"tags\":\"a\""),
       "annotationAdded.tags", "expected a JSON list, found a string"},
      {"invalid UTF-8", Replace(good, "\"text\":\"two\"", "\"text\":\"t\xff\""),
       "annotationAdded.text", "invalid UTF-8"},
      {"a lone surrogate escape", Replace(good, "\"text\":\"two\"", "\"text\":\"\\ud800\""),
       "annotationAdded.text", "not followed by a low surrogate"},
      {"nesting too deep", Replace(good, "\"text\":\"two\"", "\"text\":\"two\",\"x\":" + deep),
       deep_field.c_str(), "nested deeper than 32 levels"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CAPTURE(c.line);
    CheckRefused(dir.path(), db, c.line, c.field, c.reason);
  }
  CHECK_FALSE(std::filesystem::exists(db));
}

TEST_CASE("consentctl import keeps accepting strict JSON with escapes, spaces and null fields") {
  TempDir dir;
  const std::string db = dir.sub("db");
  Event e = Note("call-9", "caf\xc3\xa9 \"quoted\" \xf0\x9f\x98\x80");
  e.mutable_annotation_added()->add_tags("a");
  std::string line = JsonOf(e);
  line = Replace(line, "{", " {\t\"correlationId\" : null ,\r");
  line = Replace(line, "caf\xc3\xa9", "caf\\u00e9");
  const std::string file = dir.sub("ok.jsonl");
  WriteFile(file, line + "\n");
  RunResult r = RunCtl({"--db", db, "import", file});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto events = OpenStore(db)->ReadStream("call-9");
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  CHECK((*events)[0].annotation_added().text() == e.annotation_added().text());
  CHECK((*events)[0].annotation_added().tags_size() == 1);
}

// A pause for a call the log does not know; `ack_first`: acknowledged before it was commanded
// too (the case reported against import).
Event PauseOfUnknownCall(bool ack_first) {
  using std::chrono::seconds;
  const auto t0 = std::chrono::system_clock::time_point(seconds(1772442000));
  Event e;
  e.set_event_id(NewEventId());
  e.set_stream_id("call-c-9");
  *e.mutable_occur_time() = ToTimestamp(t0 + seconds(30));
  v1::RecordingPaused* p = e.mutable_recording_paused();
  p->set_call_id("c-9");
  p->set_recording_id("r-2");
  p->add_tracks(v1::TRACK_CALLER);
  *p->mutable_command_time() = ToTimestamp(t0 + seconds(20));
  *p->mutable_ack_time() = ToTimestamp(t0 + seconds(ack_first ? 10 : 25));
  return e;
}

TEST_CASE("consentctl import refuses a fact the Ledger refuses, with the Ledger's code and "
          "message at file:line, and appends nothing") {
  TempDir dir;
  const std::string db = dir.sub("db");
  const Event pause = PauseOfUnknownCall(/*ack_first=*/true);
  // What Ledger::Record answers for it on a store holding the same log.
  std::string ledger_says;
  {
    auto scratch = OpenStore(dir.sub("scratch"));
    auto ledger = Ledger::Create(scratch.get());
    REQUIRE(ledger.ok());
    REQUIRE(scratch->Append("call-1", kAnyRevision, {Note("call-1", "one")}).ok());
    auto refused = (*ledger)->Record(pause);
    REQUIRE_FALSE(refused.ok());
    ledger_says = refused.status().ToString();
  }
  CHECK(ledger_says.find("PauseRecording(call \"c-9\")") != std::string::npos);
  const std::string file = dir.sub("calls.jsonl");
  WriteFile(file, JsonOf(Note("call-1", "one")) + "\n" + JsonOf(pause) + "\n");

  RunResult r = RunCtl({"--db", db, "import", file});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find(file + ":2: " + ledger_says) != std::string::npos,
                r.err << "\nexpected: " << ledger_says);
  CHECK_MESSAGE(r.err.find("nothing was imported") != std::string::npos, r.err);
  CHECK_FALSE(std::filesystem::exists(db));

  SUBCASE("--trust-facts imports it as written (schema checks only)") {
    RunResult trusted = RunCtl({"--db", db, "import", "--trust-facts", file});
    REQUIRE_MESSAGE(trusted.exit_code == 0, trusted.err);
    CHECK(HeadOf(db) == 2);
  }
}

TEST_CASE("consentctl import checks facts against the store and the lines before them") {
  TempDir dir;
  const std::string a = dir.sub("a");
  RunResult demo = RunCtl({"--db", a, "demo", "--calls", "40", "--seed", "3"});
  REQUIRE_MESSAGE(demo.exit_code == 0, demo.err);
  RunResult exported = RunCtl({"--db", a, "export"});
  REQUIRE(exported.exit_code == 0);
  const std::string file = dir.sub("day.jsonl");
  WriteFile(file, exported.out);

  // A whole simulated day, facts checked: every line holds.
  const std::string b = dir.sub("b");
  RunResult imported = RunCtl({"--db", b, "import", file});
  REQUIRE_MESSAGE(imported.exit_code == 0, imported.err);
  CHECK(HeadOf(b) == HeadOf(a));

  // A pause of a call the stored log does not know is refused.
  const std::string pause_file = dir.sub("pause.jsonl");
  WriteFile(pause_file, JsonOf(PauseOfUnknownCall(/*ack_first=*/false)) + "\n");
  RunResult refused = RunCtl({"--db", b, "import", pause_file});
  CHECK(refused.exit_code == 1);
  CHECK_MESSAGE(refused.err.find(pause_file + ":1: FAILED_PRECONDITION: ") != std::string::npos,
                refused.err);
  CHECK(HeadOf(b) == HeadOf(a));
}

}  // namespace
}  // namespace consent
