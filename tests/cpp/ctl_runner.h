// SPDX-License-Identifier: Apache-2.0
// Runs the consentctl binary as a user does: arguments, stdin from a file, stdout and stderr
// captured in files (no pipes: no deadlock however much is printed), exit code. Shared by the
// CLI tests.
#ifndef CONSENT_TESTS_CPP_CTL_RUNNER_H_
#define CONSENT_TESTS_CPP_CTL_RUNNER_H_

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

extern char** environ;

namespace consent::testing {

struct RunResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

// The child's environment is ours, changed by `env`: "NAME=value" sets NAME, "NAME" (no '=')
// removes it.
inline RunResult RunCtl(const std::vector<std::string>& args, const std::string& stdin_path = "/dev/null",
                        const std::vector<std::string>& env = {}) {
  TempDir io;
  const std::string out_path = io.sub("stdout");
  const std::string err_path = io.sub("stderr");
  const std::string binary = std::string(CONSENT_TOOLS_DIR) + "/consentctl";

  std::vector<std::string> argv_storage{binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    bool changed = false;
    for (const std::string& c : env) changed = changed || name_of(c) == name_of(entry);
    if (!changed) env_storage.push_back(entry);
  }
  for (const std::string& c : env) {
    if (c.find('=') != std::string::npos) env_storage.push_back(c);
  }
  std::vector<char*> envp;
  for (std::string& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE_MESSAGE(rc == 0, "cannot run " << binary);
  int wstatus = 0;
  REQUIRE(waitpid(pid, &wstatus, 0) == pid);

  RunResult r;
  r.exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  return r;
}

}  // namespace consent::testing

#endif  // CONSENT_TESTS_CPP_CTL_RUNNER_H_
