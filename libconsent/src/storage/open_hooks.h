// SPDX-License-Identifier: Apache-2.0
// Operations on an EventStore below its public interface, for the library's own code and tests.
#ifndef CONSENT_STORAGE_OPEN_HOOKS_H_
#define CONSENT_STORAGE_OPEN_HOOKS_H_

#include <rocksdb/file_system.h>

#include <memory>
#include <string>

#include "consent/event_store.h"

namespace consent::internal {

// EventStore::Open with every file operation going through `fs` (tests inject faults, e.g. a
// full disk, this way). `fs` must outlive the store.
StatusOr<std::unique_ptr<EventStore>> OpenWithFileSystem(const StoreOptions& options,
                                                         const std::string& path,
                                                         std::shared_ptr<rocksdb::FileSystem> fs);

// Writes a consistent copy of the store's files into the new directory `dest` (RocksDB
// Checkpoint: memtables flushed, table files hard-linked when possible). The store keeps
// accepting appends meanwhile; the copy holds exactly the events committed before it.
Status CreateCheckpoint(EventStore& store, const std::string& dest);

}  // namespace consent::internal

#endif  // CONSENT_STORAGE_OPEN_HOOKS_H_
