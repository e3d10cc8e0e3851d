// SPDX-License-Identifier: Apache-2.0
// consent::SubjectDirectory — real identities behind pseudonymous subject references, sealed
// per subject so that erasing a subject is destroying one key (crypto-shredding).
//
// Events name people by `subject_ref` only. The directory keeps what a ref stands for (phone
// number, name, a free-text note) in the log itself, as SubjectIdentitySealed events in the
// stream "subject-<ref>", encrypted with the subject's own random key (XChaCha20-Poly1305,
// libsodium). The subject keys live outside the log, in the store's `keys` column family,
// each wrapped (encrypted) by a master key the host supplies (file or environment variable) and
// never stored in clear. EraseSubject deletes the subject's key and appends SubjectErased in
// one atomic write, then makes RocksDB drop every old copy of the key from disk (flush, forced
// compaction, deletion of obsolete WAL and table files). Afterwards the ciphertext still in the
// log is unreadable by anyone, reads return a typed "erased" placeholder, and
// EventStore::Verify() still passes: the hash chain covers the ciphertext, which never changes.
// Out of reach of the scrub: copies made before the erasure (backups, checkpoints, file-system
// snapshots) and disk blocks the file system freed without overwriting them. They hold the
// key only wrapped, so they are safe as long as the master key is; losing the master key loses
// every identity.
//
//   auto key = consent::MasterKey::FromEnvironment();        // LIBCONSENT_MASTER_KEY=<64 hex>
//   if (!key.ok()) return fail(key.status());
//   auto dir = consent::SubjectDirectory::Open(store.get(), *key);
//   consent::Identity who{.phone_number = "+33 6 12 34 56 78", .name = "Jeanne Martin"};
//   auto sealed = (*dir)->SealIdentity("caller-8f2c", consent::v1::PARTY_CALLER, who);
//   auto record = (*dir)->Lookup("caller-8f2c");        // record->identity->name == "Jeanne Martin"
//   auto erased = (*dir)->EraseSubject("caller-8f2c", "dsr-2024-17");
//   record = (*dir)->Lookup("caller-8f2c");             // record->erased, no identity
//
// Thread-safety: a SubjectDirectory is safe for concurrent use by any number of threads. Writes
// for one subject are serialized by a lock striped over subject refs (different subjects
// proceed in parallel and share the store's group commits); reads take no lock. Use one
// SubjectDirectory per store: two instances still never corrupt anything (appends carry the
// expected stream revision), but one may see kAborted from the other's concurrent writes.
//
// Subject references: 1 to 128 bytes of [A-Za-z0-9._:-] (pseudonymous by contract: never a
// phone number or a name). kInvalidArgument otherwise, with context().field = "subject_ref".

#ifndef CONSENT_SUBJECT_DIRECTORY_H_
#define CONSENT_SUBJECT_DIRECTORY_H_

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "consent/event_store.h"
#include "consent/status.h"
#include "consent/v1/event.pb.h"

namespace consent {

// Environment variable read by MasterKey::FromEnvironment() by default.
inline constexpr const char* kMasterKeyEnvironmentVariable = "LIBCONSENT_MASTER_KEY";

// The host's 32-byte key that wraps every subject key of a store. Its bytes are wiped from
// memory when the object is destroyed or moved from, and never appear in a message.
// Thread-safety: a const MasterKey may be read from any number of threads.
class MasterKey {
 public:
  static constexpr size_t kSize = 32;

  // Reads 64 hexadecimal characters (upper or lower case), optionally followed by one newline
  // ("\n" or "\r\n"), from `path`.
  // Errors: kNotFound (no such file), kFailedPrecondition (the file is readable or writable by
  // group or others: chmod 600 it), kInvalidArgument (anything but 64 hex characters; the
  // message gives the length found, never the content), kUnavailable (I/O).
  static StatusOr<MasterKey> FromFile(const std::string& path);
  // Reads 64 hexadecimal characters from the environment variable `variable`.
  // Errors: kNotFound (variable unset or empty), kInvalidArgument (bad format).
  static StatusOr<MasterKey> FromEnvironment(const char* variable = kMasterKeyEnvironmentVariable);
  // 64 hexadecimal characters. kInvalidArgument otherwise.
  static StatusOr<MasterKey> FromHex(std::string_view hex);
  // Exactly kSize raw bytes. kInvalidArgument otherwise.
  static StatusOr<MasterKey> FromBytes(std::string_view bytes);
  // A fresh random key (libsodium's CSPRNG).
  static MasterKey Generate();

