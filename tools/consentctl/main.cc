// SPDX-License-Identifier: Apache-2.0
// consentctl — the command-line face of a libconsent store.
//
//   consentctl [--db PATH] COMMAND [OPTIONS] [ARGS...]
//
// Adding a command: write cmd_NAME.cc defining `void AddNameCommand(CLI::App&, Context&)` (see
// cli.h), declare it below and call it in Main(), in the order `--help` lists the commands.

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli.h"
#include "consent/version.h"

namespace consent::cli {

void AddImportCommand(CLI::App& app, Context& ctx);
void AddExportCommand(CLI::App& app, Context& ctx);
void AddVerifyCommand(CLI::App& app, Context& ctx);
void AddStatsCommand(CLI::App& app, Context& ctx);
void AddDemoCommand(CLI::App& app, Context& ctx);
void AddReportCommand(CLI::App& app, Context& ctx);
void AddRetentionCommands(CLI::App& app, Context& ctx);
void AddIdentityCommand(CLI::App& app, Context& ctx);
void AddEraseCommand(CLI::App& app, Context& ctx);
void AddRulesCommand(CLI::App& app, Context& ctx);
void AddBackupCommands(CLI::App& app, Context& ctx);
void AddRebuildCommand(CLI::App& app, Context& ctx);
void AddReplicateCommand(CLI::App& app, Context& ctx);
void AddGroupCommand(CLI::App& app, Context& ctx);

namespace {

constexpr const char* kFooter =
    "Environment:\n"
    "  LIBCONSENT_DB          the store's directory when --db is not given\n"
    "  LIBCONSENT_MASTER_KEY  the subject directory's master key (64 hexadecimal characters)\n"
    "                         for identity, erase and subject, when --master-key-file is not given\n"
    "  NO_COLOR               when set and not empty, no colour in tables\n"
    "\n"
    "Exit codes: 0 success, 1 the operation failed, 2 the command line is wrong.\n"
    "Run 'consentctl COMMAND --help' for a command's options.";

void Configure(CLI::App& app, Context& ctx) {
  app.set_version_flag("--version", "consentctl (libconsent) " + std::string(Version()),
                       "print the version and exit");
  app.set_help_flag("-h,--help", "print this help and exit");
  app.add_option("--db", ctx.db_path, "the store's directory (default: $LIBCONSENT_DB, else ./consent-data)")
      ->envname("LIBCONSENT_DB")
      ->type_name("PATH")
      ->check([](const std::string& path) { return path.empty() ? std::string("needs a non-empty path") : ""; });
  app.require_subcommand(1);
  app.fallthrough();  // --db may follow the command
  app.get_formatter()->column_width(28);
  app.get_formatter()->label("SUBCOMMAND", "COMMAND");
  app.get_formatter()->label("SUBCOMMANDS", "COMMANDS");
}

int Main(int argc, char** argv) {
  Context ctx;
  CLI::App app("The command line of a libconsent store: an append-only, hash-chained "
               "log of consent and recording facts, and the compliance verdicts drawn from it.",
               "consentctl");
  Configure(app, ctx);
  AddImportCommand(app, ctx);
  AddExportCommand(app, ctx);
  AddVerifyCommand(app, ctx);
  AddStatsCommand(app, ctx);
  AddDemoCommand(app, ctx);
  AddReportCommand(app, ctx);
  AddRetentionCommands(app, ctx);
  AddIdentityCommand(app, ctx);
  AddEraseCommand(app, ctx);
  AddRulesCommand(app, ctx);
  AddBackupCommands(app, ctx);
  AddRebuildCommand(app, ctx);
  AddReplicateCommand(app, ctx);
  AddGroupCommand(app, ctx);
  app.footer(kFooter);  // after the commands, which would otherwise inherit it

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return ReportParseError(SelectedCommand(app), e);
  }
  if (std::fflush(stdout) != 0 && ctx.exit_code == kExitOk) {
    return Fail(ctx, "writing to standard output failed");
  }
  return ctx.exit_code;
}

}  // namespace
}  // namespace consent::cli

int main(int argc, char** argv) { return consent::cli::Main(argc, argv); }
