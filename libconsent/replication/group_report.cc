// SPDX-License-Identifier: Apache-2.0
#include "consent/group_report.h"

#include <algorithm>
#include <map>
#include <utility>

#include "consent/group.h"

namespace consent {
namespace {

void AddTally(RuleTally& into, const RuleTally& from, const std::string& site) {
  into.violated += from.violated;
  into.unverified += from.unverified;
  into.pending += from.pending;
  into.ok += from.ok;
  into.not_applicable += from.not_applicable;
  for (ReportExample e : from.examples) {
    e.subject = site + "/" + e.subject;
    into.examples.push_back(std::move(e));
  }
}

void AddRoles(std::vector<RoleCount>& into, const std::vector<RoleCount>& from) {
  for (const RoleCount& r : from) {
    auto it = std::find_if(into.begin(), into.end(), [&](const RoleCount& x) { return x.role == r.role; });
    if (it == into.end()) {
      into.push_back(r);
    } else {
      it->count += r.count;
    }
  }
  std::stable_sort(into.begin(), into.end(), [](const RoleCount& a, const RoleCount& b) { return a.count > b.count; });
}

void AddTotals(ReportTotals& t, const ReportTotals& s) {
  t.calls += s.calls;
  t.recorded_calls += s.recorded_calls;
  if (s.recordings) t.recordings = t.recordings.value_or(0) + *s.recordings;
  t.private_calls += s.private_calls;
  t.calls_violated += s.calls_violated;
  t.calls_unverified += s.calls_unverified;
  t.objections_caller += s.objections_caller;
  t.objections_agent += s.objections_agent;
  t.objections_during_capture += s.objections_during_capture;
  t.objections_honoured += s.objections_honoured;
  t.objections_late += s.objections_late;
  t.objections_not_stopped += s.objections_not_stopped;
  t.objections_unverified += s.objections_unverified;
  t.objections_withdrawn += s.objections_withdrawn;
  t.objections_overruled += s.objections_overruled;
  t.accesses += s.accesses;
  t.accesses_refused += s.accesses_refused;
  t.accesses_unlawful += s.accesses_unlawful;
}

void AddRetention(AuditReport::Retention& r, const AuditReport::Retention& s, const std::string& site) {
  r.overdue += s.overdue;
  r.due += s.due;
  r.awaiting_receipt += s.awaiting_receipt;
  r.held += s.held;
  r.scheduled += s.scheduled;
  r.done += s.done;
  r.recordings += s.recordings;
  r.documents += s.documents;
  r.holds_active += s.holds_active;
  r.holds_review_overdue += s.holds_review_overdue;
  for (PurgeItem item : s.overdue_examples) {
    item.call_id = site + "/" + item.call_id;
    r.overdue_examples.push_back(std::move(item));
  }
}

}  // namespace

AuditReport MergeReports(const std::vector<SiteReport>& sites) {
  AuditReport total;
  if (sites.empty()) return total;
  const AuditReport& first = sites.front().report;
  total.at = first.at;
  total.from = first.from;
  total.to = first.to;
  total.policy_registration_id = first.policy_registration_id;
  total.policy = first.policy;
  total.policy_description = first.policy_description;
  total.store_figures = true;
  for (const SiteReport& s : sites) {
    const AuditReport& r = s.report;
    if (r.first_call && (!total.first_call || *r.first_call < *total.first_call)) total.first_call = r.first_call;
    if (r.last_call && (!total.last_call || *r.last_call > *total.last_call)) total.last_call = r.last_call;
    total.position = std::max(total.position, r.position);
    total.store_figures = total.store_figures && r.store_figures;
    AddTotals(total.totals, r.totals);
    for (const RuleTally& t : r.rules) {
      auto it = std::find_if(total.rules.begin(), total.rules.end(), [&](const RuleTally& x) {
        return x.rule_id == t.rule_id && x.attaches_to == t.attaches_to;
      });
      if (it == total.rules.end()) {
        RuleTally fresh = t;
        fresh.violated = fresh.unverified = fresh.pending = fresh.ok = fresh.not_applicable = 0;
        fresh.examples.clear();
        total.rules.push_back(std::move(fresh));
        it = total.rules.end() - 1;
      }
      AddTally(*it, t, s.site);
    }
    for (AgentShareRow row : r.agents_over_share) {
      row.agent_ref = s.site + "/" + row.agent_ref;
      total.agents_over_share.push_back(std::move(row));
    }
    total.agents += r.agents;
    total.agents_protected += r.agents_protected;
    total.agents_not_informed += r.agents_not_informed;
    total.agents_objecting += r.agents_objecting;
    AddRoles(total.refused_by_role, r.refused_by_role);
    AddRoles(total.unlawful_by_role, r.unlawful_by_role);
    for (RegistrationRow row : r.registrations) {
      row.registration_id = s.site + "/" + row.registration_id;
      total.registrations.push_back(std::move(row));
    }
    AddRetention(total.retention, r.retention, s.site);
  }
  total.totals.recorded_share_bp =
      total.totals.calls == 0 ? 0 : static_cast<uint32_t>(total.totals.recorded_calls * 10000 / total.totals.calls);
  std::stable_sort(total.agents_over_share.begin(), total.agents_over_share.end(),
                   [](const AgentShareRow& a, const AgentShareRow& b) { return a.recorded_share_bp > b.recorded_share_bp; });
  return total;
}

StatusOr<GroupReport> BuildGroupReport(EventStore& group, const ReportOptions& options, const ComplianceOptions& base) {
  auto proof = VerifyGroup(group);
  if (!proof.ok()) return proof.status();
  GroupReport out;
  for (const GroupSite& site : proof->sites) {
    ComplianceOptions o = base;
    o.persist = false;
    o.site = site.site;
    auto engine = Compliance::Open(&group, o);
    if (!engine.ok()) return engine.status();
    auto folded = (*engine)->CatchUp();
    if (!folded.ok()) return folded.status();
    auto report = BuildReport(**engine, group, options);
    if (!report.ok()) return report.status();
    out.sites.push_back({site.site, std::move(*report)});
  }
  out.total = MergeReports(out.sites);
  return out;
}

std::string FormatGroupReport(const GroupReport& report, ReportFormat format) {
  std::string out;
  switch (format) {
    case ReportFormat::kJson: {
      out = "{\"sites\":[";
      for (size_t i = 0; i < report.sites.size(); ++i) {
        std::string body = FormatReport(report.sites[i].report, format);
        while (!body.empty() && body.back() == '\n') body.pop_back();
        out += (i ? ",{\"site\":\"" : "{\"site\":\"") + report.sites[i].site + "\",\"report\":" + body + "}";
      }
      std::string total = FormatReport(report.total, format);
      while (!total.empty() && total.back() == '\n') total.pop_back();
      return out + "],\"total\":" + total + "}\n";
    }
    case ReportFormat::kCsv: {
      auto rows = [](const AuditReport& r, const std::string& site, bool header) {
        const std::string csv = FormatReport(r, ReportFormat::kCsv);
        std::string lines;
        size_t start = 0;
        bool first = true;
        while (start < csv.size()) {
          size_t end = csv.find('\n', start);
          if (end == std::string::npos) end = csv.size();
          if (!first || header) lines += (first ? std::string("site") : site) + "," + csv.substr(start, end - start) + "\n";
          first = false;
          start = end + 1;
        }
        return lines;
      };
      bool header = true;
      for (const SiteReport& s : report.sites) {
        out += rows(s.report, s.site, header);
        header = false;
      }
      return out + rows(report.total, "*", header);
    }
    case ReportFormat::kTable:
      for (const SiteReport& s : report.sites) out += "== site " + s.site + "\n" + FormatReport(s.report, format) + "\n";
      return out + "== group (" + std::to_string(report.sites.size()) + " sites)\n" + FormatReport(report.total, format);
  }
  return out;
}

}  // namespace consent
