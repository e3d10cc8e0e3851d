// SPDX-License-Identifier: Apache-2.0
// The output contract of libconsent's reports and of consentctl: one JSON writer and one CSV
// writer, used by every table the library or the tool prints (audit report, purge plan,
// subject export, store figures, identities, the rule catalogue).
//
//   JSON  UTF-8, two-space indent, snake_case keys, times as RFC 3339 UTC strings
//         (FormatTime), counts as numbers, absent values as null, lists as arrays.
//         Events alone keep protobuf's JSON mapping (lowerCamel keys).
//   CSV   RFC 4180: a header row, CRLF after every row, a field quoted when it holds a comma,
//         a double quote, CR or LF (quotes doubled inside); lists joined with ';'.
//
//   consent::JsonWriter w;
//   w.BeginObject();
//   w.String("store_id", id);
//   w.Uint("head_position", 42);
//   w.EndObject();
//   std::string text = w.Take();   // "{\n  \"store_id\": ...\n}\n"
//
// The column names and types of each table are listed in docs/output.md.
//
// Writers are values with no shared state: one per thread.
#ifndef CONSENT_OUTPUT_H_
#define CONSENT_OUTPUT_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/time_format.h"

namespace consent {

// A duration in seconds as a decimal number: "3600", "0.25" (no exponent, no trailing zeros).
std::string FormatSeconds(std::chrono::nanoseconds d);

// `s` as a JSON string literal, quotes included (control characters escaped, UTF-8 kept).
std::string JsonString(std::string_view s);

// Builds one JSON document. Keys are written as given: pass snake_case names. Calls must nest
// (every Begin* has its End*); a key is ignored inside arrays and required inside objects.
class JsonWriter {
 public:
  void BeginObject(std::string_view key = {});
  void EndObject();
  void BeginArray(std::string_view key = {});
  void EndArray();
  void String(std::string_view key, std::string_view v);
  void Uint(std::string_view key, uint64_t v);
  void Int(std::string_view key, int64_t v);
  void Bool(std::string_view key, bool v);
  void Null(std::string_view key);
  // One decimal: 12.5.
  void Double(std::string_view key, double v);
  // FormatTime(*t), or null.
  void OptTime(std::string_view key, const std::optional<TimePoint>& t);
  void Time(std::string_view key, TimePoint t);
  void OptDouble(std::string_view key, const std::optional<double>& v);
  // An array of strings.
  void Strings(std::string_view key, const std::vector<std::string>& values);
  // A value already in JSON form.
  void Raw(std::string_view key, std::string_view v);
  // The document, newline-terminated; the writer is left empty.
  std::string Take();

 private:
  void Prefix(std::string_view key);
  void Open(std::string_view key, char c);
  void Close(char c);

  std::string out_;
  std::vector<bool> first_;  // per open level: nothing written yet
};

// One CSV field, quoted when RFC 4180 requires it.
std::string CsvField(std::string_view s);
// Several values in one field: "a;b;c" (then quoted as needed by the writer).
std::string CsvList(const std::vector<std::string>& values);

// Builds one CSV table: the header at construction, then one Row() per record.
class CsvWriter {
 public:
  explicit CsvWriter(const std::vector<std::string_view>& header);
  // REQUIRES: as many fields as the header has columns.
  void Row(const std::vector<std::string>& fields);
  // The table; the writer is left empty.
  std::string Take();

 private:
  void Line(const std::vector<std::string>& fields);

  std::string out_;
};

}  // namespace consent

#endif  // CONSENT_OUTPUT_H_
