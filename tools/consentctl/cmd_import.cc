// SPDX-License-Identifier: Apache-2.0
// consentctl import FILE.jsonl|-   (alias: append)
//
// Appends the events of a JSON Lines file, one consent.v1.Event per line in protobuf's JSON
// mapping, each naming its target stream in `streamId`. Store-assigned fields (position,
// streamRevision, recordTime) are ignored, so the output of `export` imports into another store.
//
// Two passes over the input:
//  1. Validate every line without writing: strict JSON (import_line.h), required fields,
//     ValidateEventForAppend, ids repeated inside the file, ids already stored with other
//     content, and (unless --trust-facts) the facts themselves, recorded in file order through
//     a Ledger over an in-memory overlay of the store (import_facts.h). Any bad line: report,
//     exit 1, store untouched.
//  2. Append the events not already stored, in file order, in chunks of at most kChunkEvents
//     (one AppendMulti each, grouping consecutive events of one stream). A chunk ends early
//     when a stream would appear twice in it, so positions follow the file's order exactly.
// An interrupted import leaves a prefix of whole chunks in the store; running it again skips
// the events already stored (same ids, same content) and appends the rest.

#include <sys/types.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/message_differencer.h>

#include "cli.h"
#include "import_facts.h"
#include "import_line.h"
#include "consent/event_id.h"
#include "consent/event_store.h"

namespace consent::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::OneofDescriptor;
using google::protobuf::util::MessageDifferencer;

// Events per AppendMulti. A re-run skips stored events one by one, so an import interrupted
// by a build with another chunk size still completes.
constexpr size_t kChunkEvents = 1000;
// Invalid lines reported before summarising the rest.
constexpr size_t kMaxReportedErrors = 20;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Reads lines of any length; strips "\n" and "\r\n".
class LineReader {
 public:
  explicit LineReader(std::FILE* f) : file_(f) {}
  ~LineReader() { std::free(buf_); }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // False at the end of the input or on a read error (see failed()).
  bool Next(std::string_view* line) {
    ssize_t n = getline(&buf_, &cap_, file_);
    if (n < 0) return false;
    ++line_number_;
    size_t len = static_cast<size_t>(n);
    if (len > 0 && buf_[len - 1] == '\n') --len;
    if (len > 0 && buf_[len - 1] == '\r') --len;
    *line = std::string_view(buf_, len);
    return true;
  }
  uint64_t line_number() const { return line_number_; }
  bool failed() const { return std::ferror(file_) != 0; }

 private:
  std::FILE* file_;
  char* buf_ = nullptr;
  size_t cap_ = 0;
  uint64_t line_number_ = 0;
};

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// JSON name of the first content field in which `a` and `b` differ; "" when they agree.
// Store-assigned fields are not content.
std::string FirstContentDifference(const Event& a, const Event& b) {
  if (a.stream_id() != b.stream_id()) return "streamId";
  if (!MessageDifferencer::Equals(a.occur_time(), b.occur_time())) return "occurTime";
  if (a.correlation_id() != b.correlation_id()) return "correlationId";
  if (a.causation_id() != b.causation_id()) return "causationId";
  if (!MessageDifferencer::Equals(a.actor(), b.actor())) return "actor";
  const OneofDescriptor* oneof = Event::descriptor()->FindOneofByName("payload");
  const auto* reflection = Event::GetReflection();
  const FieldDescriptor* fa = reflection->GetOneofFieldDescriptor(a, oneof);
  const FieldDescriptor* fb = reflection->GetOneofFieldDescriptor(b, oneof);
  if (fa != fb) return "payload";
  if (fa != nullptr &&
      !MessageDifferencer::Equals(reflection->GetMessage(a, fa), reflection->GetMessage(b, fb))) {
    return fa->json_name();
  }
  return "";
}

