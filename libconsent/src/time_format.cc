// SPDX-License-Identifier: Apache-2.0
#include "consent/time_format.h"

#include <string>

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include "consent/event_store.h"

namespace consent {

using google::protobuf::util::TimeUtil;

std::string FormatTime(TimePoint t) { return TimeUtil::ToString(ToTimestamp(t)); }

StatusOr<TimePoint> ParseTime(std::string_view text) {
  std::string s(text);
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') s += "T00:00:00Z";
  google::protobuf::Timestamp ts;
  if (!TimeUtil::FromString(s, &ts)) {
    return InvalidArgumentError("ParseTime(\"" + std::string(text) +
                                "\"): expected an RFC 3339 time such as 2026-03-02T18:00:00Z "
                                "or a date such as 2026-03-02");
  }
  return FromTimestamp(ts);
}

}  // namespace consent
