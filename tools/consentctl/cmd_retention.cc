// SPDX-License-Identifier: Apache-2.0
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
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli.h"
#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/ledger.h"
#include "consent/output.h"
#include "consent/report.h"
#include "consent/retention.h"
#include "consent/subject_index.h"
#include "master_key.h"

namespace consent::cli {
namespace {

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

// "RETENTION" for PURGE_REASON_RETENTION; "" when unspecified (the name pandas shows too).
std::string ReasonName(v1::PurgeReason r) {
  if (r == v1::PURGE_REASON_UNSPECIFIED) return "";
  std::string name = v1::PurgeReason_Name(r);
  constexpr std::string_view kPrefix = "PURGE_REASON_";
  return name.starts_with(kPrefix) ? name.substr(kPrefix.size()) : name;
}

// The purge plan's columns, in order (docs/output.md): one definition for CSV and JSON.
template <typename Sink>
void PlanItemColumns(const PurgeItem& i, Sink& s) {
  s.Str("state", PurgeStateName(i.state));
  s.Str("rule_id", i.rule_id);
  s.Time("due", i.due);
  s.Time("collected", i.collected);
  s.Str("target", PurgeTargetName(i.target));
  s.Str("recording_id", i.recording_id);
  s.Str("artefact_id", i.artefact_id);
  s.Str("copy_id", i.copy_id);
  s.Str("document_id", i.document_id);
  s.Str("call_id", i.call_id);
  s.Str("agent_ref", i.agent_ref);
  s.Str("storage_ref", i.storage_ref);
  s.Str("content_hash", i.content_hash_hex);
  s.Str("reason", ReasonName(i.reason));
  s.Str("cause_ref", i.cause_ref);
  s.Seconds("overdue_seconds", i.overdue_by);
  s.List("held_by", i.held_by);
}

// The legal holds' columns (the "holds" array of the JSON plan).
template <typename Sink>
void HoldColumns(const HoldStatus& h, Sink& s) {
  s.Str("hold_id", h.hold_id);
  s.Bool("active", h.active);
  s.Str("case_reference", h.case_reference);
  s.Str("owner_ref", h.owner_ref);
  s.Str("reason", h.reason);
  s.Time("placed", h.placed);
  s.OptTime("released", h.released);
  s.Time("review_due", h.review_due);
  s.Bool("review_overdue", h.review_overdue);
  s.Uint("items_held", h.items_held);
}

// Writes columns as the members of a JSON object.
struct JsonSink {
  JsonWriter& w;
  void Str(std::string_view k, std::string_view v) { w.String(k, v); }
  void Time(std::string_view k, TimePoint t) { w.Time(k, t); }
  void OptTime(std::string_view k, const std::optional<TimePoint>& t) { w.OptTime(k, t); }
  void Seconds(std::string_view k, std::chrono::nanoseconds d) { w.Raw(k, FormatSeconds(d)); }
  void List(std::string_view k, const std::vector<std::string>& v) { w.Strings(k, v); }
  void Bool(std::string_view k, bool v) { w.Bool(k, v); }
  void Uint(std::string_view k, uint64_t v) { w.Uint(k, v); }
};

// Collects columns as one CSV row (and their names, for the header).
struct CsvSink {
  std::vector<std::string_view> names;
  std::vector<std::string> fields;
  void Add(std::string_view k, std::string v) {
    names.push_back(k);
    fields.push_back(std::move(v));
  }
  void Str(std::string_view k, std::string_view v) { Add(k, std::string(v)); }
  void Time(std::string_view k, TimePoint t) { Add(k, FormatTime(t)); }
  void Seconds(std::string_view k, std::chrono::nanoseconds d) { Add(k, FormatSeconds(d)); }
  void List(std::string_view k, const std::vector<std::string>& v) { Add(k, CsvList(v)); }
};

std::string FormatPlanCsv(const RetentionPlan& plan) {
  CsvSink header;
  PlanItemColumns(PurgeItem{}, header);
  CsvWriter csv(header.names);
  for (const PurgeItem& i : plan.items) {
    CsvSink row;
    PlanItemColumns(i, row);
    csv.Row(row.fields);
  }
  return csv.Take();
}

std::string FormatPlanJson(const RetentionPlan& plan) {
  JsonWriter w;
  JsonSink sink{w};
  w.BeginObject();
  w.Time("at", plan.at);
  w.Uint("log_position", plan.position);
  w.BeginObject("counts");
  w.Uint("overdue", plan.overdue);
  w.Uint("due", plan.due);
  w.Uint("awaiting_receipt", plan.awaiting_receipt);
  w.Uint("held", plan.held);
  w.Uint("scheduled", plan.scheduled);
  w.Uint("done", plan.done);
  w.Uint("recordings", plan.recordings);
  w.Uint("documents", plan.documents);
  w.EndObject();
  w.BeginArray("items");
  for (const PurgeItem& i : plan.items) {
    w.BeginObject();
    PlanItemColumns(i, sink);
    w.EndObject();
  }
  w.EndArray();
  w.BeginArray("holds");
  for (const HoldStatus& h : plan.holds) {
    w.BeginObject();
    HoldColumns(h, sink);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

struct PlanArgs {
  std::optional<TimePoint> at;
  uint64_t horizon = 24;
  bool all = false;
  std::string format;
};

// Every option of the three hold actions; each action registers the ones it records.
struct HoldArgs {
  std::string action;
  std::string id;
  std::string reason;
  std::string case_reference;
  std::string owner;
  std::string by;
  std::optional<TimePoint> review_by;
  std::optional<TimePoint> next;
  std::optional<TimePoint> at;
  std::vector<std::string> calls, recordings, documents, agents, subjects;
  bool review_reason_given = false;
};

struct SubjectArgs {
  std::string ref;
  std::optional<TimePoint> at;
  std::string master_key_file;
};

int RunPurgePlan(const Context& ctx, const PlanArgs& args) {
  auto store = OpenStoreForReading(ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  const TimePoint when = args.at.value_or(std::chrono::system_clock::now());
  auto compliance = OpenCompliance(store->get(), when);
  if (!compliance.ok()) return Fail(ctx, compliance.status());
  PlanOptions options;
  options.horizon = std::chrono::hours(args.horizon);
  options.include_scheduled = args.all;
  options.include_done = args.all;
  const RetentionPlan plan = (*compliance)->retention().Plan(when, options);
  if (args.format == "json") return WriteOut(ctx, FormatPlanJson(plan));
  if (args.format == "csv") return WriteOut(ctx, FormatPlanCsv(plan));
  return WriteOut(ctx, FormatPlanTable(plan));
}

// The fact `args` describe, ready for the Ledger.
Event HoldEvent(const HoldArgs& args) {
  Event e;
  if (args.action == "place") {
    auto* p = e.mutable_legal_hold_placed();
    p->set_hold_id(args.id);
    p->set_reason(args.reason);
    p->set_case_reference(args.case_reference);
    p->set_owner_ref(args.owner);
    for (const auto& x : args.calls) p->mutable_scope()->add_call_ids(x);
    for (const auto& x : args.recordings) p->mutable_scope()->add_recording_ids(x);
    for (const auto& x : args.documents) p->mutable_scope()->add_document_ids(x);
    for (const auto& x : args.agents) p->mutable_scope()->add_agent_refs(x);
    for (const auto& x : args.subjects) p->mutable_scope()->add_subject_refs(x);
    if (args.review_by) *p->mutable_next_review_time() = ToTimestamp(*args.review_by);
  } else if (args.action == "review") {
    auto* p = e.mutable_legal_hold_reviewed();
    p->set_hold_id(args.id);
    p->set_reviewed_by_ref(args.by);
    if (args.next) *p->mutable_next_review_time() = ToTimestamp(*args.next);
  } else {
    auto* p = e.mutable_legal_hold_released();
    p->set_hold_id(args.id);
    p->set_released_by_ref(args.by);
    p->set_reason(args.reason);
  }
  *e.mutable_occur_time() = ToTimestamp(args.at.value_or(std::chrono::system_clock::now()));
  return e;
}

int RunHold(const Context& ctx, const HoldArgs& args) {
  if (args.review_reason_given) {
    return UsageError(ctx, "--reason is not recorded by a review (LegalHoldReviewed holds the hold, "
                           "the reviewer and the next review date); give the reason when placing "
                           "or releasing the hold");
  }
  auto store = OpenStore(ctx, /*create=*/false);
  if (!store.ok()) return Fail(ctx, store.status());
  auto ledger = Ledger::Create(store->get());
  if (!ledger.ok()) return Fail(ctx, ledger.status());
  auto recorded = (*ledger)->Record(HoldEvent(args));
  if (!recorded.ok()) return Fail(ctx, recorded.status());
  const char* done = args.action == "place" ? "placed" : args.action == "review" ? "reviewed" : "released";
  return WriteOut(ctx, "hold " + args.id + " " + done + " at log position " +
                           std::to_string(recorded->position) + "\n");
}

int RunSubject(const Context& ctx, const SubjectArgs& args) {
  auto store = OpenStoreForReading(ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  const TimePoint when = args.at.value_or(std::chrono::system_clock::now());
  auto compliance = OpenCompliance(store->get(), when);
  if (!compliance.ok()) return Fail(ctx, compliance.status());
  auto e = (*compliance)->subjects().ExportAt(args.ref, when);
  if (!e.ok()) return Fail(ctx, e.status());
  // With the master key (option or environment), the sealed identity is opened; without it,
  // the export says only whether one is sealed or erased.
  if (!args.master_key_file.empty() || std::getenv(kMasterKeyEnvironmentVariable) != nullptr) {
    int exit_code = kExitOk;
    std::optional<MasterKey> key = LoadMasterKey(ctx, args.master_key_file, &exit_code);
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
  return WriteOut(ctx, FormatSubjectExportJson(*e));
}

constexpr const char* kAtHelp = "the time to judge at (default: now)";

void AddPurgePlanCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<PlanArgs>();
  CLI::App* cmd = AddCommand(app, "purge-plan", "what to delete now, why and by when; legal holds and their reviews");
  AddTimeOption(cmd, "--at", &args->at, kAtHelp);
  cmd->add_option("--horizon", args->horizon,
                  "list retention purges as due this many hours before their deadline (default: 24)")
      ->check(IntegerBetween(0))
      ->type_name("HOURS");
  cmd->add_flag("--all", args->all, "also list scheduled purges and those already done");
  AddFormatOption(cmd, &args->format, {"table", "json", "csv"});
  cmd->footer("Exit status 0 even when purges are overdue: the plan says so.");
  SetRun(cmd, ctx, [args](const Context& c) { return RunPurgePlan(c, *args); });
}

CLI::App* AddHoldAction(CLI::App* hold, Context& ctx, const std::string& action, const std::string& description,
                        const std::shared_ptr<HoldArgs>& args) {
  CLI::App* cmd = AddCommand(*hold, action, description);
  cmd->add_option("--id", args->id, "the hold's id")->required()->type_name("H");
  AddTimeOption(cmd, "--at", &args->at, "when it happened (default: now)");
  SetRun(cmd, ctx, [args, action](const Context& c) {
    args->action = action;
    return RunHold(c, *args);
  });
  return cmd;
}

void AddHoldCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<HoldArgs>();
  CLI::App* hold = AddCommand(app, "hold", "record a legal hold, its review or its release");
  hold->require_subcommand(1);

  CLI::App* place = AddHoldAction(hold, ctx, "place", "place a legal hold: its purges wait until it is released", args);
  place->add_option("--reason", args->reason, "why the hold is needed")->type_name("TEXT");
  place->add_option("--case", args->case_reference, "the case it serves")->type_name("REF");
  place->add_option("--owner", args->owner, "who answers for it")->type_name("REF");
  AddTimeOption(place, "--review-by", &args->review_by, "first review date (default: placement + 90 days)");
  place->add_option("--call", args->calls, "a call it covers (repeatable)")->type_name("ID");
  place->add_option("--recording", args->recordings, "a recording it covers (repeatable)")->type_name("ID");
  place->add_option("--document", args->documents, "an analysis document it covers (repeatable)")->type_name("ID");
  place->add_option("--agent", args->agents, "an agent whose recordings it covers (repeatable)")->type_name("REF");
  place->add_option("--subject", args->subjects, "a subject whose records it covers (repeatable)")->type_name("REF");

  CLI::App* review = AddHoldAction(hold, ctx, "review", "record a review of a legal hold (due every 90 days)", args);
  review->add_option("--by", args->by, "who reviewed it")->type_name("REF");
  AddTimeOption(review, "--next", &args->next, "next review date (default: review + 90 days)");
  // A review records no reason: refused with a clear message rather than dropped.
  review->add_option_function<std::string>("--reason", [args](const std::string&) { args->review_reason_given = true; })
      ->group("");

  CLI::App* release = AddHoldAction(hold, ctx, "release", "release a legal hold: purges it held fall due", args);
  release->add_option("--by", args->by, "who released it")->type_name("REF");
  release->add_option("--reason", args->reason, "why (\"case closed\")")->type_name("TEXT");
}

void AddSubjectCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<SubjectArgs>();
  CLI::App* cmd = AddCommand(app, "subject",
                             "subject access export (calls, recordings, access log, documents, requests) as JSON");
  cmd->add_option("REF", args->ref, "the subject's reference")->required();
  AddTimeOption(cmd, "--at", &args->at, kAtHelp);
  AddMasterKeyFileOption(cmd, &args->master_key_file)
      ->description("with the master key (this file, or $LIBCONSENT_MASTER_KEY), the export includes "
                    "the subject's sealed identity unless erased");
  SetRun(cmd, ctx, [args](const Context& c) { return RunSubject(c, *args); });
}

}  // namespace

void AddRetentionCommands(CLI::App& app, Context& ctx) {
  AddPurgePlanCommand(app, ctx);
  AddHoldCommand(app, ctx);
  AddSubjectCommand(app, ctx);
}

}  // namespace consent::cli