  MasterKey(const MasterKey& other);
  MasterKey& operator=(const MasterKey& other);
  MasterKey(MasterKey&& other) noexcept;
  MasterKey& operator=(MasterKey&& other) noexcept;
  ~MasterKey();

  // 64 lower-case hexadecimal characters: for writing a key file. Handle the result as a secret.
  std::string ToHex() const;
  // The raw bytes, valid as long as this object.
  const unsigned char* data() const { return bytes_.data(); }

 private:
  MasterKey() = default;
  std::array<unsigned char, kSize> bytes_{};
};

// What a subject reference stands for. At least one field must be non-empty.
struct Identity {
  // Up to 32 bytes of digits, spaces and "+-.()/". Default: empty.
  std::string phone_number;
  // Up to 256 bytes of UTF-8 without control characters. Default: empty.
  std::string name;
  // Free text, up to 1000 bytes of UTF-8. Default: empty.
  std::string note;

  friend bool operator==(const Identity&, const Identity&) = default;
};

// A subject as the directory knows it. When `erased`, `identity` is empty: that is the typed
// placeholder every read returns once the subject's key is destroyed.
struct IdentityRecord {
  std::string subject_ref;
  v1::Party kind = v1::PARTY_UNSPECIFIED;
  // Id of the subject key (32 lower-case hex characters).
  std::string key_id;
  bool erased = false;
  std::optional<Identity> identity;
  // Position of the latest SubjectIdentitySealed (0: none, e.g. only Seal() was used).
  uint64_t sealed_position = 0;
  // Position of the SubjectErased event (0 while not erased).
  uint64_t erased_position = 0;
};

// A value sealed with a subject's key, for other fields that hold personal data (e.g.
// SubjectRequestReceived.sealed_identity and .key_id).
struct SealedValue {
  std::string key_id;
  // nonce[24] || ciphertext, associated data subject_ref || 0x00 || key_id || 0x00 || "value".
  std::string bytes;
};

// The plaintext of a SealedValue, or the placeholder when the subject was erased.
struct UnsealedValue {
  bool erased = false;
  std::string plaintext;  // empty when erased
};

// Envelope fields of the event a directory write appends.
struct DirectoryWriteOptions {
  // 16 bytes. Default (empty): a new UUIDv7. Retrying a write with the same id returns the
  // first result and writes nothing.
  std::string event_id;
  // When the fact happened. Default: now (system clock).
  std::optional<std::chrono::system_clock::time_point> occur_time;
  // Who recorded it. Default: none.
  v1::Actor actor;
  // Overrides StoreOptions::sync. Default: the store's setting.
  std::optional<bool> sync;
};

struct SealResult {
  std::string subject_ref;
  std::string key_id;
  // Position of the SubjectIdentitySealed event.
  uint64_t position = 0;
  // True when this call created the subject's key.
  bool key_created = false;
  // True when the event id was already stored for this very identity: nothing was written.
  bool deduplicated = false;
};

struct ErasureResult {
  std::string subject_ref;
  // Id of the destroyed key.
  std::string key_id;
  // Position of the SubjectErased event.
  uint64_t position = 0;
  // True when the subject was already erased: the result is the first erasure's.
  bool already_erased = false;
};

class SubjectDirectory {
 public:
  // The directory of `store`, whose subject keys are wrapped by `master_key`. Writes nothing,
  // except to finish an erasure that a crash interrupted after its commit (the scrub of
  // EraseSubject is recorded as pending in the erasure's own atomic write and runs here again).
  // The store's first subject key is written together with a check value sealed by the master
  // key, and from then on Open refuses any other key (a mistyped key used for a command that
  // fails binds nothing).
  // REQUIRES: `store` was opened by EventStore::Open and outlives the directory.
  // Errors: kUnauthenticated (the store's keys were wrapped by another master key),
  // kInvalidArgument (null store), kDataLoss (unreadable check value), kUnavailable/kInternal
  // (including an interrupted erasure whose scrub still cannot finish: open again to retry).
  static StatusOr<std::unique_ptr<SubjectDirectory>> Open(EventStore* store,
                                                          const MasterKey& master_key);

