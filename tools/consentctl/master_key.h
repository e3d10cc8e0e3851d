// SPDX-License-Identifier: Apache-2.0
// The master key of the subject directory, for the commands that need one (identity, erase):
// from --master-key-file FILE (64 hex characters, mode 600), else from $LIBCONSENT_MASTER_KEY.
#ifndef CONSENT_TOOLS_CONSENTCTL_MASTER_KEY_H_
#define CONSENT_TOOLS_CONSENTCTL_MASTER_KEY_H_

#include <memory>
#include <optional>
#include <string>

#include "cli.h"
#include "consent/subject_directory.h"

namespace consent::cli {

// Adds --master-key-file FILE to `cmd`, stored into *file (empty when not given).
CLI::Option* AddMasterKeyFileOption(CLI::App* cmd, std::string* file);

// The key from `file` (--master-key-file) when not empty, else from the environment. On failure
// prints the error (a usage error when neither source is given) and sets *exit_code.
std::optional<MasterKey> LoadMasterKey(const Context& ctx, const std::string& file, int* exit_code);

// Opens the store (creating it only when `create`) and its directory. On failure prints the
// error and sets *exit_code. `store` receives the store, which must outlive the directory.
std::unique_ptr<SubjectDirectory> OpenDirectory(const Context& ctx, const MasterKey& key, bool create,
                                                std::unique_ptr<EventStore>* store, int* exit_code);

}  // namespace consent::cli

#endif  // CONSENT_TOOLS_CONSENTCTL_MASTER_KEY_H_
