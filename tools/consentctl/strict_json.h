// SPDX-License-Identifier: Apache-2.0
// A strict RFC 8259 check of one JSON text against a protobuf message type, run before
// protobuf's JSON parser, which is lenient: it accepts single quotes, unquoted keys, trailing
// commas and form feeds, lets a repeated key overwrite the first, drops `null` from lists,
// truncates timestamps to nanoseconds and reads an object given for a timestamp as 1970.
// Whatever passes this check is parsed by protobuf into exactly the content written.
//
// Thread-safety: a pure function; safe from any thread.

#ifndef CONSENT_TOOLS_CONSENTCTL_STRICT_JSON_H_
#define CONSENT_TOOLS_CONSENTCTL_STRICT_JSON_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/descriptor.h>

namespace consent::cli {

// Deepest nesting of objects and lists accepted (an event needs fewer than 8 levels).
inline constexpr size_t kMaxJsonDepth = 32;

struct JsonProblem {
  // Path of the field, in the names written ("recordingPaused.ackTime", "notices[2]");
  // "" for the top level.
  std::string field;
  // One line; starts with "invalid JSON" when the text is not JSON at all.
  std::string why;
};

// Checks that `text` is one JSON object (RFC 8259: double-quoted strings and keys, no trailing
// comma, whitespace only space, tab, CR and LF, valid UTF-8 and escapes, nothing after the
// object), at most kMaxJsonDepth deep, without a repeated key, and that every field of `type`
// it names holds a value of the field's JSON type: an object for a message, a list without
// `null` for a repeated field, a string for text, bytes and timestamps (at most 9 fractional
// digits), a number or string for numbers, true/false for booleans. `null` for a whole field
// means "unset", as in protobuf's JSON mapping. Names not in `type` are left for protobuf to
// reject. Returns the first problem found, or nullopt.
std::optional<JsonProblem> CheckStrictJson(std::string_view text,
                                           const google::protobuf::Descriptor* type);

}  // namespace consent::cli

#endif  // CONSENT_TOOLS_CONSENTCTL_STRICT_JSON_H_
