// Retention and rights commands:
//
//   consentctl purge-plan [--at TIME] [--horizon HOURS] [--all] [--format table|json|csv]
//       What to delete now: every copy and document with its rule, deadline and state
//       (overdue, due, awaiting receipt, held; --all adds scheduled and done), and the legal
//       holds with their review dates. Exit 0 even when purges are overdue (the plan says so).
//   consentctl hold place --id H --reason TEXT --case REF --owner REF [--review-by TIME]
//                         [--call ID]... [--recording ID]... [--document ID]... [--agent REF]...
//                         [--subject REF]... [--at TIME]
//   consentctl hold review --id H --by REF [--next TIME] [--at TIME]
//   consentctl hold release --id H --by REF --reason TEXT [--at TIME]
//       Record a legal hold fact through the Ledger (validated; nothing appended on error).
//   consentctl subject REF [--at TIME] [--master-key-file F]
//       The subject access export (calls, recordings, access log, documents with criteria codes
//       explained, requests and deadlines) as JSON; with the master key (option or
//       $LIBCONSENT_MASTER_KEY) it includes the subject's sealed identity, unless erased.
//
// --at defaults to now; for `hold` it is the fact's occur time.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "cli.h"
#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/ledger.h"
#include "consent/report.h"
#include "consent/retention.h"
#include "consent/subject_index.h"
#include "master_key.h"

