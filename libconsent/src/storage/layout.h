// SPDX-License-Identifier: Apache-2.0
// The on-disk layout of an EventStore (format version 1). Internal: never installed.
//
// Column families and their keys (integers are big-endian so that byte order = numeric order):
//
//   events        key  u64be(position)                      position >= 1, dense
//                 value u8(kEventRecordVersion=1) || h_n[32] || serialized consent.v1.Event
//                       (the Event carries stream_id, stream_revision, position, record_time)
//   streams       key  stream_name || 0x00 || u64be(revision)
//                 value u64be(position)
//   event_ids     key  event_id[16]
//                 value u64be(position)
//   projections   key  projection_name || 0x00 || user_key
//                 value user_value
//   checkpoints   key  projection_name
//                 value u64be(position)
//   meta          key  "format_version" -> decimal text ("1")
//                      "store_id"       -> 16 raw bytes (UUIDv7)
//                      "created_time"   -> decimal Unix nanoseconds
//                      "stream_count"   -> u64be, number of distinct streams
//                      "head"           -> u64be(position) || h_n[32] of the last event,
//                                          written in the batch of every append (absent in
//                                          stores written before it existed)
//   keys          (optional: created on first use by consent::SubjectDirectory; a store without
//                 it is a valid format-1 store.) Uncompressed, so that a scrub can be checked
//                 by searching the raw files. Rows (written by src/crypto/subject_directory.cc,
//                 through storage/secrets.h, in the WriteBatch of the events they go with):
//                 key  "check"                      (master-key check, written once)
//                 value u8(1) || nonce[24] || AEAD_master(kKeyCheckPlaintext, ad = "check"||store_id)
//                 key  "key" || 0x00 || subject_ref   (a live subject key, wrapped)
//                 value u8(1) || key_id[32 hex] || nonce[24] ||
//                       AEAD_master(subject_key[32], ad = "key"||0x00||subject_ref||0x00||key_id)
//                 key  "erased" || 0x00 || subject_ref   (tombstone: the key was destroyed)
//                 value u8(1) || event_id[16] of the SubjectErased event || key_id
//                 AEAD = XChaCha20-Poly1305-IETF (libsodium); nonces random.
//
// The head record duplicates the last key of `events` and the h_n in its value, so that the
// loss of the last events (a rewound or truncated log) is detectable: Open() refuses appends
// and Verify() reports kDataLoss when the two disagree.
//
// A checkpoint value is u64be(position), followed (since the head record) by h_position[32],
// the chain hash of the event at that position (32 zero bytes at position 0).

#ifndef CONSENT_STORAGE_LAYOUT_H_
#define CONSENT_STORAGE_LAYOUT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace consent::internal {

inline constexpr const char* kEventsCf = "events";
inline constexpr const char* kStreamsCf = "streams";
inline constexpr const char* kEventIdsCf = "event_ids";
inline constexpr const char* kProjectionsCf = "projections";
inline constexpr const char* kCheckpointsCf = "checkpoints";
inline constexpr const char* kMetaCf = "meta";
inline constexpr const char* kKeysCf = "keys";

inline constexpr uint8_t kEventRecordVersion = 1;
inline constexpr size_t kHashSize = 32;
// Offset of the serialized Event inside an `events` value.
inline constexpr size_t kEventRecordHeaderSize = 1 + kHashSize;

inline constexpr std::string_view kMetaFormatVersion = "format_version";
inline constexpr std::string_view kMetaStoreId = "store_id";
inline constexpr std::string_view kMetaCreatedTime = "created_time";
inline constexpr std::string_view kMetaStreamCount = "stream_count";
inline constexpr std::string_view kMetaHead = "head";

inline void PutU64BE(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  out->append(b, 8);
}

inline uint64_t GetU64BE(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < in.size(); ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

inline std::string PositionKey(uint64_t position) {
  std::string k;
  k.reserve(8);
  PutU64BE(&k, position);
  return k;
}

inline std::string StreamKey(std::string_view stream, uint64_t revision) {
  std::string k;
  k.reserve(stream.size() + 9);
  k.append(stream);
  k.push_back('\0');
  PutU64BE(&k, revision);
  return k;
}

inline std::string ProjectionKey(std::string_view projection, std::string_view key) {
  std::string k;
  k.reserve(projection.size() + 1 + key.size());
  k.append(projection);
  k.push_back('\0');
  k.append(key);
  return k;
}

}  // namespace consent::internal

#endif  // CONSENT_STORAGE_LAYOUT_H_
