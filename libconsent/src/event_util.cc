// SPDX-License-Identifier: Apache-2.0
// Public helpers of event_store.h that need no store.
#include <google/protobuf/descriptor.h>

#include "consent/event_store.h"
#include "internal/validation.h"

namespace consent {

google::protobuf::Timestamp ToTimestamp(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  google::protobuf::Timestamp ts;
  int64_t secs = ns / 1000000000;
  int64_t nanos = ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    secs -= 1;
  }
  ts.set_seconds(secs);
  ts.set_nanos(static_cast<int32_t>(nanos));
  return ts;
}

std::chrono::system_clock::time_point FromTimestamp(const google::protobuf::Timestamp& t) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(t.seconds()) + std::chrono::nanoseconds(t.nanos())));
}

std::string_view PayloadTypeName(const Event& event) {
  if (event.payload_case() == Event::PAYLOAD_NOT_SET) return {};
  const auto* f = Event::descriptor()->FindFieldByNumber(static_cast<int>(event.payload_case()));
  if (f == nullptr || f->message_type() == nullptr) return {};
  return f->message_type()->name();
}

std::string_view StreamCategory(std::string_view stream) {
  const size_t dash = stream.find('-');
  return dash == std::string_view::npos ? stream : stream.substr(0, dash);
}

Status ValidateStreamName(std::string_view stream) {
  auto bad = [&](std::string_view why) {
    ErrorContext ctx;
    ctx.stream = std::string(stream.substr(0, 512));
    ctx.field = "stream_id";
    return InvalidArgumentError("stream \"" + std::string(stream.substr(0, 80)) + "\": " +
                                    std::string(why),
                                std::move(ctx));
  };
  if (stream.empty()) return bad("stream name is empty");
  if (stream.size() > 512) return bad("stream name longer than 512 bytes");
  if (stream.front() == '$') return bad("stream names starting with '$' are reserved");
  if (!internal::IsValidUtf8(stream)) return bad("stream name is not valid UTF-8");
  for (char c : stream) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return bad("stream name contains a control character");
    }
  }
  return Status();
}

Status ValidateEventForAppend(std::string_view stream, const Event& e) {
  CONSENT_RETURN_IF_ERROR(ValidateStreamName(stream));
  auto bad = [&](std::string field, std::string why) {
    ErrorContext ctx;
    ctx.stream = std::string(stream);
    ctx.field = field;
    return InvalidArgumentError("field \"" + field + "\": " + why, std::move(ctx));
  };
  if (e.event_id().size() != kEventIdSize) {
    return bad("event_id", "must be 16 bytes, got " + std::to_string(e.event_id().size()));
  }
  if (e.event_id().find_first_not_of('\0') == std::string::npos) {
    return bad("event_id", "must not be all zero");
  }
  if (!e.has_occur_time()) return bad("occur_time", "is required (when the fact happened)");
  if (e.payload_case() == Event::PAYLOAD_NOT_SET) {
    return bad("payload", "no payload set (or a payload type unknown to this schema version)");
  }
  if (!e.stream_id().empty() && e.stream_id() != stream) {
    return bad("stream_id", "is \"" + e.stream_id().substr(0, 80) + "\" but the event is appended to \"" +
                                std::string(stream) + "\"");
  }
  if (e.has_integrator_event() && e.integrator_event().type().empty()) {
    return bad("integrator_event.type", "is required (the integrator's own event type name)");
  }
  if (e.stream_revision() != 0) return bad("stream_revision", "is set by the store; leave it unset");
  if (e.position() != 0) return bad("position", "is set by the store; leave it unset");
  if (e.has_record_time()) return bad("record_time", "is set by the store; leave it unset");
  // Envelope strings and timestamps directly; then only the payload message by reflection
  // (walking the Event itself would visit every member of the payload oneof).
  if (e.GetReflection()->GetUnknownFields(e).field_count() > 0) {
    return bad("(event)", "unknown field number " +
                              std::to_string(e.GetReflection()->GetUnknownFields(e).field(0).number()) +
                              " (written by a newer schema?)");
  }
  if (std::string why = internal::TimestampProblem(e.occur_time()); !why.empty()) {
    return bad("occur_time", "invalid timestamp: " + why);
  }
  const std::pair<const char*, const std::string*> strings[] = {
      {"correlation_id", &e.correlation_id()},     {"causation_id", &e.causation_id()},
      {"actor.principal_ref", &e.actor().principal_ref()}, {"actor.role", &e.actor().role()},
      {"actor.system", &e.actor().system()}};
  for (const auto& [name, value] : strings) {
    if (!internal::IsValidUtf8(*value)) return bad(name, "not valid UTF-8");
    if (std::string why = internal::StringLengthProblem(name, value->size()); !why.empty()) {
      return bad(name, why);
    }
  }
  if (e.has_actor() && e.actor().GetReflection()->GetUnknownFields(e.actor()).field_count() > 0) {
    return bad("actor", "unknown field (written by a newer schema?)");
  }
  const auto* payload_field = Event::descriptor()->FindFieldByNumber(static_cast<int>(e.payload_case()));
  const google::protobuf::Message& payload = e.GetReflection()->GetMessage(e, payload_field);
  Status s = internal::ValidateMessage(payload, "event", payload_field->name());
  if (!s.ok()) {
    ErrorContext ctx = s.context();
    ctx.stream = std::string(stream);
    // Drop the "event: " prefix ValidateMessage put in; callers add their own operation.
    std::string msg = s.message();
    if (msg.rfind("event: ", 0) == 0) msg.erase(0, 7);
    return InvalidArgumentError(std::move(msg), std::move(ctx));
  }
  // Last, so that an oversized field is named rather than the whole event.
  if (const size_t size = e.ByteSizeLong(); size > kMaxEventBytes) {
    return bad("(event)", std::to_string(size) + " bytes serialized, more than the " +
                              std::to_string(kMaxEventBytes) + " allowed");
  }
  return Status();
}

void ProjectionBatch::Put(std::string_view key, std::string_view value) {
  ops_.push_back(Op{false, std::string(key), std::string(value)});
}

void ProjectionBatch::Delete(std::string_view key) {
  ops_.push_back(Op{true, std::string(key), {}});
}

}  // namespace consent