  virtual ~SubjectDirectory() = default;
  SubjectDirectory(const SubjectDirectory&) = delete;
  SubjectDirectory& operator=(const SubjectDirectory&) = delete;

  // Seals `identity` with the subject's key (created, with a new key id, on first use: the
  // wrapped key and the event land in one atomic write) and appends SubjectIdentitySealed to
  // "subject-<ref>". A later seal replaces what Lookup returns; earlier ones stay in the log.
  // Errors: kInvalidArgument (bad ref, kind not caller/agent, empty or over-long identity,
  // bad event id; context().field names the field), kFailedPrecondition (subject erased),
  // kAlreadyExists (event id reused for something else), kAborted (concurrent writer on the
  // stream), kUnavailable/kInternal (storage). On error nothing is written.
  virtual StatusOr<SealResult> SealIdentity(std::string_view subject_ref, v1::Party kind,
                                            const Identity& identity,
                                            const DirectoryWriteOptions& options = {}) = 0;

  // The subject's latest identity, or the erased placeholder.
  // Errors: kInvalidArgument (bad ref), kNotFound (unknown subject: no sealed identity, no key),
  // kDataLoss (ciphertext or wrapped key does not authenticate), kUnavailable/kInternal.
  virtual StatusOr<IdentityRecord> Lookup(std::string_view subject_ref) const = 0;

  // Seals `plaintext` (at most 64 KiB) with the subject's key, creating the key (without any
  // event) on first use. Errors: kInvalidArgument, kFailedPrecondition (subject erased),
  // kUnavailable/kInternal.
  virtual StatusOr<SealedValue> Seal(std::string_view subject_ref, std::string_view plaintext) = 0;

  // Opens a value sealed by Seal() for the same subject. Once the subject is erased: OK with
  // the placeholder (erased = true), never an error. Errors: kInvalidArgument (bad ref),
  // kNotFound (unknown subject), kDataLoss (key id of another key, or bytes that do not
  // authenticate: tampered, or sealed for another subject).
  virtual StatusOr<UnsealedValue> Unseal(std::string_view subject_ref,
                                         const SealedValue& sealed) const = 0;

  // Destroys the subject's key and appends SubjectErased {subject_ref, key_id, request_id} to
  // "subject-<ref>" in the same atomic write (which also records the scrub as pending, so that
  // a crash before the scrub ends is made good by the next Open), then scrubs the disk: flush of every column
  // family, forced bottommost compaction of the keys, then a check that no version of the key
  // row, no WAL file older than the erasure and no obsolete table file remains (typically
  // 10-100 ms: call it off the hot path). Idempotent: erasing an erased subject appends
  // nothing, returns the first erasure's result with already_erased = true, and runs the scrub
  // again (so that a failed scrub can be retried).
  // Errors: kInvalidArgument (bad ref or request id, at most 128 bytes of the ref alphabet),
  // kNotFound (no key for this subject: nothing to erase), kAborted, kUnavailable with
  // context().position = the SubjectErased position when the erasure is committed but the
  // scrub could not finish (a reader's snapshot pinned old bytes): call again.
  virtual StatusOr<ErasureResult> EraseSubject(std::string_view subject_ref,
                                               std::string_view request_id = "",
                                               const DirectoryWriteOptions& options = {}) = 0;

  // Whether the subject's key was destroyed. kInvalidArgument for a bad ref.
  virtual StatusOr<bool> IsErased(std::string_view subject_ref) const = 0;

 protected:
  SubjectDirectory() = default;
};

// "subject-<ref>": the stream of a subject's directory events.
std::string SubjectStream(std::string_view subject_ref);

// Checks a subject reference (see the top of this file). kInvalidArgument otherwise.
Status ValidateSubjectRef(std::string_view subject_ref);

// Everything SealIdentity checks about an identity (see Identity), without a store: lets a tool
// refuse bad input before opening or creating anything. kInvalidArgument with context().field.
Status ValidateIdentity(const Identity& identity);

}  // namespace consent

#endif  // CONSENT_SUBJECT_DIRECTORY_H_
