// SPDX-License-Identifier: Apache-2.0
#include "internal/chain.h"

#include <sodium.h>

namespace consent::internal {
namespace {

bool ReadVarint(std::string_view in, size_t* pos, uint64_t* out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= in.size()) return false;
    const auto b = static_cast<unsigned char>(in[(*pos)++]);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<PayloadSpan> FindPayload(std::string_view in) {
  std::optional<PayloadSpan> found;
  size_t pos = 0;
  while (pos < in.size()) {
    const size_t tag_start = pos;
    uint64_t tag;
    if (!ReadVarint(in, &pos, &tag)) return std::nullopt;
    const uint64_t field = tag >> 3;
    const int wire_type = static_cast<int>(tag & 7);
    if (field == 0) return std::nullopt;
    switch (wire_type) {
      case 0: {  // varint
        uint64_t ignored;
        if (!ReadVarint(in, &pos, &ignored)) return std::nullopt;
        break;
      }
      case 1:  // fixed64
        if (in.size() - pos < 8) return std::nullopt;
        pos += 8;
        break;
      case 5:  // fixed32
        if (in.size() - pos < 4) return std::nullopt;
        pos += 4;
        break;
      case 2: {  // length-delimited
        uint64_t len;
        if (!ReadVarint(in, &pos, &len) || len > in.size() - pos) return std::nullopt;
        if (field >= static_cast<uint64_t>(kFirstPayloadField)) {
          if (found) return std::nullopt;  // two payloads
          found = PayloadSpan{tag_start, pos, pos + static_cast<size_t>(len)};
        }
        pos += static_cast<size_t>(len);
        break;
      }
      default:  // groups are not used by proto3
        return std::nullopt;
    }
  }
  return found;
}

Hash HashBytes(std::string_view bytes) {
  Hash out;
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size(), nullptr, 0);
  return out;
}

Hash ChainHash(const Hash& prev, std::string_view h1, std::string_view h2, std::string_view h3,
               const Hash& payload_hash) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, prev.data(), prev.size());
  const uint32_t len = static_cast<uint32_t>(h1.size() + h2.size() + h3.size());
  const unsigned char len_le[4] = {static_cast<unsigned char>(len), static_cast<unsigned char>(len >> 8),
                                   static_cast<unsigned char>(len >> 16),
                                   static_cast<unsigned char>(len >> 24)};
  crypto_generichash_update(&st, len_le, 4);
  for (std::string_view part : {h1, h2, h3}) {
    if (!part.empty()) {
      crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(part.data()), part.size());
    }
  }
  crypto_generichash_update(&st, payload_hash.data(), payload_hash.size());
  Hash out;
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

std::optional<Hash> ChainHashOfStored(const Hash& prev, std::string_view bytes) {
  const auto span = FindPayload(bytes);
  if (!span) return std::nullopt;
  const Hash ph = HashBytes(bytes.substr(span->value_start, span->value_end - span->value_start));
  // The payload's tag and length belong to the header: they say which fact this is.
  return ChainHash(prev, bytes.substr(0, span->value_start), bytes.substr(span->value_end), {}, ph);
}

}  // namespace consent::internal
