// SPDX-License-Identifier: Apache-2.0
#include "consent/event_id.h"

#include <sodium.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace consent {
namespace {

// Monotonic UUIDv7 state: (unix ms << 12 | 12-bit counter) never goes backwards in a process.
std::mutex g_id_mu;
uint64_t g_last_stamp = 0;  // GUARDED_BY(g_id_mu)

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string NewEventId() {
  static const int init = sodium_init();  // thread-safe static init; >= 0 on success
  (void)init;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const uint64_t ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  uint64_t stamp;
  {
    std::lock_guard<std::mutex> lock(g_id_mu);
    stamp = ms << 12;
    if (stamp <= g_last_stamp) stamp = g_last_stamp + 1;  // same ms, or clock stepped back
    g_last_stamp = stamp;
  }
  const uint64_t unix_ms = stamp >> 12;
  const uint64_t counter = stamp & 0xFFF;
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(unix_ms >> (40 - 8 * i));
  b[6] = static_cast<unsigned char>(0x70 | (counter >> 8));  // version 7
  b[7] = static_cast<unsigned char>(counter & 0xFF);
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3F));  // RFC 4122 variant
  return std::string(reinterpret_cast<const char*>(b), sizeof b);
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

std::string EventIdToString(std::string_view id) {
  std::string hex = ToHex(id);
  if (id.size() != kEventIdSize) return hex;
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

StatusOr<std::string> ParseEventId(std::string_view text) {
  std::string digits;
  digits.reserve(32);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool dash_slot = text.size() == 36 && (i == 8 || i == 13 || i == 18 || i == 23);
    if (dash_slot) {
      if (c != '-') break;
      continue;
    }
    digits.push_back(c);
  }
  std::string out;
  if ((text.size() == 36 || text.size() == 32) && digits.size() == 32) {
    out.resize(16);
    for (size_t i = 0; i < 16; ++i) {
      const int hi = HexValue(digits[2 * i]);
      const int lo = HexValue(digits[2 * i + 1]);
      if (hi < 0 || lo < 0) {
        out.clear();
        break;
      }
      out[i] = static_cast<char>(hi * 16 + lo);
    }
  }
  if (out.size() != 16) {
    return InvalidArgumentError("ParseEventId(\"" + std::string(text.substr(0, 64)) +
                                "\"): not a UUID (expected 8-4-4-4-12 hex digits or 32 hex digits)");
  }
  return out;
}

}  // namespace consent
