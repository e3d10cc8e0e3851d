// consentctl import FILE.jsonl|-   (alias: append)
//
// Appends the events of a JSON Lines file, one consent.v1.Event per line in protobuf's JSON
// mapping, each naming its target stream in `streamId`. Store-assigned fields (position,
// streamRevision, recordTime) are ignored, so the output of `export` imports into another store.
//
// Two passes over the input:
//  1. Validate every line without writing: JSON, required fields, ValidateEventForAppend, ids
//     repeated inside the file, ids already stored with other content. Any bad line: report,
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
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "cli.h"
#include "consent/event_id.h"
#include "consent/event_store.h"

namespace consent::cli {
namespace {

using google::protobuf::Descriptor;
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
  return line.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

// "annotation_added.text" -> "annotationAdded.text": the names a JSON Lines author wrote.
std::string JsonFieldPath(std::string_view proto_path) {
  const Descriptor* d = Event::descriptor();
  std::string out;
  while (!proto_path.empty()) {
    size_t dot = proto_path.find('.');
    std::string segment(proto_path.substr(0, dot));
    proto_path = dot == std::string_view::npos ? "" : proto_path.substr(dot + 1);
    if (!out.empty()) out.push_back('.');
    const FieldDescriptor* f = d != nullptr ? d->FindFieldByName(segment) : nullptr;
    if (f != nullptr) {
      out += f->json_name();
      d = f->message_type();
    } else {
      out += segment;
      d = nullptr;
    }
  }
  return out;
}

// "annotationAdded, sourceCheckpointed, ..." (the schema has dozens: name a few).
std::string PayloadFieldExamples() {
  const OneofDescriptor* oneof = Event::descriptor()->FindOneofByName("payload");
  std::string out;
  for (int i = 0; i < oneof->field_count() && i < 3; ++i) {
    out += oneof->field(i)->json_name() + ", ";
  }
  return out + "...";
}

struct LineError {
  std::string field;  // JSON path, "" when the line is not even JSON
  std::string why;
};

// Turns protobuf's JSON parser message into a field and a one-line reason. The parser reports
// e.g. "(annotation_added) bogus: Cannot find field." or "(occur_time): invalid value ...";
// syntax errors come with a multi-line excerpt, of which the first line is kept. Anything not
// recognised (another protobuf version words it differently) is passed through unchanged.
LineError DescribeJsonError(std::string_view message) {
  if (size_t nl = message.find('\n'); nl != std::string_view::npos) message = message.substr(0, nl);
  std::string parent;
  std::string_view rest = message;
  if (rest.starts_with("(")) {
    size_t close = rest.find(')');
    if (close != std::string_view::npos) {
      parent = JsonFieldPath(rest.substr(1, close - 1));
      rest = rest.substr(close + 1);
    }
  }
  constexpr std::string_view kUnknown = ": Cannot find field.";
  if (rest.ends_with(kUnknown)) {
    std::string_view name = rest.substr(0, rest.size() - kUnknown.size());
    while (name.starts_with(" ")) name.remove_prefix(1);
    std::string field = parent.empty() ? std::string(name) : parent + "." + std::string(name);
    return {field, "unknown field name (see proto/consent/v1 for the schema)"};
  }
  if (rest.starts_with(": ")) rest.remove_prefix(2);
  if (rest == "Root element must be a message.") {
    return {"", "invalid JSON: a line must hold one JSON object (one event)"};
  }
  if (rest.find("oneof field '") != std::string_view::npos) {
    return {"payload", "more than one payload field is set; an event holds exactly one"};
  }
  if (rest.starts_with("invalid value ")) {
    std::string_view detail = rest.substr(std::string_view("invalid value ").size());
    if (size_t p = detail.find("Invalid time format: "); p != std::string_view::npos) {
      std::string_view value = detail.substr(p + std::string_view("Invalid time format: ").size());
      if (size_t f = value.find(" for type "); f != std::string_view::npos) {
        value = value.substr(0, f);
      }
      return {parent, "not an RFC 3339 timestamp: \"" + std::string(value) +
                          "\" (expected e.g. \"2024-05-01T09:30:00Z\")"};
    }
    if (detail.ends_with(" for type TYPE_BYTES")) {
      return {parent, "not base64: " + std::string(detail.substr(0, detail.size() - 20))};
    }
    return {parent, "invalid value " + std::string(detail)};
  }
  if (!parent.empty()) return {parent, std::string(rest)};
  return {"", "invalid JSON: " + std::string(rest)};
}

std::string FormatLineError(std::string_view file, uint64_t line, const LineError& e) {
  std::string out = std::string(file) + ":" + std::to_string(line) + ": ";
  if (!e.field.empty()) out += "field \"" + e.field + "\": ";
  return out + e.why;
}

// Parses one line into `event` with the store-assigned fields cleared.
std::optional<LineError> ParseLine(std::string_view line, Event* event) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(std::string(line), event, options);
  if (!status.ok()) return DescribeJsonError(std::string(status.message()));
  event->clear_position();
  event->clear_stream_revision();
  event->clear_record_time();
  return std::nullopt;
}

// What the store needs that protobuf's JSON mapping does not enforce.
std::optional<LineError> CheckEvent(const Event& event) {
  if (event.stream_id().empty()) {
    return LineError{"streamId", "missing: each line names the stream it is appended to"};
  }
  if (Status s = ValidateStreamName(event.stream_id()); !s.ok()) {
    return LineError{"streamId", s.message()};
  }
  if (event.event_id().empty()) {
    return LineError{"eventId", "missing: each event needs a 16-byte id (base64 in JSON)"};
  }
  if (!event.has_occur_time()) {
    return LineError{"occurTime", "missing: when the fact happened (RFC 3339) is required"};
  }
  if (event.payload_case() == Event::PAYLOAD_NOT_SET) {
    return LineError{"payload", "missing: the event needs exactly one payload field (" +
                                    PayloadFieldExamples() + ")"};
  }
  if (Status s = ValidateEventForAppend(event.stream_id(), event); !s.ok()) {
    const std::string& field = s.context().field;
    std::string_view why = s.message();
    // The message reads 'field "event_id": must be 16 bytes'; the field is printed by the
    // caller, under its JSON name.
    const std::string prefix = "field \"" + field + "\": ";
    if (!field.empty() && why.starts_with(prefix)) why.remove_prefix(prefix.size());
    return LineError{field.empty() ? "" : JsonFieldPath(field), std::string(why)};
  }
  return std::nullopt;
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
           std::unique_ptr<EventStore> store)
      : ctx_(ctx), name_(std::move(display_name)), input_(input), store_(std::move(store)) {}

