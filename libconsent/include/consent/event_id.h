// SPDX-License-Identifier: Apache-2.0
// Event ids: 16 raw bytes, normally a UUID.
//
// NewEventId() makes time-ordered UUIDv7 ids (RFC 9562): 48 bits of Unix milliseconds, then a
// per-process monotonic counter and random bits. Time-ordered ids land next to each other in
// the store's id index, which keeps appends fast; any unique 16 bytes are accepted.
//
// Thread-safety: all functions are safe to call concurrently.

#ifndef CONSENT_EVENT_ID_H_
#define CONSENT_EVENT_ID_H_

#include <string>
#include <string_view>

#include "consent/status.h"

namespace consent {

inline constexpr size_t kEventIdSize = 16;

// A new UUIDv7, as 16 raw bytes. Ids made by one process are strictly increasing.
std::string NewEventId();

// "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" for 16 bytes; hex of whatever is given otherwise.
std::string EventIdToString(std::string_view id);

// Parses the canonical 8-4-4-4-12 form (or 32 hex digits) into 16 raw bytes.
// kInvalidArgument when `text` is neither.
StatusOr<std::string> ParseEventId(std::string_view text);

// Lower-case hex of arbitrary bytes.
std::string ToHex(std::string_view bytes);

}  // namespace consent

#endif  // CONSENT_EVENT_ID_H_