namespace consent::cli {
namespace {

int Write(const Context& ctx, const std::string& out) {
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) {
    return Fail(ctx, "writing to standard output failed");
  }
  return kExitOk;
}

// Opens the store and brings the projections to the head, judging at `at`.
StatusOr<std::unique_ptr<Compliance>> OpenCompliance(EventStore* store, TimePoint at) {
  ComplianceOptions copt;
  copt.clock = [at] { return at; };
  CONSENT_ASSIGN_OR_RETURN(auto compliance, Compliance::Open(store, copt));
  if (auto why = compliance->recovery()) std::fprintf(stderr, "consentctl: %s\n", why->c_str());
  CONSENT_RETURN_IF_ERROR(compliance->CatchUp().status());
  return compliance;
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// "2026-03-03T10:53:31Z": deadlines to the second fit the column.
std::string Second(TimePoint t) { return FormatTime(std::chrono::floor<std::chrono::seconds>(t)); }

// "185d 13h", "5h".
std::string Age(std::chrono::nanoseconds d) {
  const auto h = std::chrono::duration_cast<std::chrono::hours>(d).count();
  return h >= 24 ? std::to_string(h / 24) + "d " + std::to_string(h % 24) + "h" : std::to_string(h) + "h";
}

std::string FormatPlanTable(const RetentionPlan& plan) {
  std::string out = "Purge plan at " + FormatTime(plan.at) + " (log position " + std::to_string(plan.position) + ")\n";
  out += "  overdue " + std::to_string(plan.overdue) + "   due " + std::to_string(plan.due) + "   awaiting receipt " +
         std::to_string(plan.awaiting_receipt) + "   held " + std::to_string(plan.held) + "   scheduled " +
         std::to_string(plan.scheduled) + "   done " + std::to_string(plan.done) + "   (" +
         std::to_string(plan.recordings) + " recordings, " + std::to_string(plan.documents) + " documents)\n\n";
  if (plan.items.empty()) {
    out += "  nothing to delete\n";
  } else {
    // Targets: "recording/copy", "recording/artefact/copy" or "document id".
    std::vector<std::string> targets;
    size_t width = 6;
    for (const PurgeItem& i : plan.items) {
      switch (i.target) {
        case PurgeTarget::kRecordingCopy: targets.push_back(i.recording_id + "/" + i.copy_id); break;
        case PurgeTarget::kArtefactCopy: targets.push_back(i.recording_id + "/" + i.artefact_id + "/" + i.copy_id); break;
        case PurgeTarget::kDocument: targets.push_back("document " + i.document_id); break;
      }
      width = std::max(width, targets.back().size());
    }
    out += "  " + Pad("STATE", 18) + Pad("RULE", 11) + Pad("DUE", 22) + Pad("TARGET", width + 2) + "WHY\n";
    for (size_t k = 0; k < plan.items.size(); ++k) {
      const PurgeItem& i = plan.items[k];
      std::string why = std::string(v1::PurgeReason_Name(i.reason)).substr(13);  // after "PURGE_REASON_"
      if (!i.cause_ref.empty()) why += " " + i.cause_ref;
      if (i.overdue_by.count() > 0) why += ", overdue " + Age(i.overdue_by);
      for (const auto& h : i.held_by) why += ", hold " + h;
      out += "  " + Pad(std::string(PurgeStateName(i.state)), 18) + Pad(i.rule_id, 11) + Pad(Second(i.due), 22) +
             Pad(targets[k], width + 2) + why + "\n";
    }
  }
  out += "\nLegal holds\n";
  if (plan.holds.empty()) out += "  none\n";
  size_t hold_width = 8;
  for (const HoldStatus& h : plan.holds) hold_width = std::max(hold_width, h.hold_id.size());
  for (const HoldStatus& h : plan.holds) {
    out += "  " + Pad(h.hold_id, hold_width + 2) + (h.active ? "active  " : "released") + "  case " + h.case_reference +
           ", owner " + h.owner_ref + ", " + std::to_string(h.items_held) + " item(s) held";
    if (h.active) out += ", review due " + Second(h.review_due) + (h.review_overdue ? " (OVERDUE: LC-RET-3)" : "");
    out += "\n";
  }
  return out;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string FormatPlanCsv(const RetentionPlan& plan) {
  std::string out =
      "state,rule_id,due,target,recording_id,artefact_id,copy_id,document_id,call_id,agent_ref,storage_ref,"
      "content_hash,reason,cause_ref,overdue_seconds,held_by\n";
  for (const PurgeItem& i : plan.items) {
    std::string held;
    for (const auto& h : i.held_by) held += (held.empty() ? "" : ";") + h;
    out += std::string(PurgeStateName(i.state)) + "," + i.rule_id + "," + FormatTime(i.due) + "," +
           std::string(PurgeTargetName(i.target)) + "," + CsvField(i.recording_id) + "," + CsvField(i.artefact_id) +
           "," + CsvField(i.copy_id) + "," + CsvField(i.document_id) + "," + CsvField(i.call_id) + "," +
           CsvField(i.agent_ref) + "," + CsvField(i.storage_ref) + "," + i.content_hash_hex + "," +
           std::string(v1::PurgeReason_Name(i.reason)) + "," + CsvField(i.cause_ref) + "," +
           std::to_string(i.overdue_by.count() / 1000000000LL) + "," + CsvField(held) + "\n";
  }
  return out;
}

std::string FormatPlanJson(const RetentionPlan& plan) {
  std::string out = "{\n  \"at\": " + JsonQuote(FormatTime(plan.at)) + ",\n  \"log_position\": " +
                    std::to_string(plan.position) + ",\n  \"counts\": {\"overdue\": " + std::to_string(plan.overdue) +
                    ", \"due\": " + std::to_string(plan.due) + ", \"awaiting_receipt\": " +
                    std::to_string(plan.awaiting_receipt) + ", \"held\": " + std::to_string(plan.held) +
                    ", \"scheduled\": " + std::to_string(plan.scheduled) + ", \"done\": " + std::to_string(plan.done) +
                    "},\n  \"items\": [";
  for (size_t k = 0; k < plan.items.size(); ++k) {
    const PurgeItem& i = plan.items[k];
    std::string held;
    for (const auto& h : i.held_by) held += (held.empty() ? "" : ", ") + JsonQuote(h);
    out += std::string(k ? "," : "") + "\n    {\"state\": " + JsonQuote(PurgeStateName(i.state)) +
           ", \"rule_id\": " + JsonQuote(i.rule_id) + ", \"due\": " + JsonQuote(FormatTime(i.due)) +
           ", \"target\": " + JsonQuote(PurgeTargetName(i.target)) + ", \"recording_id\": " + JsonQuote(i.recording_id) +
           ", \"artefact_id\": " + JsonQuote(i.artefact_id) + ", \"copy_id\": " + JsonQuote(i.copy_id) +
           ", \"document_id\": " + JsonQuote(i.document_id) + ", \"call_id\": " + JsonQuote(i.call_id) +
           ", \"agent_ref\": " + JsonQuote(i.agent_ref) + ", \"storage_ref\": " + JsonQuote(i.storage_ref) +
           ", \"content_hash\": " + JsonQuote(i.content_hash_hex) + ", \"reason\": " +
           JsonQuote(v1::PurgeReason_Name(i.reason)) + ", \"cause_ref\": " + JsonQuote(i.cause_ref) +
           ", \"overdue_seconds\": " + std::to_string(i.overdue_by.count() / 1000000000LL) + ", \"held_by\": [" + held +
           "]}";
  }
  out += plan.items.empty() ? "],\n" : "\n  ],\n";
  out += "  \"holds\": [";
  for (size_t k = 0; k < plan.holds.size(); ++k) {
    const HoldStatus& h = plan.holds[k];
    out += std::string(k ? "," : "") + "\n    {\"hold_id\": " + JsonQuote(h.hold_id) + ", \"active\": " +
           (h.active ? "true" : "false") + ", \"case_reference\": " + JsonQuote(h.case_reference) +
           ", \"owner_ref\": " + JsonQuote(h.owner_ref) + ", \"review_due\": " + JsonQuote(FormatTime(h.review_due)) +
           ", \"review_overdue\": " + (h.review_overdue ? "true" : "false") +
           ", \"items_held\": " + std::to_string(h.items_held) + "}";
  }
  out += plan.holds.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

constexpr OptionSpec kPlanOptions[] = {
    {.name = "--at"}, {.name = "--horizon"}, {.name = "--all", .takes_value = false}, {.name = "--format"}};

constexpr OptionSpec kHoldOptions[] = {
    {.name = "--id"},        {.name = "--reason"},    {.name = "--case"},
    {.name = "--owner"},     {.name = "--review-by"}, {.name = "--next"},
    {.name = "--by"},        {.name = "--at"},        {.name = "--call", .repeatable = true},
    {.name = "--recording", .repeatable = true},      {.name = "--document", .repeatable = true},
    {.name = "--agent", .repeatable = true},          {.name = "--subject", .repeatable = true},
};

constexpr OptionSpec kSubjectOptions[] = {{.name = "--at"}, kMasterKeyFileOption};

}  // namespace

int RunPurgePlan(const Context& ctx, std::span<const std::string> args) {
  ParsedArgs parsed;
  if (auto err = ParseArgs(args, kPlanOptions, &parsed)) return UsageError(ctx, *err);
  if (!parsed.positionals.empty()) return UsageError(ctx, "unexpected argument \"" + parsed.positionals.front() + "\"");
  std::optional<TimePoint> at;
  if (auto err = GetTimeOption(parsed, "--at", &at)) return UsageError(ctx, *err);
  uint64_t horizon = 24;
  if (auto err = GetUintOption(parsed, "--horizon", 0, &horizon)) return UsageError(ctx, *err);
  const std::string format = parsed.get("--format").value_or("table");
  if (format != "table" && format != "json" && format != "csv") {
    return UsageError(ctx, "--format must be table, json or csv, got \"" + format + "\"");
  }
  auto store = OpenStoreForReading(ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  const TimePoint when = at.value_or(std::chrono::system_clock::now());
  auto compliance = OpenCompliance(store->get(), when);
  if (!compliance.ok()) return Fail(ctx, compliance.status());
  PlanOptions options;
  options.horizon = std::chrono::hours(horizon);
  options.include_scheduled = parsed.has("--all");
  options.include_done = parsed.has("--all");
  const RetentionPlan plan = (*compliance)->retention().Plan(when, options);
  if (format == "json") return Write(ctx, FormatPlanJson(plan));
  if (format == "csv") return Write(ctx, FormatPlanCsv(plan));
  return Write(ctx, FormatPlanTable(plan));
}

int RunHold(const Context& ctx, std::span<const std::string> args) {
  if (args.empty()) return UsageError(ctx, "expected place, review or release");
  const std::string action = args.front();
  ParsedArgs parsed;
  if (auto err = ParseArgs(args.subspan(1), kHoldOptions, &parsed)) return UsageError(ctx, *err);
  if (!parsed.positionals.empty()) return UsageError(ctx, "unexpected argument \"" + parsed.positionals.front() + "\"");
  std::optional<TimePoint> at;
  if (auto err = GetTimeOption(parsed, "--at", &at)) return UsageError(ctx, *err);
  const std::string id = parsed.get("--id").value_or("");
  if (id.empty()) return UsageError(ctx, "--id is required");
  Event e;
  if (action == "place") {
    std::optional<TimePoint> review;
    if (auto err = GetTimeOption(parsed, "--review-by", &review)) return UsageError(ctx, *err);
    auto* p = e.mutable_legal_hold_placed();
    p->set_hold_id(id);
    p->set_reason(parsed.get("--reason").value_or(""));
    p->set_case_reference(parsed.get("--case").value_or(""));
    p->set_owner_ref(parsed.get("--owner").value_or(""));
    for (const auto& x : parsed.all("--call")) p->mutable_scope()->add_call_ids(x);
    for (const auto& x : parsed.all("--recording")) p->mutable_scope()->add_recording_ids(x);
    for (const auto& x : parsed.all("--document")) p->mutable_scope()->add_document_ids(x);
    for (const auto& x : parsed.all("--agent")) p->mutable_scope()->add_agent_refs(x);
    for (const auto& x : parsed.all("--subject")) p->mutable_scope()->add_subject_refs(x);
    if (review) *p->mutable_next_review_time() = ToTimestamp(*review);
  } else if (action == "review") {
    std::optional<TimePoint> next;
    if (auto err = GetTimeOption(parsed, "--next", &next)) return UsageError(ctx, *err);
    auto* p = e.mutable_legal_hold_reviewed();
    p->set_hold_id(id);
    p->set_reviewed_by_ref(parsed.get("--by").value_or(""));
    if (next) *p->mutable_next_review_time() = ToTimestamp(*next);
  } else if (action == "release") {
    auto* p = e.mutable_legal_hold_released();
    p->set_hold_id(id);
    p->set_released_by_ref(parsed.get("--by").value_or(""));
    p->set_reason(parsed.get("--reason").value_or(""));
  } else {
    return UsageError(ctx, "expected place, review or release, got \"" + action + "\"");
  }
  *e.mutable_occur_time() = ToTimestamp(at.value_or(std::chrono::system_clock::now()));
  auto store = OpenStore(ctx, /*create=*/false);
  if (!store.ok()) return Fail(ctx, store.status());
  auto ledger = Ledger::Create(store->get());
  if (!ledger.ok()) return Fail(ctx, ledger.status());
  auto recorded = (*ledger)->Record(std::move(e));
  if (!recorded.ok()) return Fail(ctx, recorded.status());
  const char* done = action == "place" ? "placed" : action == "review" ? "reviewed" : "released";
  return Write(ctx, "hold " + id + " " + done + " at log position " + std::to_string(recorded->position) + "\n");
}

int RunSubject(const Context& ctx, std::span<const std::string> args) {
  ParsedArgs parsed;
  if (auto err = ParseArgs(args, kSubjectOptions, &parsed)) return UsageError(ctx, *err);
  if (parsed.positionals.size() != 1) return UsageError(ctx, "expected one subject reference");
  std::optional<TimePoint> at;
  if (auto err = GetTimeOption(parsed, "--at", &at)) return UsageError(ctx, *err);
  auto store = OpenStoreForReading(ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  const TimePoint when = at.value_or(std::chrono::system_clock::now());
  auto compliance = OpenCompliance(store->get(), when);
  if (!compliance.ok()) return Fail(ctx, compliance.status());
  auto e = (*compliance)->subjects().ExportAt(parsed.positionals.front(), when);
  if (!e.ok()) return Fail(ctx, e.status());
  // With the master key (option or environment), the sealed identity is opened; without it,
  // the export says only whether one is sealed or erased.
  if (parsed.has("--master-key-file") || std::getenv(kMasterKeyEnvironmentVariable) != nullptr) {
    int exit_code = kExitOk;
    std::optional<MasterKey> key = LoadMasterKey(ctx, parsed, &exit_code);
    if (!key) return exit_code;
    auto directory = SubjectDirectory::Open(store->get(), *key);
    if (!directory.ok()) return Fail(ctx, directory.status());
    auto record = (*directory)->Lookup(e->subject_ref);
    if (record.ok()) {
      e->identity = record->identity;
    } else if (record.status().code() != StatusCode::kNotFound) {
      return Fail(ctx, record.status());
    }
  }
  return Write(ctx, FormatSubjectExportJson(*e));
}

}  // namespace consent::cli
