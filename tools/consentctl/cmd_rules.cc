// SPDX-License-Identifier: Apache-2.0
// consentctl rules [--format md|json]
//
// Prints the rule catalogue from the library's rule table (consent/rules.h): every rule with its
// statement, facts read, verdicts, attachment and defaults, then the precise readings. The
// Markdown form is the committed docs/rules.md. Needs no store.

#include <memory>
#include <string>

#include "cli.h"
#include "consent/rules.h"

namespace consent::cli {
namespace {

int RunRules(const Context& ctx, const std::string& format) {
  return WriteOut(ctx, FormatRules(format == "json" ? RulesFormat::kJson : RulesFormat::kMarkdown));
}

}  // namespace

void AddRulesCommand(CLI::App& app, Context& ctx) {
  auto format = std::make_shared<std::string>();
  CLI::App* cmd = AddCommand(app, "rules", "print the rule catalogue (statements, facts, verdicts, readings)");
  AddFormatOption(cmd, format.get(), {"md", "json"});
  SetRun(cmd, ctx, [format](const Context& c) { return RunRules(c, *format); });
}

}  // namespace consent::cli
