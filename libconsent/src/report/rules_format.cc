// SPDX-License-Identifier: Apache-2.0
// The rule catalogue as Markdown (docs/rules.md) and JSON (consent/rules.h).
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "consent/output.h"
#include "consent/rules.h"

namespace consent {
namespace {

constexpr std::string_view kIntro =
    "Every rule libconsent judges. Each has an id (used in verdicts, reports and tests), a "
    "statement, the facts (events) it reads, the verdicts it can give, the record its verdicts "
    "attach to, and its default numbers. Numbers marked (policy) are the project's choice, not a "
    "legal figure: they live in the policy, can be overridden per registration, and every report "
    "prints them. The precise readings at the end settle the edge cases.\n"
    "\n"
    "Verdicts: `ok` (the rule held), `violated` (the log proves it was broken), `unverified` (a "
    "confirmation of an action taken is missing, such as a pause never acknowledged), `pending` "
    "(a deadline has not passed yet), `not_applicable` (the rule does not concern this record).\n";

// The anchor a Markdown renderer gives a heading: lower case, spaces to '-', punctuation dropped.
std::string Anchor(std::string_view heading) {
  std::string out;
  for (char c : heading) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_') {
      out.push_back(static_cast<char>(std::tolower(u)));
    } else if (c == ' ') {
      out.push_back('-');
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::vector<std::string> VerdictNames(const Rule& r) {
  std::vector<std::string> out;
  for (Verdict v : r.verdicts) out.emplace_back(VerdictName(v));
  return out;
}

std::vector<std::string> Strings(const std::vector<std::string_view>& views) {
  return std::vector<std::string>(views.begin(), views.end());
}

std::vector<std::string> ReadingNames(std::string_view id) {
  std::vector<std::string> out;
  for (const RuleReading* r : ReadingsFor(id)) out.emplace_back(r->name);
  return out;
}

std::string RuleMarkdown(const Rule& r) {
  std::string out = "### " + std::string(r.id) + ": " + std::string(r.title) + "\n\n";
  out += std::string(r.statement) + "\n\n";
  out += "- Attaches to: " + std::string(r.attaches_to) + "\n";
  std::vector<std::string> verdicts;
  for (const std::string& v : VerdictNames(r)) verdicts.push_back("`" + v + "`");
  out += "- Verdicts: " + Join(verdicts, ", ") + "\n";
  if (!r.facts.empty()) {
    std::vector<std::string> facts;
    for (std::string_view f : r.facts) facts.push_back("`" + std::string(f) + "`");
    out += "- Facts read: " + Join(facts, ", ") + "\n";
  }
  if (!r.defaults.empty()) out += "- Default: " + std::string(r.defaults) + "\n";
  std::vector<std::string> links;
  for (const std::string& name : ReadingNames(r.id)) links.push_back("[" + name + "](#" + Anchor(name) + ")");
  if (!links.empty()) out += "- Readings: " + Join(links, ", ") + "\n";
  return out + "\n";
}

std::string Markdown() {
  std::string out =
      "<!-- Generated from the library's rule table (consent/rules.h) by "
      "`consentctl rules --format md > docs/rules.md`. Do not edit by hand. -->\n\n"
      "# Rule catalogue\n\n";
  out += std::string(kIntro) + "\n";
  std::string_view area;
  for (const Rule& r : Rules()) {
    if (r.area != area) {
      area = r.area;
      out += "## " + std::string(area) + "\n\n";
    }
    out += RuleMarkdown(r);
  }
  out += "## Precise readings\n\n";
  for (const RuleReading& r : RuleReadings()) {
    out += "### " + std::string(r.name) + "\n\n" + std::string(r.text) + "\n\n";
    out += "Settles: " + Join(Strings(r.rules), ", ") + "\n\n";
  }
  out.pop_back();
  return out;
}

std::string Json() {
  JsonWriter w;
  w.BeginObject();
  w.BeginArray("rules");
  for (const Rule& r : Rules()) {
    w.BeginObject();
    w.String("rule_id", r.id);
    w.String("area", r.area);
    w.String("title", r.title);
    w.String("statement", r.statement);
    w.String("attaches_to", r.attaches_to);
    w.Strings("verdicts", VerdictNames(r));
    w.Strings("facts", Strings(r.facts));
    w.String("defaults", r.defaults);
    w.Strings("readings", ReadingNames(r.id));
    w.EndObject();
  }
  w.EndArray();
  w.BeginArray("readings");
  for (const RuleReading& r : RuleReadings()) {
    w.BeginObject();
    w.String("name", r.name);
    w.String("text", r.text);
    w.Strings("rule_ids", Strings(r.rules));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace

std::string FormatRules(RulesFormat format) {
  return format == RulesFormat::kJson ? Json() : Markdown();
}

}  // namespace consent
