// SPDX-License-Identifier: Apache-2.0
// SubjectDirectory on the store's secrets table (storage/secrets.h). Row layout: storage/layout.h
// ("keys"). Sealed formats: crypto/aead.h. Associated data binds every ciphertext to its place:
//   check value     "check" || 0x00 || store_id
//   wrapped key     "key" || 0x00 || subject_ref || 0x00 || key_id
//   identity        subject_ref || 0x00 || key_id || 0x00 || "identity"
//   sealed value    subject_ref || 0x00 || key_id || 0x00 || "value"
// so that no ciphertext can be moved to another subject, key or purpose and still open.
//
// Unwrapped subject keys are never cached: each read unwraps (one AEAD open, ~1 µs), so that an
// erased key cannot linger in a cache of this process.

#include "consent/subject_directory.h"

#include <array>
#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "consent/event_id.h"
#include "crypto/aead.h"
#include "crypto/subject_directory_testing.h"
#include "internal/validation.h"
#include "storage/secrets.h"

namespace consent {

std::string SubjectStream(std::string_view subject_ref) {
  return "subject-" + std::string(subject_ref);
}

namespace {

constexpr size_t kMaxRefBytes = 128;
constexpr size_t kMaxPhoneBytes = 32;
constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxNoteBytes = 1000;
constexpr size_t kMaxSealBytes = 64 * 1024;
constexpr size_t kKeyIdChars = 32;
constexpr uint8_t kRowVersion = 1;
constexpr uint8_t kIdentityEncodingVersion = 1;
constexpr std::string_view kCheckRow = "check";
constexpr std::string_view kCheckPlaintext = "libconsent subject directory master key check v1";

std::string Quote(std::string_view s) {
  std::string out = "\"";
  out.append(s.substr(0, 64));
  if (s.size() > 64) out += "...";
  return out + "\"";
}

bool IsRefChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

Status CheckToken(std::string_view value, std::string_view field, std::string_view op,
                  bool allow_empty) {
  ErrorContext ctx;
  ctx.field = std::string(field);
  if (value.empty()) {
    if (allow_empty) return Status();
    return InvalidArgumentError(std::string(op) + ": " + std::string(field) + " is empty", ctx);
  }
  if (value.size() > kMaxRefBytes) {
    return InvalidArgumentError(std::string(op) + ": " + std::string(field) + " is " +
                                    std::to_string(value.size()) + " bytes, at most " +
                                    std::to_string(kMaxRefBytes) + " allowed",
                                ctx);
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (!IsRefChar(value[i])) {
      return InvalidArgumentError(std::string(op) + ": " + std::string(field) + " has a character " +
                                      "outside [A-Za-z0-9._:-] at byte " + std::to_string(i),
                                  ctx);
    }
  }
  return Status();
}

std::string KeyRow(std::string_view ref) {
  std::string k = "key";
  k.push_back('\0');
  k.append(ref);
  return k;
}
std::string ErasedRow(std::string_view ref) {
  std::string k = "erased";
  k.push_back('\0');
  k.append(ref);
  return k;
}
// Present from the erasure's commit until its scrub has finished: an erasure interrupted in
// between (a crash) is finished by the next SubjectDirectory::Open.
constexpr std::string_view kPendingScrubPrefix{"scrub\0", 6};
std::string PendingScrubRow(std::string_view ref) {
  std::string k(kPendingScrubPrefix);
  k.append(ref);
  return k;
}

std::atomic<void (*)()> erase_committed_hook{nullptr};
std::string WrapAd(std::string_view ref, std::string_view key_id) {
  std::string ad = KeyRow(ref);
  ad.push_back('\0');
  ad.append(key_id);
  return ad;
}
std::string DataAd(std::string_view ref, std::string_view key_id, std::string_view purpose) {
  std::string ad(ref);
  ad.push_back('\0');
  ad.append(key_id);
  ad.push_back('\0');
  ad.append(purpose);
  return ad;
}

void PutU32LE(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string EncodeIdentity(const Identity& id) {
  std::string out;
  out.push_back(static_cast<char>(kIdentityEncodingVersion));
  for (const std::string* f : {&id.phone_number, &id.name, &id.note}) {
    PutU32LE(&out, static_cast<uint32_t>(f->size()));
    out.append(*f);
  }
  return out;
}

bool DecodeIdentity(std::string_view in, Identity* out) {
  if (in.empty() || static_cast<uint8_t>(in[0]) != kIdentityEncodingVersion) return false;
  in.remove_prefix(1);
  for (std::string* f : {&out->phone_number, &out->name, &out->note}) {
    if (in.size() < 4) return false;
    uint32_t n = 0;
    for (int i = 3; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(in[static_cast<size_t>(i)]);
    in.remove_prefix(4);
    if (in.size() < n) return false;
    f->assign(in.substr(0, n));
    in.remove_prefix(n);
  }
  return in.empty();
}

Status CheckIdentity(const Identity& id, std::string_view op) {
  auto bad = [&](const char* field, std::string why) {
    ErrorContext ctx;
    ctx.field = std::string("identity.") + field;
    return InvalidArgumentError(std::string(op) + ": identity." + field + " " + why, std::move(ctx));
  };
  if (id.phone_number.empty() && id.name.empty() && id.note.empty()) {
    ErrorContext ctx;
    ctx.field = "identity";
    return InvalidArgumentError(std::string(op) + ": identity is empty (give a phone number, a name or a note)",
                                std::move(ctx));
  }
  if (id.phone_number.size() > kMaxPhoneBytes) {
    return bad("phone_number", "is " + std::to_string(id.phone_number.size()) + " bytes, at most " +
                                   std::to_string(kMaxPhoneBytes) + " allowed");
  }
  for (char c : id.phone_number) {
    if (!((c >= '0' && c <= '9') || c == ' ' || c == '+' || c == '-' || c == '.' || c == '(' ||
          c == ')' || c == '/')) {
      return bad("phone_number", "may hold only digits, spaces and \"+-.()/\"");
    }
  }
  if (id.name.size() > kMaxNameBytes) {
    return bad("name", "is " + std::to_string(id.name.size()) + " bytes, at most " +
                           std::to_string(kMaxNameBytes) + " allowed");
  }
  if (!internal::IsValidUtf8(id.name)) return bad("name", "is not valid UTF-8");
  for (unsigned char c : id.name) {
    if (c < 0x20 || c == 0x7F) return bad("name", "contains a control character");
  }
  if (id.note.size() > kMaxNoteBytes) {
    return bad("note", "is " + std::to_string(id.note.size()) + " bytes, at most " +
                           std::to_string(kMaxNoteBytes) + " allowed");
  }
  if (!internal::IsValidUtf8(id.note)) return bad("note", "is not valid UTF-8");
  if (id.note.find('\0') != std::string::npos) return bad("note", "contains a NUL byte");
  return Status();
}

struct Tombstone {
  std::string event_id;
  std::string key_id;
};

std::string EncodeTombstone(std::string_view event_id, std::string_view key_id) {
  std::string v;
  v.push_back(static_cast<char>(kRowVersion));
  v.append(event_id);
  v.append(key_id);
  return v;
}

// Scrubs the deleted key rows of `refs` from disk, then clears their pending-scrub rows.
Status FinishScrubs(EventStore& store, const std::vector<std::string>& refs) {
  std::vector<std::string> key_rows;
  std::vector<internal::SecretWrite> done;
  for (const std::string& ref : refs) {
    key_rows.push_back(KeyRow(ref));
    done.push_back(internal::SecretWrite{PendingScrubRow(ref), std::nullopt});
  }
  CONSENT_RETURN_IF_ERROR(internal::ScrubDeletedSecrets(store, key_rows));
  return internal::WriteSecrets(store, std::move(done), /*sync=*/true);
}

// Finishes the erasures a crash interrupted between their commit and their scrub.
Status FinishPendingScrubs(EventStore& store, const std::string& op) {
  CONSENT_ASSIGN_OR_RETURN(std::vector<std::string> rows,
                           internal::ListSecretKeys(store, kPendingScrubPrefix));
  if (rows.empty()) return Status();
  std::vector<std::string> refs;
  for (const std::string& row : rows) refs.push_back(row.substr(kPendingScrubPrefix.size()));
  Status s = FinishScrubs(store, refs);
  if (s.ok()) return s;
  return Status(s.code(),
                op + ": " + std::to_string(refs.size()) + " erased subject" +
                    (refs.size() == 1 ? "" : "s") + " (first \"" + refs.front().substr(0, 64) +
                    "\") still have old key bytes on disk and the scrub could not finish: " +
                    s.message() + "; open the directory again to retry",
                s.context());
}

class SubjectDirectoryImpl final : public SubjectDirectory {
 public:
  // `pending_check`: the master-key check row to write with the store's first subject key
  // ("" when the store has one already).
  SubjectDirectoryImpl(EventStore* store, const MasterKey& key, std::string pending_check)
      : store_(store), master_(key), pending_check_(std::move(pending_check)),
        check_written_(pending_check_.empty()) {}

  StatusOr<SealResult> SealIdentity(std::string_view subject_ref, v1::Party kind,
                                    const Identity& identity,
                                    const DirectoryWriteOptions& options) override;
  StatusOr<IdentityRecord> Lookup(std::string_view subject_ref) const override;
  StatusOr<SealedValue> Seal(std::string_view subject_ref, std::string_view plaintext) override;
  StatusOr<UnsealedValue> Unseal(std::string_view subject_ref,
                                 const SealedValue& sealed) const override;
  StatusOr<ErasureResult> EraseSubject(std::string_view subject_ref, std::string_view request_id,
                                       const DirectoryWriteOptions& options) override;
  StatusOr<bool> IsErased(std::string_view subject_ref) const override;

 private:
  struct SubjectKey {
    std::string key_id;
    internal::KeyBytes key;
  };
  std::mutex& LockFor(std::string_view ref) {
    return locks_[std::hash<std::string_view>{}(ref) % locks_.size()];
  }
  StatusOr<std::optional<Tombstone>> ReadTombstone(std::string_view ref, std::string_view op) const;
  // The subject's key, unwrapped; std::nullopt when it has none.
  StatusOr<std::optional<SubjectKey>> ReadKey(std::string_view ref, std::string_view op) const;
  // A new key and its wrapped row.
  std::pair<SubjectKey, internal::SecretWrite> NewKey(std::string_view ref) const;
  StatusOr<Event> MakeEvent(const DirectoryWriteOptions& options, std::string_view op) const;
  uint64_t PositionOf(const std::string& event_id) const {
    auto p = store_->FindEvent(event_id);
    return p.ok() ? *p : 0;
  }

  // Adds the check row to the writes of a new key until one such write succeeded: a store is
  // bound to a master key by its first subject key, not by a mere Open (a mistyped key used
  // for a refused command must not lock the store out of its real key).
  void AddCheckIfPending(std::vector<internal::SecretWrite>* secrets) const {
    if (!check_written_.load(std::memory_order_acquire)) {
      secrets->push_back(internal::SecretWrite{std::string(kCheckRow), pending_check_});
    }
  }
  void CheckWritten() { check_written_.store(true, std::memory_order_release); }

  EventStore* const store_;
  const MasterKey master_;
  std::array<std::mutex, 64> locks_;
  const std::string pending_check_;
  std::atomic<bool> check_written_;
};

StatusOr<std::optional<Tombstone>> SubjectDirectoryImpl::ReadTombstone(std::string_view ref,
                                                                       std::string_view op) const {
  CONSENT_ASSIGN_OR_RETURN(std::optional<std::string> row, internal::GetSecret(*store_, ErasedRow(ref)));
  if (!row) return std::optional<Tombstone>();
  if (row->size() < 1 + 16 || static_cast<uint8_t>((*row)[0]) != kRowVersion) {
    return DataLossError(std::string(op) + ": erasure record of subject " + Quote(ref) + " is malformed");
  }
  Tombstone t;
  t.event_id = row->substr(1, 16);
  t.key_id = row->substr(17);
  return std::optional<Tombstone>(std::move(t));
}

StatusOr<std::optional<SubjectDirectoryImpl::SubjectKey>> SubjectDirectoryImpl::ReadKey(
    std::string_view ref, std::string_view op) const {
  CONSENT_ASSIGN_OR_RETURN(std::optional<std::string> row, internal::GetSecret(*store_, KeyRow(ref)));
  if (!row) return std::optional<SubjectKey>();
  if (row->size() < 1 + kKeyIdChars || static_cast<uint8_t>((*row)[0]) != kRowVersion) {
    internal::Wipe(&*row);
    return DataLossError(std::string(op) + ": wrapped key of subject " + Quote(ref) + " is malformed");
  }
  SubjectKey k;
  k.key_id = row->substr(1, kKeyIdChars);
  std::string plain;
  const bool ok = internal::AeadOpen(master_.data(), std::string_view(*row).substr(1 + kKeyIdChars),
                                     WrapAd(ref, k.key_id), &plain);
  internal::Wipe(&*row);
  if (!ok || plain.size() != internal::kAeadKeySize) {
    internal::Wipe(&plain);
    return DataLossError(std::string(op) + ": wrapped key of subject " + Quote(ref) +
                         " does not authenticate under the master key");
  }
  std::memcpy(k.key.data(), plain.data(), internal::kAeadKeySize);
  internal::Wipe(&plain);
  return std::optional<SubjectKey>(std::move(k));
}

std::pair<SubjectDirectoryImpl::SubjectKey, internal::SecretWrite> SubjectDirectoryImpl::NewKey(
    std::string_view ref) const {
  SubjectKey k;
  k.key = internal::KeyBytes::Random();
  k.key_id = internal::Hex(internal::RandomBytes(kKeyIdChars / 2));
  std::string row;
  row.push_back(static_cast<char>(kRowVersion));
  row.append(k.key_id);
  row.append(internal::AeadSeal(master_.data(), k.key.view(), WrapAd(ref, k.key_id)));
  return {std::move(k), internal::SecretWrite{KeyRow(ref), std::move(row)}};
}

StatusOr<Event> SubjectDirectoryImpl::MakeEvent(const DirectoryWriteOptions& options,
                                                std::string_view op) const {
  Event e;
  if (options.event_id.empty()) {
    e.set_event_id(NewEventId());
  } else if (options.event_id.size() != 16) {
    ErrorContext ctx;
    ctx.field = "event_id";
    return InvalidArgumentError(std::string(op) + ": event_id must be 16 bytes, got " +
                                    std::to_string(options.event_id.size()),
                                std::move(ctx));
  } else {
    e.set_event_id(options.event_id);
  }
  *e.mutable_occur_time() = ToTimestamp(options.occur_time.value_or(std::chrono::system_clock::now()));
  if (options.actor.ByteSizeLong() > 0) *e.mutable_actor() = options.actor;
  return e;
}

StatusOr<SealResult> SubjectDirectoryImpl::SealIdentity(std::string_view subject_ref, v1::Party kind,
                                                        const Identity& identity,
                                                        const DirectoryWriteOptions& options) {
  const std::string op = "SealIdentity(subject " + Quote(subject_ref) + ")";
  CONSENT_RETURN_IF_ERROR(CheckToken(subject_ref, "subject_ref", op, false));
  if (kind != v1::PARTY_CALLER && kind != v1::PARTY_AGENT) {
    ErrorContext ctx;
    ctx.field = "subject_kind";
    return InvalidArgumentError(op + ": kind must be PARTY_CALLER or PARTY_AGENT", std::move(ctx));
  }
  CONSENT_RETURN_IF_ERROR(CheckIdentity(identity, op));
  CONSENT_ASSIGN_OR_RETURN(Event event, MakeEvent(options, op));
  const std::string stream = SubjectStream(subject_ref);

  std::lock_guard<std::mutex> lock(LockFor(subject_ref));
  CONSENT_ASSIGN_OR_RETURN(std::optional<Tombstone> erased, ReadTombstone(subject_ref, op));
  if (erased) {
    ErrorContext ctx;
    ctx.field = "subject_ref";
    ctx.position = PositionOf(erased->event_id);
    return FailedPreconditionError(op + ": the subject was erased (position " +
                                       std::to_string(*ctx.position) +
                                       "); a new identity needs a new subject_ref",
                                   std::move(ctx));
  }
  CONSENT_ASSIGN_OR_RETURN(std::optional<SubjectKey> key, ReadKey(subject_ref, op));

  // A retried call: the event id is stored already.
  if (!options.event_id.empty()) {
    auto found = store_->FindEvent(options.event_id);
    if (found.ok()) {
      auto stored = store_->ReadEvent(*found);
      if (!stored.ok()) return stored.status();
      ErrorContext ctx;
      ctx.field = "event_id";
      ctx.position = *found;
      if (key && stored->has_subject_identity_sealed() && stored->stream_id() == stream) {
        const auto& s = stored->subject_identity_sealed();
        std::string plain;
        Identity previous;
        const bool same =
            s.key_id() == key->key_id && s.subject_kind() == kind &&
            internal::AeadOpen(key->key.data(), s.sealed_identity(),
                               DataAd(subject_ref, key->key_id, "identity"), &plain) &&
            DecodeIdentity(plain, &previous) && previous == identity;
        internal::Wipe(&plain);
        if (same) {
          return SealResult{std::string(subject_ref), key->key_id, *found, false, true};
        }
      }
      return AlreadyExistsError(op + ": event id " + EventIdToString(options.event_id) +
                                    " is already stored at position " + std::to_string(*found) +
                                    " for another fact",
                                std::move(ctx));
    } else if (found.status().code() != StatusCode::kNotFound) {
      return found.status();
    }
  }

  std::vector<internal::SecretWrite> secrets;
  bool created = false;
  if (!key) {
    auto fresh = NewKey(subject_ref);
    key = std::move(fresh.first);
    secrets.push_back(std::move(fresh.second));
    AddCheckIfPending(&secrets);
    created = true;
  }
  std::string plain = EncodeIdentity(identity);
  auto* sealed = event.mutable_subject_identity_sealed();
  sealed->set_subject_ref(std::string(subject_ref));
  sealed->set_subject_kind(kind);
  sealed->set_key_id(key->key_id);
  sealed->set_cipher(internal::kAeadCipherName);
  sealed->set_sealed_identity(
      internal::AeadSeal(key->key.data(), plain, DataAd(subject_ref, key->key_id, "identity")));
  internal::Wipe(&plain);

  CONSENT_ASSIGN_OR_RETURN(int64_t revision, store_->StreamRevision(stream));
  std::vector<StreamAppend> appends(1);
  appends[0].stream = stream;
  appends[0].expected_revision = revision;  // kNoStream (-1) when new
  appends[0].events.push_back(std::move(event));
  AppendOptions ao;
  ao.sync = options.sync;
  auto r = internal::AppendWithSecrets(*store_, std::move(appends), std::move(secrets), ao);
  if (!r.ok()) return r.status().Annotate("SealIdentity");
  if (created) CheckWritten();
  return SealResult{std::string(subject_ref), key->key_id, r->last_position, created, false};
}

StatusOr<IdentityRecord> SubjectDirectoryImpl::Lookup(std::string_view subject_ref) const {
  const std::string op = "Lookup(subject " + Quote(subject_ref) + ")";
  CONSENT_RETURN_IF_ERROR(CheckToken(subject_ref, "subject_ref", op, false));
  IdentityRecord rec;
  rec.subject_ref = std::string(subject_ref);
  std::optional<Event> latest;
  auto events = store_->ReadStream(SubjectStream(subject_ref));
  if (events.ok()) {
    for (Event& e : *events) {
      if (e.has_subject_identity_sealed() && e.subject_identity_sealed().subject_ref() == subject_ref) {
        latest = std::move(e);
      } else if (e.has_subject_erased() && e.subject_erased().subject_ref() == subject_ref) {
        rec.erased = true;
        rec.erased_position = e.position();
        rec.key_id = e.subject_erased().key_id();
      }
    }
  } else if (events.status().code() != StatusCode::kNotFound) {
    return events.status();
  }
  if (latest) {
    rec.sealed_position = latest->position();
    rec.kind = latest->subject_identity_sealed().subject_kind();
    if (rec.key_id.empty()) rec.key_id = latest->subject_identity_sealed().key_id();
  }
  auto placeholder = [&](const Tombstone& t) {
    rec.erased = true;
    rec.identity.reset();
    if (rec.erased_position == 0) rec.erased_position = PositionOf(t.event_id);
    if (rec.key_id.empty()) rec.key_id = t.key_id;
    return rec;
  };
  CONSENT_ASSIGN_OR_RETURN(std::optional<Tombstone> erased, ReadTombstone(subject_ref, op));
  if (erased) return placeholder(*erased);
  if (rec.erased) return rec;  // SubjectErased in the log: treat as erased whatever the keys say
  CONSENT_ASSIGN_OR_RETURN(std::optional<SubjectKey> key, ReadKey(subject_ref, op));
  if (!key) {
    // Erased between the reads above?
    CONSENT_ASSIGN_OR_RETURN(erased, ReadTombstone(subject_ref, op));
    if (erased) return placeholder(*erased);
    if (!latest) {
      ErrorContext ctx;
      ctx.field = "subject_ref";
      return NotFoundError(op + ": unknown subject (no identity sealed, no key)", std::move(ctx));
    }
    ErrorContext ctx;
    ctx.position = rec.sealed_position;
    return DataLossError(op + ": the key sealing the identity at position " +
                             std::to_string(rec.sealed_position) + " is missing, and no erasure is recorded",
                         std::move(ctx));
  }
  if (!latest) {
    rec.key_id = key->key_id;
    return rec;  // a key made by Seal(), no identity yet
  }
  const auto& s = latest->subject_identity_sealed();
  if (s.key_id() != key->key_id) {
    ErrorContext ctx;
    ctx.position = rec.sealed_position;
    return DataLossError(op + ": identity at position " + std::to_string(rec.sealed_position) +
                             " is sealed by key " + s.key_id() + ", the subject's key is " + key->key_id,
                         std::move(ctx));
  }
  std::string plain;
  Identity identity;
  const bool ok = internal::AeadOpen(key->key.data(), s.sealed_identity(),
                                     DataAd(subject_ref, key->key_id, "identity"), &plain) &&
                  DecodeIdentity(plain, &identity);
  internal::Wipe(&plain);
  if (!ok) {
    ErrorContext ctx;
    ctx.position = rec.sealed_position;
    return DataLossError(op + ": identity at position " + std::to_string(rec.sealed_position) +
                             " does not authenticate under the subject's key",
                         std::move(ctx));
  }
  rec.identity = std::move(identity);
  return rec;
}

StatusOr<SealedValue> SubjectDirectoryImpl::Seal(std::string_view subject_ref,
                                                 std::string_view plaintext) {
  const std::string op = "Seal(subject " + Quote(subject_ref) + ")";
  CONSENT_RETURN_IF_ERROR(CheckToken(subject_ref, "subject_ref", op, false));
  if (plaintext.size() > kMaxSealBytes) {
    ErrorContext ctx;
    ctx.field = "plaintext";
    return InvalidArgumentError(op + ": plaintext is " + std::to_string(plaintext.size()) +
                                    " bytes, at most " + std::to_string(kMaxSealBytes) + " allowed",
                                std::move(ctx));
  }
  std::lock_guard<std::mutex> lock(LockFor(subject_ref));
  CONSENT_ASSIGN_OR_RETURN(std::optional<Tombstone> erased, ReadTombstone(subject_ref, op));
  if (erased) {
    ErrorContext ctx;
    ctx.field = "subject_ref";
    ctx.position = PositionOf(erased->event_id);
    return FailedPreconditionError(op + ": the subject was erased (position " +
                                       std::to_string(*ctx.position) + ")",
                                   std::move(ctx));
  }
  CONSENT_ASSIGN_OR_RETURN(std::optional<SubjectKey> key, ReadKey(subject_ref, op));
  if (!key) {
    auto fresh = NewKey(subject_ref);
    std::vector<internal::SecretWrite> secrets;
    secrets.push_back(std::move(fresh.second));
    AddCheckIfPending(&secrets);
    CONSENT_RETURN_IF_ERROR(internal::WriteSecrets(*store_, std::move(secrets), true));
    CheckWritten();
    key = std::move(fresh.first);
  }
  SealedValue v;
  v.key_id = key->key_id;
  v.bytes = internal::AeadSeal(key->key.data(), plaintext, DataAd(subject_ref, key->key_id, "value"));
  return v;
}

StatusOr<UnsealedValue> SubjectDirectoryImpl::Unseal(std::string_view subject_ref,
                                                     const SealedValue& sealed) const {
  const std::string op = "Unseal(subject " + Quote(subject_ref) + ")";
  CONSENT_RETURN_IF_ERROR(CheckToken(subject_ref, "subject_ref", op, false));
  for (int pass = 0; pass < 2; ++pass) {
    CONSENT_ASSIGN_OR_RETURN(std::optional<Tombstone> erased, ReadTombstone(subject_ref, op));
    if (erased) return UnsealedValue{true, ""};
    if (pass == 1) break;
    CONSENT_ASSIGN_OR_RETURN(std::optional<SubjectKey> key, ReadKey(subject_ref, op));
    if (!key) continue;  // erased meanwhile, or unknown: the second pass tells
    if (sealed.key_id != key->key_id) {
      ErrorContext ctx;
      ctx.field = "key_id";
      return DataLossError(op + ": value sealed by key " + Quote(sealed.key_id) +
                               ", the subject's key is " + key->key_id,
                           std::move(ctx));
    }
    UnsealedValue out;
    if (!internal::AeadOpen(key->key.data(), sealed.bytes, DataAd(subject_ref, key->key_id, "value"),
                            &out.plaintext)) {
      return DataLossError(op + ": sealed value does not authenticate (tampered, or sealed for "
                                "another subject)");
    }
    return out;
  }
  ErrorContext ctx;
  ctx.field = "subject_ref";
  return NotFoundError(op + ": unknown subject (no key)", std::move(ctx));
}

StatusOr<ErasureResult> SubjectDirectoryImpl::EraseSubject(std::string_view subject_ref,
                                                           std::string_view request_id,
                                                           const DirectoryWriteOptions& options) {
  const std::string op = "EraseSubject(subject " + Quote(subject_ref) + ")";
  CONSENT_RETURN_IF_ERROR(CheckToken(subject_ref, "subject_ref", op, false));
  CONSENT_RETURN_IF_ERROR(CheckToken(request_id, "request_id", op, true));
  CONSENT_ASSIGN_OR_RETURN(Event event, MakeEvent(options, op));
  const std::string stream = SubjectStream(subject_ref);
  ErasureResult result;
  result.subject_ref = std::string(subject_ref);
  {
    std::lock_guard<std::mutex> lock(LockFor(subject_ref));
    CONSENT_ASSIGN_OR_RETURN(std::optional<Tombstone> erased, ReadTombstone(subject_ref, op));
    if (erased) {
      result.key_id = erased->key_id;
      result.position = PositionOf(erased->event_id);
      result.already_erased = true;
    } else {
      // The key row is read raw: erasure must work even if the key does not unwrap.
      CONSENT_ASSIGN_OR_RETURN(std::optional<std::string> row,
                               internal::GetSecret(*store_, KeyRow(subject_ref)));
      if (!row) {
        ErrorContext ctx;
        ctx.field = "subject_ref";
        return NotFoundError(op + ": unknown subject (no key in the directory): nothing to erase",
                             std::move(ctx));
      }
      result.key_id = row->size() >= 1 + kKeyIdChars ? row->substr(1, kKeyIdChars) : "";
      internal::Wipe(&*row);
      auto* e = event.mutable_subject_erased();
      e->set_subject_ref(std::string(subject_ref));
      e->set_key_id(result.key_id);
      e->set_request_id(std::string(request_id));
      std::vector<internal::SecretWrite> secrets;
      secrets.push_back(internal::SecretWrite{KeyRow(subject_ref), std::nullopt});
      secrets.push_back(internal::SecretWrite{ErasedRow(subject_ref),
                                              EncodeTombstone(event.event_id(), result.key_id)});
      secrets.push_back(internal::SecretWrite{PendingScrubRow(subject_ref),
                                              std::string(1, static_cast<char>(kRowVersion))});
      CONSENT_ASSIGN_OR_RETURN(int64_t revision, store_->StreamRevision(stream));
      std::vector<StreamAppend> appends(1);
      appends[0].stream = stream;
      appends[0].expected_revision = revision;
      appends[0].events.push_back(std::move(event));
      AppendOptions ao;
      ao.sync = options.sync;
      auto r = internal::AppendWithSecrets(*store_, std::move(appends), std::move(secrets), ao);
      if (!r.ok()) return r.status().Annotate("EraseSubject");
      if (r->deduplicated) {
        ErrorContext ctx;
        ctx.field = "event_id";
        ctx.position = r->last_position;
        return AlreadyExistsError(op + ": the event id is already stored (position " +
                                      std::to_string(r->last_position) +
                                      ") by another writer; the key was NOT destroyed; retry with a new id",
                                  std::move(ctx));
      }
      result.position = r->last_position;
    }
  }
  if (auto hook = erase_committed_hook.load()) hook();
  Status scrub = FinishScrubs(*store_, {std::string(subject_ref)});
  if (!scrub.ok()) {
    ErrorContext ctx = scrub.context();
    ctx.position = result.position;
    return Status(scrub.code(),
                  op + ": erasure committed at position " + std::to_string(result.position) +
                      " but old key bytes may remain on disk: " + scrub.message() +
                      "; call EraseSubject again to retry the scrub",
                  std::move(ctx));
  }
  return result;
}

StatusOr<bool> SubjectDirectoryImpl::IsErased(std::string_view subject_ref) const {
  const std::string op = "IsErased(subject " + Quote(subject_ref) + ")";
  CONSENT_RETURN_IF_ERROR(CheckToken(subject_ref, "subject_ref", op, false));
  CONSENT_ASSIGN_OR_RETURN(std::optional<Tombstone> erased, ReadTombstone(subject_ref, op));
  return erased.has_value();
}

}  // namespace

namespace internal {
void SetEraseCommittedHookForTesting(void (*hook)()) { erase_committed_hook.store(hook); }
}  // namespace internal

Status ValidateSubjectRef(std::string_view subject_ref) {
  return CheckToken(subject_ref, "subject_ref", "ValidateSubjectRef", false);
}

Status ValidateIdentity(const Identity& identity) {
  return CheckIdentity(identity, "ValidateIdentity");
}

StatusOr<std::unique_ptr<SubjectDirectory>> SubjectDirectory::Open(EventStore* store,
                                                                   const MasterKey& master_key) {
  if (store == nullptr) return InvalidArgumentError("SubjectDirectory::Open: store is null");
  internal::EnsureSodium();
  CONSENT_ASSIGN_OR_RETURN(StoreStats stats, store->Stats());
  const std::string op = "SubjectDirectory::Open(store " + Quote(stats.path) + ")";
  std::string ad(kCheckRow);
  ad.push_back('\0');
  ad.append(stats.store_id);
  CONSENT_ASSIGN_OR_RETURN(std::optional<std::string> check,
                           internal::GetSecret(*store, std::string(kCheckRow)));
  if (check) {
    std::string plain;
    if (check->empty() || static_cast<uint8_t>((*check)[0]) != kRowVersion) {
      return DataLossError(op + ": the master-key check value is malformed");
    }
    if (!internal::AeadOpen(master_key.data(), std::string_view(*check).substr(1), ad, &plain) ||
        plain != kCheckPlaintext) {
      return Status(StatusCode::kUnauthenticated,
                    op + ": wrong master key: this store's subject keys are wrapped by another one");
    }
    CONSENT_RETURN_IF_ERROR(FinishPendingScrubs(*store, op));
    return std::unique_ptr<SubjectDirectory>(new SubjectDirectoryImpl(store, master_key, ""));
  }
  // No subject key yet: the check row goes with the first one (AddCheckIfPending).
  std::string row;
  row.push_back(static_cast<char>(kRowVersion));
  row.append(internal::AeadSeal(master_key.data(), kCheckPlaintext, ad));
  return std::unique_ptr<SubjectDirectory>(new SubjectDirectoryImpl(store, master_key, std::move(row)));
}

}  // namespace consent
