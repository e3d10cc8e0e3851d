// SPDX-License-Identifier: Apache-2.0
#include "internal/validation.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>

#include <cstring>
#include <vector>

namespace consent::internal {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;


std::string Join(std::string_view path, std::string_view name) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += name;
  return out;
}

Status Bad(std::string_view op, const std::string& field, std::string_view why) {
  ErrorContext ctx;
  ctx.field = field;
  return InvalidArgumentError(std::string(op) + ": field \"" + field + "\": " + std::string(why),
                              std::move(ctx));
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  // Fast path: 8 ASCII bytes at a time.
  while (i + 8 <= n) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ULL) break;
    i += 8;
  }
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<size_t>(len) > n) return false;
    for (int k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += static_cast<size_t>(len);
  }
  return true;
}

std::string TimestampProblem(const google::protobuf::Timestamp& t) {
  if (t.nanos() < 0 || t.nanos() > 999999999) {
    return "nanos " + std::to_string(t.nanos()) + " outside [0, 999999999]";
  }
  if (t.seconds() < kMinTimeSeconds || t.seconds() >= kEndTimeSeconds) {
    return "seconds " + std::to_string(t.seconds()) +
           " outside the accepted range 1970-01-01T00:00:00Z (inclusive) to 2200-01-01T00:00:00Z "
           "(exclusive)";
  }
  return "";
}

std::optional<int64_t> CheckedUnixNanos(const google::protobuf::Timestamp& t) {
  if (!TimestampProblem(t).empty()) return std::nullopt;
  return t.seconds() * 1000000000 + t.nanos();
}

bool IsIdField(std::string_view name) {
  for (std::string_view suffix : {"_id", "_ids", "_ref", "_refs"}) {
    if (name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix) return true;
  }
  return false;
}

std::string StringLengthProblem(std::string_view field_name, size_t size) {
  const bool id = IsIdField(field_name);
  const size_t limit = id ? kMaxIdBytes : kMaxTextBytes;
  if (size <= limit) return "";
  return std::to_string(size) + " bytes, more than the " + std::to_string(limit) + " allowed for " +
         (id ? "an id" : "a text");
}

namespace {

// The path to a field, kept as a chain of stack frames and spelled out only on failure.
struct PathFrame {
  const PathFrame* parent;
  std::string_view root;            // set on the outermost frame only
  const FieldDescriptor* field;     // nullptr on the outermost frame
  int index;                        // -1 for singular fields
};

std::string Spell(const PathFrame* f) {
  if (f == nullptr) return "";
  if (f->field == nullptr) return std::string(f->root);
  std::string out = Join(Spell(f->parent), f->field->name());
  if (f->index >= 0) out += "[" + std::to_string(f->index) + "]";
  return out;
}

Status Walk(const Message& m, std::string_view op, const PathFrame* at) {
  const Reflection* r = m.GetReflection();
  const auto& unknown = r->GetUnknownFields(m);
  if (unknown.field_count() > 0) {
    const std::string path = Spell(at);
    return Bad(op, path.empty() ? std::string("(message)") : path,
               "unknown field number " + std::to_string(unknown.field(0).number()) +
                   " (written by a newer schema?)");
  }
  if (m.GetDescriptor() == google::protobuf::Timestamp::descriptor()) {
    const auto& t = static_cast<const google::protobuf::Timestamp&>(m);
    if (std::string why = TimestampProblem(t); !why.empty()) return Bad(op, Spell(at), "invalid timestamp: " + why);
    return Status();
  }
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const int count = f->is_repeated() ? r->FieldSize(m, f) : 1;
    for (int i = 0; i < count; ++i) {
      const PathFrame here{at, {}, f, f->is_repeated() ? i : -1};
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          if (f->type() == FieldDescriptor::TYPE_STRING) {
            std::string scratch;
            const std::string& v = f->is_repeated() ? r->GetRepeatedStringReference(m, f, i, &scratch)
                                                    : r->GetStringReference(m, f, &scratch);
            if (!IsValidUtf8(v)) return Bad(op, Spell(&here), "not valid UTF-8");
            if (std::string why = StringLengthProblem(f->name(), v.size()); !why.empty()) {
              return Bad(op, Spell(&here), why);
            }
          }
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const int v = f->is_repeated() ? r->GetRepeatedEnumValue(m, f, i) : r->GetEnumValue(m, f);
          if (f->enum_type()->FindValueByNumber(v) == nullptr) {
            return Bad(op, Spell(&here), "unknown " + f->enum_type()->name() + " value " + std::to_string(v));
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE: {
          const Message& sub = f->is_repeated() ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f);
          CONSENT_RETURN_IF_ERROR(Walk(sub, op, &here));
          break;
        }
        default:
          break;
      }
    }
  }
  return Status();
}

}  // namespace

Status ValidateMessage(const Message& m, std::string_view op, std::string_view path) {
  const PathFrame root{nullptr, path, nullptr, -1};
  return Walk(m, op, &root);
}

}  // namespace consent::internal
