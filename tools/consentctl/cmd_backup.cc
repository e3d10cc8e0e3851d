// SPDX-License-Identifier: Apache-2.0
// consentctl backup DEST
// consentctl restore BACKUP        (into --db PATH, which must not hold a store)
//
// An online, consistent backup of the store into the new directory DEST (consent/backup.h), and
// its restore after a full verification. `consentctl verify --backup DIR` checks a backup in
// place.

#include <cstdio>
#include <memory>
#include <string>

#include "cli.h"
#include "consent/backup.h"
#include "consent/event_store.h"

namespace consent::cli {
namespace {

std::string Describe(const BackupInfo& info) {
  return std::to_string(info.head_position) + " events, chain head " + info.head_hash_hex;
}

}  // namespace

int BackupTo(const Context& ctx, const std::string& dest) {
  StatusOr<std::unique_ptr<EventStore>> store = OpenStore(ctx, /*create=*/false);
  if (!store.ok()) return Fail(ctx, store.status());
  StatusOr<BackupInfo> info = BackupStore(**store, dest);
  if (!info.ok()) return Fail(ctx, info.status());
  std::printf("backed up %s to %s\n", Describe(*info).c_str(), info->path.c_str());
  return kExitOk;
}

int RestoreFrom(const Context& ctx, const std::string& backup) {
  StatusOr<BackupInfo> info = RestoreBackup(backup, ctx.db_path);
  if (!info.ok()) return Fail(ctx, info.status());
  std::printf("restored %s from %s to %s (verified)\n", Describe(*info).c_str(), backup.c_str(),
              info->path.c_str());
  return kExitOk;
}

int VerifyBackupAt(const Context& ctx, const std::string& backup) {
  StatusOr<BackupInfo> info = VerifyBackup(backup);
  if (!info.ok()) return Fail(ctx, info.status());
  std::printf("verified backup %s: %s\n", backup.c_str(), Describe(*info).c_str());
  return kExitOk;
}

void AddBackupCommands(CLI::App& app, Context& ctx) {
  auto dest = std::make_shared<std::string>();
  CLI::App* backup = AddCommand(app, "backup", "online, consistent backup of the store into a new directory");
  backup->add_option("DEST", *dest, "the backup's directory; must not exist yet")->required();
  backup->footer("The store stays open for appends while the backup is taken. Check a backup with "
                 "'consentctl verify --backup DEST'; restore it with 'consentctl restore'.");
  SetRun(backup, ctx, [dest](const Context& c) { return BackupTo(c, *dest); });

  auto source = std::make_shared<std::string>();
  CLI::App* restore = AddCommand(app, "restore", "verify a backup and restore it as the store at --db");
  restore->add_option("BACKUP", *source, "a directory made by 'consentctl backup'")->required();
  restore->footer("The store directory (--db) must not hold a store: restore never overwrites one.");
  SetRun(restore, ctx, [source](const Context& c) { return RestoreFrom(c, *source); });
}

}  // namespace consent::cli
