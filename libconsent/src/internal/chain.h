// SPDX-License-Identifier: Apache-2.0
// The hash chain and the split of stored event bytes into header and payload.
//
//   h_0 = 32 zero bytes
//   h_n = BLAKE2b-256( h_{n-1} || u32le(len(header)) || header || BLAKE2b-256(payload) )
//
// where, for the serialized Event as stored, `payload` is the value (the embedded message
// bytes, without tag and length) of its single top-level field numbered >= 100 (the `payload`
// oneof), and `header` is every other byte of the serialized Event, in order — including the
// payload field's tag and length, so that relabelling a fact as another type breaks the chain.
#ifndef CONSENT_INTERNAL_CHAIN_H_
#define CONSENT_INTERNAL_CHAIN_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace consent::internal {

using Hash = std::array<unsigned char, 32>;

inline constexpr int kFirstPayloadField = 100;

// Byte range of the payload field inside serialized Event bytes.
struct PayloadSpan {
  size_t tag_start = 0;    // first byte of the field's tag
  size_t value_start = 0;  // first byte of the embedded message
  size_t value_end = 0;    // one past its last byte
};

// Walks the top-level wire format. std::nullopt when the bytes are not a well-formed message or
// hold no (or more than one) payload field.
std::optional<PayloadSpan> FindPayload(std::string_view event_bytes);

Hash HashBytes(std::string_view bytes);

// h_n from h_{n-1}, the header given as up to three consecutive pieces, and H(payload).
Hash ChainHash(const Hash& prev, std::string_view h1, std::string_view h2, std::string_view h3,
               const Hash& payload_hash);

// Recomputes h_n for stored event bytes; std::nullopt when they cannot be split.
std::optional<Hash> ChainHashOfStored(const Hash& prev, std::string_view event_bytes);

}  // namespace consent::internal

#endif  // CONSENT_INTERNAL_CHAIN_H_