  int Run() {
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
    uint64_t errors = 0;
    auto report = [&](uint64_t line, const LineError& e) {
      if (++errors <= kMaxReportedErrors) PrintError(ctx_, FormatLineError(name_, line, e));
    };
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
      std::optional<LineError> error = ParseLine(line, &event);
      if (!error) error = CheckEvent(event);
      if (error) {
        report(n, *error);
        continue;
      }
      auto [it, inserted] = line_of_id.try_emplace(event.event_id(), n);
      if (!inserted) {
        report(n, {"eventId", "duplicate: event id " + EventIdToString(event.event_id()) +
                                  " is already used on line " + std::to_string(it->second)});
        continue;
      }
      if (store_ == nullptr) continue;
      StatusOr<uint64_t> position = store_->FindEvent(event.event_id());
      if (!position.ok() && position.status().code() == StatusCode::kNotFound) continue;
      if (!position.ok()) return Fail(ctx_, position.status());
      StatusOr<Event> stored = store_->ReadEvent(*position);
      if (!stored.ok()) return Fail(ctx_, stored.status());
      std::string differs = FirstContentDifference(event, *stored);
      if (!differs.empty()) {
        report(n, {"eventId", "event id " + EventIdToString(event.event_id()) +
                                  " is already stored (position " + std::to_string(*position) +
                                  ") with a different \"" + differs + "\""});
        continue;
      }
      plan->line_is_stored[n] = true;
      ++plan->already_present;
    }
    progress.Clear();
    if (reader.failed()) {
      return Fail(ctx_, "reading " + name_ + " failed: " + std::strerror(errno));
    }
    if (errors > 0) {
      if (errors > kMaxReportedErrors) {
        PrintError(ctx_, "... and " + std::to_string(errors - kMaxReportedErrors) +
                             " more invalid lines");
      }
      return Fail(ctx_, name_ + ": " + std::to_string(errors) + " invalid line" +
                            (errors == 1 ? "" : "s") + "; nothing was imported");
    }
    return kExitOk;
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
      if (ParseLine(line, &event).has_value() || n >= plan.line_is_stored.size()) {
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

  std::vector<StreamAppend> chunk_;
  std::unordered_set<std::string> chunk_streams_;
  uint64_t chunk_events_ = 0;
  uint64_t chunk_first_line_ = 0;
  uint64_t chunk_last_line_ = 0;

  uint64_t appended_ = 0;
  uint64_t deduplicated_ = 0;
  std::unordered_set<std::string> streams_touched_;
};

}  // namespace

int RunImport(const Context& ctx, const std::string& path) {

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
  Importer importer(ctx, display_name, input.get(), std::move(store));
  return importer.Run();
}

void AddImportCommand(CLI::App& app, Context& ctx) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = AddCommand(app, "import",
                             "append events from JSON Lines (whole file validated first; safe to re-run)");
  cmd->alias("append");
  cmd->add_option("FILE", *path, "JSON Lines, one consent.v1.Event per line naming its streamId; - for stdin")
      ->required();
  cmd->footer("Creates the store when missing. Nothing is appended unless every line is valid; events "
              "already stored (same id, same content) are skipped, so an interrupted import can be re-run.");
  SetRun(cmd, ctx, [path](const Context& c) { return RunImport(c, *path); });
}

}  // namespace consent::cli
