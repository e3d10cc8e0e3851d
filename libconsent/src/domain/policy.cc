// SPDX-License-Identifier: Apache-2.0
#include "consent/policy.h"

#include <sstream>

namespace consent {

Policy Policy::ForRegistration(const v1::ProcessingDetails& d) {
  Policy p;
  const auto& o = d.policy();
  if (o.has_pause_budget_ms()) p.pause_budget = std::chrono::milliseconds(o.pause_budget_ms());
  if (o.has_purge_after_objection_hours()) p.purge_after_objection = std::chrono::hours(o.purge_after_objection_hours());
  if (o.has_purge_after_private_hours()) p.purge_after_private = std::chrono::hours(o.purge_after_private_hours());
  if (o.has_hold_review_days()) p.hold_review = std::chrono::hours(24 * o.hold_review_days());
  if (o.has_hold_release_purge_hours()) p.hold_release_grace = std::chrono::hours(o.hold_release_purge_hours());
  if (o.has_probe_max_age_hours()) p.probe_max_age = std::chrono::hours(o.probe_max_age_hours());
  if (o.has_min_use_share_bp()) p.min_use_share_bp = o.min_use_share_bp();
  if (o.has_analysis_free_text_max_chars()) p.analysis_free_text_max_chars = o.analysis_free_text_max_chars();
  if (d.sampling().has_max_share_bp()) p.max_share_bp = d.sampling().max_share_bp();
  if (d.sampling().has_warn_share_bp()) p.warn_share_bp = d.sampling().warn_share_bp();
  if (d.recording_retention_months() != 0) p.recording_retention_months = d.recording_retention_months();
  if (d.analysis_retention_months() != 0) p.analysis_retention_months = d.analysis_retention_months();
  return p;
}

std::string Policy::Describe() const {
  const Policy def;
  std::ostringstream out;
  auto line = [&](const char* name, const std::string& value, bool is_default) {
    out << "  " << name << ": " << value << (is_default ? "" : " (override)") << "\n";
  };
  auto pct = [](uint32_t bp) {
    std::ostringstream s;
    s << bp / 100 << "." << (bp % 100) / 10 << " %";
    return s.str();
  };
  line("pause budget", std::to_string(pause_budget.count()) + " ms", pause_budget == def.pause_budget);
  line("purge after objection", std::to_string(purge_after_objection.count()) + " h",
       purge_after_objection == def.purge_after_objection);
  line("purge after private flag", std::to_string(purge_after_private.count()) + " h",
       purge_after_private == def.purge_after_private);
  line("sampling share max", pct(max_share_bp), max_share_bp == def.max_share_bp);
  line("sampling share warn", pct(warn_share_bp), warn_share_bp == def.warn_share_bp);
  line("sampling window", std::to_string(sampling_window.count() / 24) + " days", true);
  line("recordings used min", pct(min_use_share_bp), min_use_share_bp == def.min_use_share_bp);
  line("probe max age", std::to_string(probe_max_age.count()) + " h", probe_max_age == def.probe_max_age);
  line("recording retention", std::to_string(recording_retention_months) + " months",
       recording_retention_months == def.recording_retention_months);
  line("analysis retention", std::to_string(analysis_retention_months) + " months",
       analysis_retention_months == def.analysis_retention_months);
  line("legal hold review", std::to_string(hold_review.count() / 24) + " days", hold_review == def.hold_review);
  line("purge after hold release", std::to_string(hold_release_grace.count()) + " h",
       hold_release_grace == def.hold_release_grace);
  line("analysis free text max", std::to_string(analysis_free_text_max_chars) + " chars",
       analysis_free_text_max_chars == def.analysis_free_text_max_chars);
  return out.str();
}

}  // namespace consent