// Copies standard input to an anonymous temporary file so that it can be read twice.
StatusOr<FilePtr> SpoolStdin() {
  FilePtr tmp(std::tmpfile());
  if (!tmp) return UnavailableError(std::string("cannot create a temporary file: ") +
                                    std::strerror(errno));
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), stdin)) > 0) {
    if (std::fwrite(buf, 1, n, tmp.get()) != n) {
      return UnavailableError(std::string("cannot spool standard input: ") + std::strerror(errno));
    }
  }
  if (std::ferror(stdin)) {
    return UnavailableError(std::string("reading standard input failed: ") + std::strerror(errno));
  }
  std::rewind(tmp.get());
  return tmp;
}

// Result of the validation pass.
struct Plan {
  uint64_t events_read = 0;
  uint64_t already_present = 0;
  std::vector<bool> line_is_stored;  // by line number: skip in the append pass
};

class Importer {
 public:
  // `store` is null when there is no store yet: it is created only once the input is valid,
  // so that a rejected import leaves no trace.
  Importer(const Context& ctx, std::string display_name, std::FILE* input,
           std::unique_ptr<EventStore> store, bool check_facts)
      : ctx_(ctx),
        name_(std::move(display_name)),
        input_(input),
        store_(std::move(store)),
        check_facts_(check_facts) {}

  int Run() {
    if (check_facts_) {
      StatusOr<std::unique_ptr<FactChecker>> checker = FactChecker::Create(store_.get());
      if (!checker.ok()) return Fail(ctx_, checker.status());
      facts_ = std::move(checker).value();
    }
    Plan plan;
    if (int code = Validate(&plan); code != kExitOk) return code;
    if (store_ == nullptr) {
      StatusOr<std::unique_ptr<EventStore>> store = OpenStore(ctx_, /*create=*/true);
      if (!store.ok()) return Fail(ctx_, store.status());
      store_ = std::move(store).value();
    }
    return Append(plan);
  }

 private:
  int Validate(Plan* plan) {
    Progress progress("import");
    LineReader reader(input_);
    std::unordered_map<std::string, uint64_t> line_of_id;
    std::string_view line;
    Event event;
    plan->line_is_stored.push_back(false);  // line numbers are 1-based
    while (reader.Next(&line)) {
      const uint64_t n = reader.line_number();
      plan->line_is_stored.push_back(false);
      progress.Update("validated lines", n);
      if (IsBlank(line)) continue;
      ++plan->events_read;
      event.Clear();
      std::optional<LineError> error = ParseImportLine(line, &event);
      if (!error) error = CheckImportedEvent(event);
      if (error) {
        Report(n, *error);
        continue;
      }
      auto [it, inserted] = line_of_id.try_emplace(event.event_id(), n);
      if (!inserted) {
        Report(n, {"eventId", "duplicate: event id " + EventIdToString(event.event_id()) +
                                  " is already used on line " + std::to_string(it->second)});
        continue;
      }
      StatusOr<Stored> stored = FindStored(event, n);
      if (!stored.ok()) return Fail(ctx_, stored.status());
      if (*stored == Stored::kYes) {
        plan->line_is_stored[n] = true;
        ++plan->already_present;
      } else if (*stored == Stored::kNo && facts_ != nullptr) {
        if (Status s = facts_->Check(event); !s.ok()) Report(n, {"", s.ToString()});
      }
    }
    progress.Clear();
    if (reader.failed()) {
      return Fail(ctx_, "reading " + name_ + " failed: " + std::strerror(errno));
    }
    if (errors_ > 0) {
      if (errors_ > kMaxReportedErrors) {
        PrintError(ctx_, "... and " + std::to_string(errors_ - kMaxReportedErrors) +
                             " more invalid lines");
      }
      return Fail(ctx_, name_ + ": " + std::to_string(errors_) + " invalid line" +
                            (errors_ == 1 ? "" : "s") + "; nothing was imported");
    }
    return kExitOk;
  }

  enum class Stored { kNo, kYes, kOtherContent };

