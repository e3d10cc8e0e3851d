// Shared pieces of consentctl: the command signature, argument parsing, error printing.
//
// A command is one function in its own file plus one line in the table in main.cc:
//
//   int RunVerify(const Context& ctx, std::span<const std::string> args) {
//     ParsedArgs parsed;
//     if (auto err = ParseArgs(args, kVerifyOptions, &parsed)) return UsageError(ctx, *err);
//     ...
//     if (!status.ok()) return Fail(ctx, status);
//     return kExitOk;
//   }
//
// Conventions: results go to stdout, messages to stderr as "consentctl CMD: ...". Exit codes:
// 0 success, 1 the operation failed, 2 the command line is wrong.
//
// Thread-safety: consentctl is single-threaded; nothing here is meant for concurrent use.

#ifndef CONSENT_TOOLS_CONSENTCTL_CLI_H_
#define CONSENT_TOOLS_CONSENTCTL_CLI_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "consent/event_store.h"
#include "consent/status.h"

namespace consent::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// What every command receives besides its own arguments.
struct Context {
  std::string db_path;              // --db, default "./consent-data"
  std::string_view command;         // the command's name as listed in the table
  std::string_view usage;           // the command's argument synopsis
};

using CommandFn = int (*)(const Context& ctx, std::span<const std::string> args);

// One line of the command table.
struct Command {
  std::string_view name;
  std::string_view alias;   // "" when none
  std::string_view usage;   // argument synopsis after the name: "[--from POS] FILE"
  std::string_view help;    // one line
  CommandFn run;
};

// ---- Argument parsing -----------------------------------------------------------------------

// An option a command accepts: "--name VALUE" or "--name=VALUE" when it takes a value,
// "--name" alone otherwise.
struct OptionSpec {
  std::string_view name;
  bool takes_value = true;
  bool repeatable = false;
};

struct ParsedArgs {
  std::vector<std::string> positionals;
  // Values of each option given, in command-line order (a switch holds one empty value).
  std::map<std::string, std::vector<std::string>, std::less<>> options;

  bool has(std::string_view name) const { return options.find(name) != options.end(); }
  // The option's value, std::nullopt when it was not given.
  std::optional<std::string> get(std::string_view name) const;
  // Every value of a repeatable option (empty when not given).
  std::vector<std::string> all(std::string_view name) const;
};

// Splits `args` into options (per `specs`) and positionals. "--" ends the options; "-" is a
// positional (stdin). Returns a usage error message, or std::nullopt on success.
std::optional<std::string> ParseArgs(std::span<const std::string> args,
                                     std::span<const OptionSpec> specs, ParsedArgs* out);

// Parses a decimal unsigned integer (no sign, no spaces). std::nullopt when `text` is not one.
std::optional<uint64_t> ParseUint(std::string_view text);

// Reads option `name` as an unsigned integer >= `min`. Leaves *out alone when the option is
// absent. Returns a usage error message on a bad value.
std::optional<std::string> GetUintOption(const ParsedArgs& parsed, std::string_view name,
                                         uint64_t min, uint64_t* out);

// Reads time option `name` (RFC 3339 "2026-03-02T18:00:00Z" or a date "2026-03-02") into *out.
// Leaves *out alone when the option is absent. Returns a usage error message on a bad value.
std::optional<std::string> GetTimeOption(const ParsedArgs& parsed, std::string_view name,
                                         std::optional<std::chrono::system_clock::time_point>* out);

// ---- Errors ---------------------------------------------------------------------------------

// Prints "consentctl CMD: message" on stderr and returns kExitFailure.
int Fail(const Context& ctx, std::string_view message);
int Fail(const Context& ctx, const Status& status);
// Prints "consentctl CMD: message", the command's usage and a hint on stderr; returns kExitUsage.
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

// ---- JSON -----------------------------------------------------------------------------------

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

// ---- Progress -------------------------------------------------------------------------------

// A progress line on stderr for long runs: shown only when stderr is a terminal and the run
// has lasted more than a second; redrawn at most five times a second.
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
