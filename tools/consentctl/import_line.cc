// SPDX-License-Identifier: Apache-2.0
#include "import_line.h"

#include <string>
#include <utility>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include "strict_json.h"

namespace consent::cli {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::OneofDescriptor;

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

namespace {

// "annotationAdded, sourceCheckpointed, ..." (the schema has dozens: name a few).
std::string PayloadFieldExamples() {
  const OneofDescriptor* oneof = Event::descriptor()->FindOneofByName("payload");
  std::string out;
  for (int i = 0; i < oneof->field_count() && i < 3; ++i) {
    out += oneof->field(i)->json_name() + ", ";
  }
  return out + "...";
}

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

}  // namespace

std::string FormatLineError(std::string_view file, uint64_t line, const LineError& e) {
  std::string out = std::string(file) + ":" + std::to_string(line) + ": ";
  if (!e.field.empty()) out += "field \"" + e.field + "\": ";
  return out + e.why;
}

std::optional<LineError> ParseImportLine(std::string_view line, Event* event) {
  if (auto problem = CheckStrictJson(line, Event::descriptor())) {
    return LineError{std::move(problem->field), std::move(problem->why)};
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(std::string(line), event, options);
  if (!status.ok()) return DescribeJsonError(std::string(status.message()));
  event->clear_position();
  event->clear_stream_revision();
  event->clear_record_time();
  return std::nullopt;
}

std::optional<LineError> CheckImportedEvent(const Event& event) {
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

}  // namespace consent::cli
