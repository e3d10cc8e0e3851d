// SPDX-License-Identifier: Apache-2.0
#include "master_key.h"

#include <cstdlib>
#include <utility>

namespace consent::cli {

CLI::Option* AddMasterKeyFileOption(CLI::App* cmd, std::string* file) {
  return cmd
      ->add_option("--master-key-file", *file,
                   std::string("file holding the master key: 64 hexadecimal characters, mode 600 "
                               "(default: $") + kMasterKeyEnvironmentVariable + ")")
      ->type_name("FILE");
}

std::optional<MasterKey> LoadMasterKey(const Context& ctx, const std::string& file, int* exit_code) {
  if (!file.empty()) {
    StatusOr<MasterKey> key = MasterKey::FromFile(file);
    if (!key.ok()) {
      *exit_code = Fail(ctx, key.status());
      return std::nullopt;
    }
    return std::move(key).value();
  }
  const char* env = std::getenv(kMasterKeyEnvironmentVariable);
  if (env == nullptr || *env == '\0') {
    *exit_code = UsageError(ctx, std::string("no master key: give --master-key-file FILE or set ") +
                                     kMasterKeyEnvironmentVariable + " (64 hexadecimal characters)");
    return std::nullopt;
  }
  StatusOr<MasterKey> key = MasterKey::FromEnvironment();
  if (!key.ok()) {
    *exit_code = Fail(ctx, key.status());
    return std::nullopt;
  }
  return std::move(key).value();
}

std::unique_ptr<SubjectDirectory> OpenDirectory(const Context& ctx, const MasterKey& key, bool create,
                                                std::unique_ptr<EventStore>* store, int* exit_code) {
  StatusOr<std::unique_ptr<EventStore>> opened = OpenStore(ctx, create);
  if (!opened.ok()) {
    *exit_code = Fail(ctx, opened.status());
    return nullptr;
  }
  *store = std::move(opened).value();
  StatusOr<std::unique_ptr<SubjectDirectory>> dir = SubjectDirectory::Open(store->get(), key);
  if (!dir.ok()) {
    *exit_code = Fail(ctx, dir.status());
    return nullptr;
  }
  return std::move(dir).value();
}

}  // namespace consent::cli
