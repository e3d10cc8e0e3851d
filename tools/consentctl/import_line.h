// SPDX-License-Identifier: Apache-2.0
// One line of a `consentctl import` file: a consent.v1.Event in protobuf's JSON mapping, read
// strictly (strict_json.h) and checked for what the store needs, with problems named by field.
//
// Thread-safety: pure functions; safe from any thread.

#ifndef CONSENT_TOOLS_CONSENTCTL_IMPORT_LINE_H_
#define CONSENT_TOOLS_CONSENTCTL_IMPORT_LINE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "consent/event_store.h"

namespace consent::cli {

struct LineError {
  std::string field;  // JSON path, "" when the line is not even JSON
  std::string why;
};

// "FILE:LINE: field "PATH": WHY" (without the field part when there is none).
std::string FormatLineError(std::string_view file, uint64_t line, const LineError& e);

// "annotation_added.text" -> "annotationAdded.text": the names a JSON Lines author wrote.
std::string JsonFieldPath(std::string_view proto_path);

// Parses one line into `event`, store-assigned fields (position, streamRevision, recordTime)
// cleared. Refuses anything that is not strict JSON or would not store exactly what is written.
std::optional<LineError> ParseImportLine(std::string_view line, Event* event);

// What the store needs that the JSON mapping does not enforce: streamId, eventId, occurTime,
// one payload, and ValidateEventForAppend.
std::optional<LineError> CheckImportedEvent(const Event& event);

}  // namespace consent::cli

#endif  // CONSENT_TOOLS_CONSENTCTL_IMPORT_LINE_H_
