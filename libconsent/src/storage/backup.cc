// SPDX-License-Identifier: Apache-2.0
// Backups as RocksDB checkpoints: a backup directory is a complete store, so verifying it is
// opening it read-only and running Verify, and restoring it is copying it.
#include "consent/backup.h"

#include <filesystem>
#include <system_error>

#include "storage/open_hooks.h"

namespace consent {
namespace {

namespace fs = std::filesystem;

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

bool HoldsSomething(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return false;
  return !(fs::is_directory(path, ec) && fs::is_empty(path, ec));
}

// Opens the store at `path` read-only and describes it, after a full Verify when `verify`.
StatusOr<BackupInfo> Inspect(const std::string& path, bool verify, const std::string& op) {
  StoreOptions options;
  options.read_only = true;
  auto store = EventStore::Open(options, path);
  if (!store.ok()) return store.status().Annotate(op);
  if (verify) {
    auto report = (*store)->Verify();
    if (!report.ok()) return report.status().Annotate(op);
  }
  auto stats = (*store)->Stats();
  if (!stats.ok()) return stats.status().Annotate(op);
  BackupInfo info;
  info.path = path;
  info.store_id = stats->store_id;
  info.head_position = stats->head_position;
  info.head_hash_hex = stats->head_hash_hex;
  return info;
}

}  // namespace

StatusOr<BackupInfo> BackupStore(EventStore& store, const std::string& dest) {
  const std::string op = "BackupStore(" + Quoted(dest) + ")";
  std::error_code ec;
  if (fs::exists(dest, ec)) return AlreadyExistsError(op + ": the destination already exists");
  if (Status s = internal::CreateCheckpoint(store, dest); !s.ok()) {
    fs::remove_all(dest, ec);
    return s.Annotate(op);
  }
  return Inspect(dest, /*verify=*/false, op);
}

StatusOr<BackupInfo> VerifyBackup(const std::string& backup) {
  return Inspect(backup, /*verify=*/true, "VerifyBackup(" + Quoted(backup) + ")");
}

StatusOr<BackupInfo> RestoreBackup(const std::string& backup, const std::string& path) {
  const std::string op = "RestoreBackup(" + Quoted(backup) + " to " + Quoted(path) + ")";
  if (HoldsSomething(path)) {
    return AlreadyExistsError(op + ": the destination is not empty; restore into a new directory");
  }
  CONSENT_ASSIGN_OR_RETURN(BackupInfo info, Inspect(backup, /*verify=*/true, op));
  // Copied beside the destination, then renamed: a failed restore leaves nothing at `path`.
  const std::string staging = path + ".restoring";
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::copy(backup, staging, fs::copy_options::recursive, ec);
  if (!ec) {
    fs::remove(path, ec);  // an empty directory, or nothing
    ec.clear();
    fs::rename(staging, path, ec);
  }
  if (ec) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    return UnavailableError(op + ": " + ec.message());
  }
  info.path = path;
  return info;
}

}  // namespace consent
