// SPDX-License-Identifier: Apache-2.0
// Column-wise tables for pandas, built in C++.
//
// A table is declared once, as columns of a row type, with Columns<Row> (tables.cc):
//
//   Columns<AgentSummary> t;
//   t.Str("agent_ref", [](const AgentSummary& a) { return a.agent_ref; });
//   t.Cat("team_id", [](const AgentSummary& a) { return a.team_id; });
//   t.Int("handled_calls", [](const AgentSummary& a) { return a.handled_calls; });
//   compliance.agents().ForEach(at, [&](const AgentSummary& a) { t.Add(a); return true; });
//   return t.Finish();
//
// Adding a table: a Build* function in tables.cc declaring its columns like the above, and one
// line in its Tables() list. It is then in libconsent.TABLES and reads as
// compliance.<name>.to_pandas() with no Python change.
//
// The rows are walked without the GIL; TableToPython then hands each column to numpy without a
// copy (the vector becomes the array's memory), so no Python object is made per row except
// for "str" columns (one str per cell: use them only for ids unique per row; repeated values
// belong in "category" columns, which are codes plus a small list of categories).

#ifndef CONSENT_BINDINGS_PYTHON_TABLES_H_
#define CONSENT_BINDINGS_PYTHON_TABLES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common.h"
#include "consent/compliance.h"

namespace consent::python {

// Strings of a column in one buffer (no allocation per cell).
struct Strings {
  std::string blob;
  std::vector<uint64_t> ends;
  void Add(std::string_view s) {
    blob.append(s);
    ends.push_back(blob.size());
  }
  size_t size() const { return ends.size(); }
  std::string_view operator[](size_t i) const {
    const uint64_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(blob).substr(begin, ends[i] - begin);
  }
};

struct ColumnData {
  enum class Kind { kInt64, kFloat64, kBool, kTime, kCategory, kStr };
  std::string name;
  Kind kind = Kind::kInt64;
  std::vector<int64_t> i64;           // kInt64; kTime (ns since the epoch, INT64_MIN = NaT)
  std::vector<double> f64;            // kFloat64 (NaN = missing)
  std::vector<uint8_t> b;             // kBool
  std::vector<int32_t> codes;         // kCategory (-1 = missing)
  Strings strs;                       // kStr; kCategory: the categories
};
using TableData = std::vector<ColumnData>;

// Names BuildTable knows, in documentation order.
const std::vector<std::string>& TableNames();

// REQUIRES: the GIL is not held. kInvalidArgument for an unknown name.
TableData BuildTable(const std::string& name, const Compliance& compliance,
                     const EventStore& store, TimePoint at);

// The retention_plan table for explicit plan options (the named table uses PlanOptions{}).
// REQUIRES: the GIL is not held.
TableData BuildRetentionPlanTable(const Compliance& compliance, TimePoint at,
                                  const PlanOptions& options);

// REQUIRES: the GIL is held. [(name, kind, numpy array, categories or None)].
py::list TableToPython(TableData&& table);

// Benchmark hook (bench/bench_python_tables.py): the engine's evaluated calls, collected
// without the GIL, then held by a Python object whose columns(total) runs the calls table's
// column building alone over `total` rows.
std::vector<CallVerdicts> CollectCallsNoGil(const Compliance& compliance, TimePoint at);
py::object MakeCallRowsForBench(std::vector<CallVerdicts> rows);
// Benchmark hook: the engine's ForEach over every call, doing nothing with them.
uint64_t ScanCallsNoGil(const Compliance& compliance, TimePoint at);

}  // namespace consent::python

#endif  // CONSENT_BINDINGS_PYTHON_TABLES_H_