  // Whether `event` is already stored with the same content (a re-run: skipped). An id stored
  // with other content is reported as a bad line.
  StatusOr<Stored> FindStored(const Event& event, uint64_t n) {
    if (store_ == nullptr) return Stored::kNo;
    StatusOr<uint64_t> position = store_->FindEvent(event.event_id());
    if (!position.ok() && position.status().code() == StatusCode::kNotFound) return Stored::kNo;
    if (!position.ok()) return position.status();
    StatusOr<Event> stored = store_->ReadEvent(*position);
    if (!stored.ok()) return stored.status();
    std::string differs = FirstContentDifference(event, *stored);
    if (differs.empty()) return Stored::kYes;
    Report(n, {"eventId", "event id " + EventIdToString(event.event_id()) +
                              " is already stored (position " + std::to_string(*position) +
                              ") with a different \"" + differs + "\""});
    return Stored::kOtherContent;
  }

  void Report(uint64_t line, const LineError& e) {
    if (++errors_ <= kMaxReportedErrors) PrintError(ctx_, FormatLineError(name_, line, e));
  }

  int Append(const Plan& plan) {
    if (std::fseek(input_, 0, SEEK_SET) != 0) {
      return Fail(ctx_, "cannot re-read " + name_ + ": " + std::strerror(errno));
    }
    const uint64_t to_append = plan.events_read - plan.already_present;
    Progress progress("import");
    LineReader reader(input_);
    std::string_view line;
    while (reader.Next(&line)) {
      const uint64_t n = reader.line_number();
      if (IsBlank(line) || (n < plan.line_is_stored.size() && plan.line_is_stored[n])) continue;
      Event event;
      if (ParseImportLine(line, &event).has_value() || n >= plan.line_is_stored.size()) {
        return Fail(ctx_, name_ + " changed while it was being imported (line " +
                              std::to_string(n) + "); " + Interrupted());
      }
      if (ChunkMustEndBefore(event.stream_id())) {
        if (Status s = Flush(/*sync=*/false); !s.ok()) return Fail(ctx_, AppendFailed(s));
      }
      Add(std::move(event), n);
      progress.Update("appended events", appended_, to_append);
    }
    if (reader.failed()) {
      return Fail(ctx_, "reading " + name_ + " failed: " + std::strerror(errno) + "; " +
                            Interrupted());
    }
    // The last chunk is synced, and with it the write-ahead log holding the earlier ones.
    if (Status s = Flush(/*sync=*/true); !s.ok()) return Fail(ctx_, AppendFailed(s));
    progress.Clear();

    std::printf(
        "imported %s: %llu events read, %llu appended, %llu already present, "
        "%zu streams touched, head position %llu\n",
        name_.c_str(), static_cast<unsigned long long>(plan.events_read),
        static_cast<unsigned long long>(appended_),
        static_cast<unsigned long long>(plan.already_present + deduplicated_),
        streams_touched_.size(), static_cast<unsigned long long>(store_->HeadPosition()));
    return kExitOk;
  }

  bool ChunkMustEndBefore(const std::string& stream) const {
    if (chunk_events_ == 0) return false;
    if (chunk_events_ >= kChunkEvents) return true;
    return chunk_.back().stream != stream && chunk_streams_.contains(stream);
  }

  void Add(Event event, uint64_t line) {
    if (chunk_events_ == 0) chunk_first_line_ = line;
    chunk_last_line_ = line;
    if (chunk_.empty() || chunk_.back().stream != event.stream_id()) {
      StreamAppend append;
      append.stream = event.stream_id();
      append.expected_revision = kAnyRevision;
      chunk_streams_.insert(append.stream);
      chunk_.push_back(std::move(append));
    }
    chunk_.back().events.push_back(std::move(event));
    ++chunk_events_;
  }

