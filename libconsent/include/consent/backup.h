// SPDX-License-Identifier: Apache-2.0
// Backups of a consent::EventStore: taken online, consistent, verifiable without restoring.
//
// A backup is a directory holding a complete copy of the store as of one moment (every event,
// index, projection state and subject-key row committed before it, nothing after), taken while
// appends continue. It is itself a store that can be opened read-only; Restore() copies it into
// place.
//
//   auto info = consent::BackupStore(**store, "/backups/consent-2026-03-02");
//   if (!info.ok()) return fail(info.status());
//   auto checked = consent::VerifyBackup("/backups/consent-2026-03-02");
//   auto restored = consent::RestoreBackup("/backups/consent-2026-03-02", "./consent-data");
//
// Crypto-shredding: a backup keeps the wrapped subject keys that existed when it was taken.
// Erasing a subject in the store does not reach its backups: see docs/operations.md.
//
// Thread-safety: BackupStore may run concurrently with any use of the store. Backup directories
// are not locked: do not restore from or verify a backup that is being written.

#ifndef CONSENT_BACKUP_H_
#define CONSENT_BACKUP_H_

#include <cstdint>
#include <string>

#include "consent/event_store.h"
#include "consent/status.h"

namespace consent {

struct BackupInfo {
  std::string path;            // the backup directory
  std::string store_id;        // the store it was taken from
  uint64_t head_position = 0;  // events in the backup
  std::string head_hash_hex;   // chain hash after the last event: compare with the source's
};

// Writes a backup of `store` into the new directory `dest` (it must not exist; its parent
// must). Table files are hard-linked when `dest` is on the same file system as the store (they
// are immutable), copied otherwise; put backups on another disk to survive the loss of this one.
// Errors: kAlreadyExists (dest exists), kFailedPrecondition (store opened read-only),
// kResourceExhausted (disk full), kUnavailable (I/O). A failed backup leaves no `dest`.
StatusOr<BackupInfo> BackupStore(EventStore& store, const std::string& dest);

// Checks a backup without restoring it: opens it read-only and runs EventStore::Verify over
// the whole log (hash chain, indexes, head record). kDataLoss when it is damaged, kNotFound when
// `backup` holds no store.
StatusOr<BackupInfo> VerifyBackup(const std::string& backup);

// Copies the backup into the new store directory `path` (it must not exist or be empty), after
// verifying it as VerifyBackup does; nothing is left at `path` on failure.
// Errors: those of VerifyBackup, kAlreadyExists (path holds something), kUnavailable (I/O).
StatusOr<BackupInfo> RestoreBackup(const std::string& backup, const std::string& path);

}  // namespace consent

#endif  // CONSENT_BACKUP_H_
