// SPDX-License-Identifier: Apache-2.0
// Structural validation of protobuf messages before they become stored events.
#ifndef CONSENT_INTERNAL_VALIDATION_H_
#define CONSENT_INTERNAL_VALIDATION_H_

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "consent/event_store.h"
#include "consent/status.h"

namespace consent::internal {

bool IsValidUtf8(std::string_view s);

// "" when `t` is a valid Timestamp inside the accepted range (kMinTimeSeconds inclusive to
// kEndTimeSeconds exclusive, nanos in [0, 1e9)), else why not.
std::string TimestampProblem(const google::protobuf::Timestamp& t);

// Nanoseconds since the Unix epoch; std::nullopt when TimestampProblem(t) is not "" (every
// accepted time fits in an int64_t).
std::optional<int64_t> CheckedUnixNanos(const google::protobuf::Timestamp& t);

// True for string fields holding ids: names ending in "_id", "_ids", "_ref" or "_refs".
bool IsIdField(std::string_view name);

// "" when a string field named `field_name` of `size` bytes is within its limit (kMaxIdBytes
// for ids, kMaxTextBytes for any other text), else why not.
std::string StringLengthProblem(std::string_view field_name, size_t size);

// Checks every set field of `m`, recursively: strings are valid UTF-8 and within their length
// limit, enum values are known, Timestamps are in range, and no unknown fields are present. On failure returns
// kInvalidArgument whose context().field is the path below `path` ("call_started.tracks[1]")
// and whose message is "<op>: field \"<path>\": <why>".
Status ValidateMessage(const google::protobuf::Message& m, std::string_view op,
                       std::string_view path = "");

}  // namespace consent::internal

#endif  // CONSENT_INTERNAL_VALIDATION_H_