  // Intermediate chunks are not synced one by one: a crash loses at most a suffix of whole
  // chunks, which re-running the import restores; the final sync makes the import durable.
  Status Flush(bool sync) {
    if (chunk_events_ == 0) return Status::Ok();
    AppendOptions options;
    if (!sync) options.sync = false;
    std::vector<std::string> streams;
    for (const StreamAppend& a : chunk_) streams.push_back(a.stream);
    StatusOr<MultiAppendResult> result = store_->AppendMulti(std::move(chunk_), options);
    chunk_.clear();
    chunk_streams_.clear();
    const uint64_t events = chunk_events_;
    chunk_events_ = 0;
    if (!result.ok()) return result.status();
    if (result->deduplicated) {
      deduplicated_ += events;
    } else {
      appended_ += events;
      for (std::string& s : streams) streams_touched_.insert(std::move(s));
    }
    return Status::Ok();
  }

  std::string Interrupted() const {
    return std::to_string(appended_) +
           " events were appended before stopping; run the same import again to finish "
           "(events already stored are skipped)";
  }

  std::string AppendFailed(const Status& s) const {
    return "appending the events of " + name_ + " lines " + std::to_string(chunk_first_line_) +
           ".." + std::to_string(chunk_last_line_) + " failed: " + s.message() + "; " +
           Interrupted();
  }

  const Context& ctx_;
  const std::string name_;
  std::FILE* const input_;
  std::unique_ptr<EventStore> store_;
  const bool check_facts_;
  std::unique_ptr<FactChecker> facts_;  // null with --trust-facts
  uint64_t errors_ = 0;                 // invalid lines found by Validate

  std::vector<StreamAppend> chunk_;
  std::unordered_set<std::string> chunk_streams_;
  uint64_t chunk_events_ = 0;
  uint64_t chunk_first_line_ = 0;
  uint64_t chunk_last_line_ = 0;

  uint64_t appended_ = 0;
  uint64_t deduplicated_ = 0;
  std::unordered_set<std::string> streams_touched_;
};

// --trust-facts: check the schema only, not the facts (replaying a log known to be good).
}  // namespace

struct ImportArgs {
  std::string path;
  bool trust_facts = false;
};

int RunImport(const Context& ctx, const ImportArgs& args) {
  const std::string& path = args.path;

  FilePtr input;
  std::string display_name = path;
  if (path == "-") {
    display_name = "<stdin>";
    StatusOr<FilePtr> spooled = SpoolStdin();
    if (!spooled.ok()) return Fail(ctx, spooled.status());
    input = std::move(spooled).value();
  } else {
    input.reset(std::fopen(path.c_str(), "rb"));
    if (!input) return Fail(ctx, "cannot open " + path + ": " + std::strerror(errno));
  }

  std::unique_ptr<EventStore> store;
  if (StoreExists(ctx)) {
    StatusOr<std::unique_ptr<EventStore>> opened = OpenStore(ctx, /*create=*/false);
    if (!opened.ok()) return Fail(ctx, opened.status());
    store = std::move(opened).value();
  }
  Importer importer(ctx, display_name, input.get(), std::move(store),
                    /*check_facts=*/!args.trust_facts);
  return importer.Run();
}

void AddImportCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = AddCommand(app, "import",
                             "append events from JSON Lines (whole file validated first; safe to re-run)");
  cmd->alias("append");
  cmd->add_option("FILE", args->path, "JSON Lines, one consent.v1.Event per line naming its streamId; - for stdin")
      ->required();
  cmd->footer("Creates the store when missing. Every line is checked as JSON, against the schema and, unless --trust-facts, as a fact the Ledger would record given the store and the lines before it. Nothing is appended unless every line is valid; events "
              "already stored (same id, same content) are skipped, so an interrupted import can be re-run.");
  cmd->add_flag("--trust-facts", args->trust_facts,
                "check only the schema, not the facts (for replaying a log already checked, such as "
                "an export of another store)");
  SetRun(cmd, ctx, [args](const Context& c) { return RunImport(c, *args); });
}

}  // namespace consent::cli
