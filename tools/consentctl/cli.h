// SPDX-License-Identifier: Apache-2.0
// Shared pieces of consentctl: command registration on CLI11, error printing, store access,
// progress.
//
// A command is one file, cmd_NAME.cc, exposing one function that registers it:
//
//   namespace {
//   struct VerifyArgs {                 // the command's options, with their defaults
//     uint64_t from = 1;
//     uint64_t to = kHeadPosition;
//   };
//   int RunVerify(const Context& ctx, const VerifyArgs& args) {   // the logic, no parsing
//     ...
//     if (!status.ok()) return Fail(ctx, status);
//     return kExitOk;
//   }
//   }  // namespace
//
//   void AddVerifyCommand(CLI::App& app, Context& ctx) {
//     auto args = std::make_shared<VerifyArgs>();   // outlives parsing: the callback owns it
//     CLI::App* cmd = AddCommand(app, "verify", "check the hash chain and the indexes");
//     cmd->add_option("--from", args->from, "first log position checked (default: 1)")
//         ->check(IntegerBetween(1))
//         ->type_name("POS");
//     ...
//     SetRun(cmd, ctx, [args](const Context& c) { return RunVerify(c, *args); });
//   }
//
// and one line in main.cc (`AddVerifyCommand(app, ctx);`). CLI11 parses, prints `--help`,
// refuses unknown options, extra arguments and bad values (exit 2, see ReportParseError);
// RunVerify runs only when the whole command line is valid. Options name their value with
// type_name() and give their format and default in their description ("(default: 1)"); an
// environment variable an option reads is named with envname() and in the description. Time
// and format options: AddTimeOption, AddFormatOption; the master key: AddMasterKeyFileOption. Checks that span
// several options (--to before --from) stay in the logic function and end with UsageError().
//
// Conventions: results go to stdout, messages to stderr as "consentctl CMD: ...". Exit codes:
// 0 success, 1 the operation failed, 2 the command line is wrong.
//
// Thread-safety: consentctl is single-threaded; nothing here is meant for concurrent use.

#ifndef CONSENT_TOOLS_CONSENTCTL_CLI_H_
#define CONSENT_TOOLS_CONSENTCTL_CLI_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "consent/event_store.h"
#include "consent/status.h"

namespace consent::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// What every command receives besides its own arguments.
struct Context {
  std::string db_path = "./consent-data";  // --db (or $LIBCONSENT_DB)
  std::string command;                     // the command's name: "verify", "hold place"
  std::string usage;                       // "consentctl [--db PATH] CMD [OPTIONS] ...", for UsageError()
  int exit_code = kExitOk;                 // what the command that ran returned
};

// ---- Registration on CLI11 ------------------------------------------------------------------

// Adds subcommand `name` to `app` (the tool, or a command with actions such as "hold") with
// its one-line description, listed under "Commands:" in the help.
CLI::App* AddCommand(CLI::App& app, const std::string& name, const std::string& description);

// Makes `run` the command's logic: when the command line names `cmd` and parses, ctx.command
// becomes its full name ("hold place"), ctx.usage its synopsis, and ctx.exit_code what `run`
// returns.
void SetRun(CLI::App* cmd, Context& ctx, std::function<int(const Context&)> run);

// A time option (RFC 3339 "2026-03-02T18:00:00Z" or a date "2026-03-02", UTC midnight) stored
// into *out when given; a bad value is a usage error naming the option.
CLI::Option* AddTimeOption(CLI::App* cmd, const std::string& name,
                           std::optional<std::chrono::system_clock::time_point>* out,
                           const std::string& description);

// Accepts a decimal integer in [min, max] (no sign); refuses anything else with a message
// naming the bounds. For unsigned options, instead of CLI11's ranges.
CLI::Validator IntegerBetween(uint64_t min, uint64_t max = UINT64_MAX);

// A --format option accepting one of `formats` (the first is the default).
CLI::Option* AddFormatOption(CLI::App* cmd, std::string* out, std::vector<std::string> formats);

// Prints a CLI11 parse error as "consentctl CMD: message", the synopsis and a hint, on stderr;
// returns kExitUsage. `failed` is the (sub)command being parsed when the error arose.
int ReportParseError(const CLI::App& failed, const CLI::ParseError& e);

// The deepest subcommand the command line selected (`app` itself when none).
const CLI::App& SelectedCommand(const CLI::App& app);

// The synopsis of `cmd`: "consentctl [--db PATH] export [OPTIONS]".
std::string Synopsis(const CLI::App& cmd);

// True when coloured output fits: `stream` is a terminal and NO_COLOR is unset or empty.
bool UseColor(std::FILE* stream);

// Writes `text` to stdout; kExitFailure (with a message) when stdout fails.
int WriteOut(const Context& ctx, std::string_view text);

// ---- Errors ---------------------------------------------------------------------------------

// Prints "consentctl CMD: message" on stderr and returns kExitFailure.
int Fail(const Context& ctx, std::string_view message);
int Fail(const Context& ctx, const Status& status);
// Prints "consentctl CMD: message", the command's synopsis and a hint on stderr; returns
// kExitUsage. For what CLI11 cannot check: a rule across options, a value the library refuses.
int UsageError(const Context& ctx, std::string_view message);
// Prints a message on stderr without returning an exit code (several messages, one failure).
void PrintError(const Context& ctx, std::string_view message);

// ---- Store access ---------------------------------------------------------------------------

// True when ctx.db_path names something other than a missing path or an empty directory
// (whether it really is a store is for EventStore::Open to say).
bool StoreExists(const Context& ctx);

// Opens the store at ctx.db_path. With `create` false a missing store is reported as
// kNotFound "no store at PATH" and nothing is created on disk (not even the directory).
StatusOr<std::unique_ptr<EventStore>> OpenStore(const Context& ctx, bool create);

// Opens the existing store at ctx.db_path read-only (StoreOptions::read_only), for commands
// that only read: nothing in the directory changes, and stores the process cannot write open.
StatusOr<std::unique_ptr<EventStore>> OpenStoreForReading(const Context& ctx);

// ---- Progress -------------------------------------------------------------------------------

// A progress line on stderr for long runs: shown only when stderr is a terminal and the run
// has lasted more than a second; redrawn at most five times a second, with the rate:
//   consentctl export: events 120000 (48210/s)
class Progress {
 public:
  explicit Progress(std::string_view label);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` of `total` (total 0: unknown).
  void Update(std::string_view what, uint64_t done, uint64_t total = 0);
  // Erases the progress line, if one was drawn.
  void Clear();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace consent::cli

#endif  // CONSENT_TOOLS_CONSENTCTL_CLI_H_
