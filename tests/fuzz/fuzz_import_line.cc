// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: one line of a `consentctl import` file through the strict JSON check and
// protobuf's JSON-to-Event mapping (tools/consentctl/import_line.h).
//
// Oracle besides the sanitizers: a line that is accepted prints back (MessageToJsonString) as
// a line that is accepted too and holds the same event.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "import_line.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  if (line.find('\n') != std::string_view::npos) return 0;  // the reader splits lines first
  consent::Event event;
  if (consent::cli::ParseImportLine(line, &event).has_value()) return 0;
  (void)consent::cli::CheckImportedEvent(event);

  std::string printed;
  if (!google::protobuf::util::MessageToJsonString(event, &printed).ok()) std::abort();
  consent::Event again;
  if (consent::cli::ParseImportLine(printed, &again).has_value()) std::abort();
  if (!google::protobuf::util::MessageDifferencer::Equals(event, again)) std::abort();
  return 0;
}
