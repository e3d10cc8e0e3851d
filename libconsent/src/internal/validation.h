// Structural validation of protobuf messages before they become stored events.
#ifndef CONSENT_INTERNAL_VALIDATION_H_
#define CONSENT_INTERNAL_VALIDATION_H_

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <string>
#include <string_view>

#include "consent/status.h"

namespace consent::internal {

bool IsValidUtf8(std::string_view s);

// "" when `t` is a valid Timestamp (seconds in years 1..9999, nanos in [0, 1e9)), else why not.
std::string TimestampProblem(const google::protobuf::Timestamp& t);

// Checks every set field of `m`, recursively: strings are valid UTF-8, enum values are known,
// Timestamps are in range, and no unknown fields are present. On failure returns
// kInvalidArgument whose context().field is the path below `path` ("call_started.tracks[1]")
// and whose message is "<op>: field \"<path>\": <why>".
Status ValidateMessage(const google::protobuf::Message& m, std::string_view op,
                       std::string_view path = "");

}  // namespace consent::internal

#endif  // CONSENT_INTERNAL_VALIDATION_H_
