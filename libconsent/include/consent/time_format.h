// SPDX-License-Identifier: Apache-2.0
// Times as libconsent writes and reads them in its outputs and command lines: RFC 3339, UTC.
//
//   consent::FormatTime(t)                 // "2026-03-02T08:00:00Z"
//   consent::ParseTime("2026-03-02")       // midnight UTC that day
//
// Pure functions: safe to call from any thread.
#ifndef CONSENT_TIME_FORMAT_H_
#define CONSENT_TIME_FORMAT_H_

#include <chrono>
#include <string>
#include <string_view>

#include "consent/status.h"

namespace consent {

using TimePoint = std::chrono::system_clock::time_point;

// "2026-03-02T08:00:00Z" (UTC; 3, 6 or 9 fractional digits when the time has any).
std::string FormatTime(TimePoint t);
// Parses an RFC 3339 time ("2026-03-02T08:00:00Z", "2026-03-02T09:00:00+01:00") or a date
// ("2026-03-02", midnight UTC). kInvalidArgument otherwise.
StatusOr<TimePoint> ParseTime(std::string_view text);

}  // namespace consent

#endif  // CONSENT_TIME_FORMAT_H_
