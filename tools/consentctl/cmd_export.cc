// SPDX-License-Identifier: Apache-2.0
// consentctl export [--from POS] [--to POS] [--stream S] [--category C]... [--type T]...
//                   [--integrator-type T]...
//                   [--limit N]
//
// Writes events as JSON Lines (protobuf's JSON mapping, one consent.v1.Event per line, every
// store-assigned field included) to stdout, in position order (revision order with --stream).
// Events are streamed as they are read: memory stays flat whatever the size of the store.

#include <algorithm>
#include <cstdio>
#include <limits>
#include <memory>
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
  std::vector<std::string> integrator_types;
  std::vector<const FieldDescriptor*> type_fields;
};

int ExportStream(const Context& ctx, const EventStore& store, const ExportRequest& req) {
  JsonLinesWriter writer;
  const auto* reflection = Event::GetReflection();
  auto wanted = [&](const Event& e) {
    if (e.position() < req.from || (req.to != 0 && e.position() > req.to)) return false;
    if (!req.integrator_types.empty() &&
        (!e.has_integrator_event() ||
         std::find(req.integrator_types.begin(), req.integrator_types.end(),
                   e.integrator_event().type()) == req.integrator_types.end())) {
      return false;
    }
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
  options.filter.integrator_types = req.integrator_types;
  JsonLinesWriter writer;
  bool write_failed = false;
  Progress progress("export");
  const uint64_t last = req.to != 0 ? req.to : store.HeadPosition();
  const uint64_t total = last >= req.from ? last - req.from + 1 : 0;
  Status status = store.ScanAll(options, [&](const Event& e) {
    if (writer.written() >= req.limit) return false;
    write_failed = !writer.Write(e);
    progress.Update("events", e.position() - req.from + 1, total);
    return !write_failed;
  });
  progress.Clear();
  if (write_failed) return Fail(ctx, writer.error());
  if (!status.ok()) return Fail(ctx, status);
  return kExitOk;
}


int RunExport(const Context& ctx, ExportRequest req) {
  if (req.to != 0 && req.to < req.from) {
    return UsageError(ctx, "--to " + std::to_string(req.to) + " is before --from " +
                               std::to_string(req.from));
  }
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

}  // namespace

void AddExportCommand(CLI::App& app, Context& ctx) {
  auto req = std::make_shared<ExportRequest>();
  CLI::App* cmd = AddCommand(app, "export", "write events as JSON Lines to stdout");
  cmd->add_option("--from", req->from, "first log position (default: 1)")->check(IntegerBetween(1))->type_name("POS");
  cmd->add_option("--to", req->to, "last log position (default: the head)")->check(IntegerBetween(1))->type_name("POS");
  cmd->add_option("--stream", req->stream, "only this stream, in revision order")->type_name("S");
  cmd->add_option("--category", req->categories,
                  "only streams of this category, the part of the id before the first '-' (repeatable)")
      ->type_name("C");
  cmd->add_option("--type", req->types,
                  "only events of this payload type: AnnotationAdded or annotation_added (repeatable)")
      ->type_name("T");
  cmd->add_option("--integrator-type", req->integrator_types,
                  "only IntegratorEvents of this integrator-defined type, matched exactly (repeatable)")
      ->type_name("T");
  cmd->add_option("--limit", req->limit, "at most N events (default: all)")->check(IntegerBetween(0))->type_name("N");
  cmd->footer("One consent.v1.Event per line in protobuf's JSON mapping, every store-assigned field "
              "included: 'consentctl import' reads it back.");
  SetRun(cmd, ctx, [req](const Context& c) { return RunExport(c, *req); });
}

}  // namespace consent::cli
