// SPDX-License-Identifier: Apache-2.0
// The store's secrets table: rows of the `keys` column family (layout.h), written in the same
// RocksDB WriteBatch as the events of an append, and scrubbed from disk after deletion.
// Internal: the only user is consent::SubjectDirectory (crypto-shredding); never installed, so
// the public EventStore interface does not grow a raw key/value side door.
//
// Thread-safety: every function is safe for concurrent use, like the EventStore itself.
#ifndef CONSENT_STORAGE_SECRETS_H_
#define CONSENT_STORAGE_SECRETS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/event_store.h"
#include "consent/status.h"

namespace consent::internal {

// One row of the secrets table to put (value set) or delete (value std::nullopt).
struct SecretWrite {
  std::string key;
  std::optional<std::string> value;
};

// AppendMulti(appends) that also applies `secrets`, in order, in the same WriteBatch as the
// events: either the events and the secret writes are all stored, or none is. When the append
// is a retry of events already stored (deduplicated) or fails, no secret write is applied.
// Creates the `keys` column family on first use (a store that never uses secrets keeps the
// column families of format version 1 exactly).
// Errors: those of AppendMulti; kUnimplemented when `store` was not opened by EventStore::Open.
StatusOr<MultiAppendResult> AppendWithSecrets(EventStore& store, std::vector<StreamAppend> appends,
                                              std::vector<SecretWrite> secrets,
                                              const AppendOptions& options = {});

// Puts/deletes secret rows without any event (e.g. the master-key check value written once).
Status WriteSecrets(EventStore& store, std::vector<SecretWrite> secrets, bool sync = true);

// The row stored under `key`; std::nullopt when absent (or when no secret was ever written).
StatusOr<std::optional<std::string>> GetSecret(const EventStore& store, std::string_view key);

// Keys of the secret rows that start with `prefix`, in key order (empty when no secret was
// ever written).
StatusOr<std::vector<std::string>> ListSecretKeys(const EventStore& store,
                                                  std::string_view prefix);

// Makes deleted secret rows leave the disk: flushes every column family (so that no live WAL
// holds a write made before this call), compacts the `keys` column family down to the
// bottommost level with tombstones dropped, and waits until RocksDB has deleted the obsolete
// WAL and table files. Then checks that no version of `deleted_keys` remains in the `keys`
// column family, that no WAL older than this call remains, and that every table file in the
// directory is live; retries a few times (a concurrent reader's snapshot can pin an old
// version for a moment). kUnavailable naming what still holds old bytes when it cannot.
// Backups or checkpoints taken earlier hold their own copies: out of scope here.
Status ScrubDeletedSecrets(EventStore& store, const std::vector<std::string>& deleted_keys);

}  // namespace consent::internal

#endif  // CONSENT_STORAGE_SECRETS_H_
