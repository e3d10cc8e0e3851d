// consentctl export [--from POS] [--to POS] [--stream S] [--category C]... [--type T]...
//                   [--limit N]
//
// Writes events as JSON Lines (protobuf's JSON mapping, one consent.v1.Event per line, every
// store-assigned field included) to stdout, in position order (revision order with --stream).
// Events are streamed as they are read: memory stays flat whatever the size of the store.

#include <cstdio>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include "cli.h"
#include "consent/event_store.h"

namespace consent::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::OneofDescriptor;

constexpr OptionSpec kExportOptions[] = {
    {.name = "--from"},
    {.name = "--to"},
    {.name = "--stream"},
    {.name = "--category", .repeatable = true},
    {.name = "--type", .repeatable = true},
    {.name = "--limit"},
};

// Events fetched per ReadStream call with --stream.
constexpr size_t kStreamPage = 512;

const OneofDescriptor* PayloadOneof() {
  return Event::descriptor()->FindOneofByName("payload");
}

// The payload field a type name designates ("AnnotationAdded" or "annotation_added").
const FieldDescriptor* FindPayloadType(std::string_view type) {
  const OneofDescriptor* oneof = PayloadOneof();
  for (int i = 0; i < oneof->field_count(); ++i) {
    const FieldDescriptor* f = oneof->field(i);
    if (f->name() == type || f->message_type()->name() == type) return f;
  }
  return nullptr;
}

std::string KnownTypes() {
  const OneofDescriptor* oneof = PayloadOneof();
  std::string out;
  for (int i = 0; i < oneof->field_count(); ++i) {
    if (i > 0) out += ", ";
    out += oneof->field(i)->message_type()->name();
  }
  return out;
}

// Writes events to stdout as JSON Lines.
class JsonLinesWriter {
 public:
  // False when the event cannot be printed or stdout fails; see error().
  bool Write(const Event& event) {
    line_.clear();
    auto status = google::protobuf::util::MessageToJsonString(event, &line_, options_);
    if (!status.ok()) {
      error_ = "cannot print the event at position " + std::to_string(event.position()) +
               " as JSON: " + std::string(status.message());
      return false;
    }
    line_.push_back('\n');
    if (std::fwrite(line_.data(), 1, line_.size(), stdout) != line_.size()) {
      error_ = "writing to standard output failed";
      return false;
    }
    ++written_;
    return true;
  }
  const std::string& error() const { return error_; }
  uint64_t written() const { return written_; }

 private:
  google::protobuf::util::JsonPrintOptions options_;  // compact, JSON (lowerCamel) names
  std::string line_;
  std::string error_;
  uint64_t written_ = 0;
};

struct ExportRequest {
  uint64_t from = 1;
  uint64_t to = 0;  // 0: the head
  uint64_t limit = std::numeric_limits<uint64_t>::max();
  std::optional<std::string> stream;
  std::vector<std::string> categories;
  std::vector<std::string> types;
  std::vector<const FieldDescriptor*> type_fields;
};

int ExportStream(const Context& ctx, const EventStore& store, const ExportRequest& req) {
  JsonLinesWriter writer;
  const auto* reflection = Event::GetReflection();
  auto wanted = [&](const Event& e) {
    if (e.position() < req.from || (req.to != 0 && e.position() > req.to)) return false;
    if (req.type_fields.empty()) return true;
    const FieldDescriptor* f = reflection->GetOneofFieldDescriptor(e, PayloadOneof());
    for (const FieldDescriptor* t : req.type_fields) {
      if (t == f) return true;
    }
    return false;
  };
  ReadStreamOptions options;
  options.max_count = kStreamPage;
  while (writer.written() < req.limit) {
    StatusOr<std::vector<Event>> page = store.ReadStream(*req.stream, options);
    if (!page.ok()) return Fail(ctx, page.status());
    for (const Event& e : *page) {
      if (writer.written() >= req.limit) break;
      if (wanted(e) && !writer.Write(e)) return Fail(ctx, writer.error());
    }
    if (page->size() < kStreamPage) break;
    options.from_revision += static_cast<int64_t>(page->size());
  }
  return kExitOk;
}

int ExportAll(const Context& ctx, const EventStore& store, const ExportRequest& req) {
  ReadAllOptions options;
  options.from_position = req.from;
  options.to_position = req.to;
  if (req.limit < std::numeric_limits<size_t>::max()) options.max_count = req.limit;
  options.filter.categories = req.categories;
  options.filter.types = req.types;
  JsonLinesWriter writer;
  bool write_failed = false;
  Status status = store.ScanAll(options, [&](const Event& e) {
    if (writer.written() >= req.limit) return false;
    write_failed = !writer.Write(e);
    return !write_failed;
  });
  if (write_failed) return Fail(ctx, writer.error());
  if (!status.ok()) return Fail(ctx, status);
  return kExitOk;
}

}  // namespace

int RunExport(const Context& ctx, std::span<const std::string> args) {
  ParsedArgs parsed;
  if (auto err = ParseArgs(args, kExportOptions, &parsed)) return UsageError(ctx, *err);
  if (!parsed.positionals.empty()) {
    return UsageError(ctx, "unexpected argument \"" + parsed.positionals.front() + "\"");
  }
  ExportRequest req;
  if (auto err = GetUintOption(parsed, "--from", 1, &req.from)) return UsageError(ctx, *err);
  if (auto err = GetUintOption(parsed, "--to", 1, &req.to)) return UsageError(ctx, *err);
  if (auto err = GetUintOption(parsed, "--limit", 0, &req.limit)) return UsageError(ctx, *err);
  if (req.to != 0 && req.to < req.from) {
    return UsageError(ctx, "--to " + std::to_string(req.to) + " is before --from " +
                               std::to_string(req.from));
  }
  req.stream = parsed.get("--stream");
  req.categories = parsed.all("--category");
  req.types = parsed.all("--type");
  if (req.stream && !req.categories.empty()) {
    return UsageError(ctx, "--stream and --category cannot be combined");
  }
  for (const std::string& t : req.types) {
    const FieldDescriptor* f = FindPayloadType(t);
    if (f == nullptr) {
      return UsageError(ctx, "unknown event type \"" + t + "\" (known: " + KnownTypes() + ")");
    }
    req.type_fields.push_back(f);
  }
  StatusOr<std::unique_ptr<EventStore>> store = OpenStoreForReading(ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  if (req.limit == 0) return kExitOk;
  return req.stream ? ExportStream(ctx, **store, req) : ExportAll(ctx, **store, req);
}

}  // namespace consent::cli
