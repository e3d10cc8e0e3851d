// SPDX-License-Identifier: Apache-2.0
// consentctl identity set/show and consentctl erase, driven as a user drives them: run the
// binary with a master key in a file or the environment, look at exit code, output and store.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "consent/event_store.h"
#include "consent/subject_directory.h"
#include "ctl_runner.h"
#include "test_util.h"

namespace consent {
namespace {

using testing::OpenStore;
using testing::TempDir;

using CtlResult = testing::RunResult;

// Runs consentctl with `args`; the environment is ours without LIBCONSENT_MASTER_KEY, plus
// `master_key_env` when given.
CtlResult Ctl(const std::vector<std::string>& args,
              const std::optional<std::string>& master_key_env = std::nullopt) {
  const std::string name = kMasterKeyEnvironmentVariable;
  return testing::RunCtl(args, "/dev/null", {master_key_env ? name + "=" + *master_key_env : name});
}

std::string WriteKey(const TempDir& dir, const std::string& name, const std::string& hex, mode_t mode = 0600) {
  const std::string path = dir.sub(name);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << hex << "\n";
  }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
  return path;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_CASE("consentctl identity set, show and erase round trip with the master key from a file or the environment") {
  TempDir dir;
  const std::string db = dir.sub("db");
  const std::string hex = MasterKey::Generate().ToHex();
  const std::string key_file = WriteKey(dir, "master.key", hex);

  auto set = Ctl({"--db", db, "identity", "set", "caller-42", "--kind", "caller", "--phone",
                  "+33 6 11 22 33 44", "--name", "Zoe Plimsoll-Quark", "--master-key-file", key_file});
  CHECK_MESSAGE(set.exit_code == 0, set.err);
  CHECK(Contains(set.out, "sealed the identity of caller-42 (caller)"));
  CHECK(Contains(set.out, "(new)"));

  auto show = Ctl({"--db", db, "identity", "show", "caller-42"}, hex);  // key from the environment
  CHECK_MESSAGE(show.exit_code == 0, show.err);
  CHECK(Contains(show.out, "Zoe Plimsoll-Quark"));
  CHECK(Contains(show.out, "+33 6 11 22 33 44"));

  auto json = Ctl({"--db", db, "identity", "show", "caller-42", "--format", "json", "--master-key-file", key_file});
  CHECK_MESSAGE(json.exit_code == 0, json.err);
  CHECK(Contains(json.out, "\"name\": \"Zoe Plimsoll-Quark\""));
  CHECK(Contains(json.out, "\"erased\": false"));

  auto erase = Ctl({"--db", db, "erase", "caller-42", "--request", "dsr-9", "--master-key-file", key_file});
  CHECK_MESSAGE(erase.exit_code == 0, erase.err);
  CHECK(Contains(erase.out, "erased subject caller-42"));
  CHECK(Contains(erase.out, "position 2"));

  auto after = Ctl({"--db", db, "identity", "show", "caller-42", "--format", "json"}, hex);
  CHECK_MESSAGE(after.exit_code == 0, after.err);
  CHECK(Contains(after.out, "\"erased\": true"));
  CHECK(Contains(after.out, "\"erased_position\": 2"));
  CHECK(Contains(after.out, "\"name\": null"));
  CHECK_FALSE(Contains(after.out, "Zoe"));

  auto again = Ctl({"--db", db, "erase", "caller-42"}, hex);
  CHECK_MESSAGE(again.exit_code == 0, again.err);
  CHECK(Contains(again.out, "already erased"));

  auto verify = Ctl({"--db", db, "verify"});
  CHECK_MESSAGE(verify.exit_code == 0, verify.err);
  CHECK(Contains(verify.out, "verified 2 events"));
}

TEST_CASE("consentctl identity and erase refuse bad input with a clear error and change nothing") {
  TempDir dir;
  const std::string db = dir.sub("db");
  const std::string hex = MasterKey::Generate().ToHex();
  const std::string key_file = WriteKey(dir, "master.key", hex);

  // No store yet: refusals create nothing.
  auto no_key = Ctl({"--db", db, "identity", "set", "caller-1", "--kind", "caller", "--name", "A"});
  CHECK(no_key.exit_code == 2);
  CHECK(Contains(no_key.err, "no master key"));
  CHECK(Contains(no_key.err, "LIBCONSENT_MASTER_KEY"));
  auto bad_kind = Ctl({"--db", db, "identity", "set", "caller-1", "--kind", "robot", "--name", "A"}, hex);
  CHECK(bad_kind.exit_code == 2);
  CHECK(Contains(bad_kind.err, "--kind"));
  CHECK(Contains(bad_kind.err, "robot"));
  auto bad_ref = Ctl({"--db", db, "identity", "set", "caller 1", "--kind", "caller", "--name", "A"}, hex);
  CHECK(bad_ref.exit_code == 2);
  CHECK(Contains(bad_ref.err, "subject_ref"));
  auto empty = Ctl({"--db", db, "identity", "set", "caller-1", "--kind", "caller"}, hex);
  CHECK(empty.exit_code == 2);
  CHECK(Contains(empty.err, "identity is empty"));
  auto bad_phone = Ctl({"--db", db, "identity", "set", "caller-1", "--kind", "caller", "--phone", "call me"}, hex);
  CHECK(bad_phone.exit_code == 2);
  CHECK(Contains(bad_phone.err, "identity.phone_number"));
  auto bad_env = Ctl({"--db", db, "identity", "set", "caller-1", "--kind", "caller", "--name", "A"}, "abc");
  CHECK(bad_env.exit_code == 1);
  CHECK(Contains(bad_env.err, "found 3 characters"));
  const std::string loose = WriteKey(dir, "loose.key", hex, 0644);
  auto loose_file = Ctl({"--db", db, "identity", "set", "caller-1", "--kind", "caller", "--name", "A",
                         "--master-key-file", loose});
  CHECK(loose_file.exit_code == 1);
  CHECK(Contains(loose_file.err, "chmod 600"));
  auto erase_missing = Ctl({"--db", db, "erase", "caller-1"}, hex);
  CHECK(erase_missing.exit_code == 1);
  CHECK(Contains(erase_missing.err, "no store"));
  CHECK_FALSE(std::filesystem::exists(db));

  // A store that has no subject yet is not bound to a key used by a refused command.
  {
    auto created = OpenStore(db);
  }
  auto typo_erase = Ctl({"--db", db, "erase", "caller-1"}, MasterKey::Generate().ToHex());
  CHECK(typo_erase.exit_code == 1);
  CHECK(Contains(typo_erase.err, "unknown subject"));

  // With a store: wrong key, unknown subject, unknown subcommand.
  auto set = Ctl({"--db", db, "identity", "set", "agent-3", "--kind", "agent", "--name", "B",
                  "--master-key-file", key_file});
  REQUIRE_MESSAGE(set.exit_code == 0, set.err);
  auto wrong = Ctl({"--db", db, "identity", "show", "agent-3"}, MasterKey::Generate().ToHex());
  CHECK(wrong.exit_code == 1);
  CHECK(Contains(wrong.err, "wrong master key"));
  auto wrong_erase = Ctl({"--db", db, "erase", "agent-3"}, MasterKey::Generate().ToHex());
  CHECK(wrong_erase.exit_code == 1);
  auto unknown = Ctl({"--db", db, "erase", "caller-nobody", "--master-key-file", key_file});
  CHECK(unknown.exit_code == 1);
  CHECK(Contains(unknown.err, "unknown subject"));
  auto sub = Ctl({"--db", db, "identity", "forget", "agent-3"}, hex);
  CHECK(sub.exit_code == 2);
  auto show_unknown = Ctl({"--db", db, "identity", "show", "caller-nobody"}, hex);
  CHECK(show_unknown.exit_code == 1);
  CHECK(Contains(show_unknown.err, "unknown subject"));

  auto store = OpenStore(db);
  CHECK(store->HeadPosition() == 1);  // only the one successful set
  auto d = SubjectDirectory::Open(store.get(), *MasterKey::FromHex(hex));
  REQUIRE(d.ok());
  CHECK_FALSE(*(*d)->IsErased("agent-3"));
}

}  // namespace
}  // namespace consent
