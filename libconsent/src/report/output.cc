// SPDX-License-Identifier: Apache-2.0
#include "consent/output.h"

#include <cstdio>
#include <utility>

namespace consent {

std::string FormatSeconds(std::chrono::nanoseconds d) {
  const int64_t ns = d.count();
  const uint64_t magnitude = ns < 0 ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  std::string out = (ns < 0 ? "-" : "") + std::to_string(magnitude / 1'000'000'000);
  uint64_t fraction = magnitude % 1'000'000'000;
  if (fraction == 0) return out;
  std::string digits = std::to_string(fraction);
  digits.insert(0, 9 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

void JsonWriter::BeginObject(std::string_view key) { Open(key, '{'); }
void JsonWriter::EndObject() { Close('}'); }
void JsonWriter::BeginArray(std::string_view key) { Open(key, '['); }
void JsonWriter::EndArray() { Close(']'); }
void JsonWriter::String(std::string_view key, std::string_view v) { Raw(key, JsonString(v)); }
void JsonWriter::Uint(std::string_view key, uint64_t v) { Raw(key, std::to_string(v)); }
void JsonWriter::Int(std::string_view key, int64_t v) { Raw(key, std::to_string(v)); }
void JsonWriter::Bool(std::string_view key, bool v) { Raw(key, v ? "true" : "false"); }
void JsonWriter::Null(std::string_view key) { Raw(key, "null"); }

void JsonWriter::Double(std::string_view key, double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  Raw(key, buf);
}

void JsonWriter::OptTime(std::string_view key, const std::optional<TimePoint>& t) {
  if (t) {
    Time(key, *t);
  } else {
    Null(key);
  }
}

void JsonWriter::Time(std::string_view key, TimePoint t) { String(key, FormatTime(t)); }

void JsonWriter::OptDouble(std::string_view key, const std::optional<double>& v) {
  if (v) {
    Double(key, *v);
  } else {
    Null(key);
  }
}

void JsonWriter::Strings(std::string_view key, const std::vector<std::string>& values) {
  BeginArray(key);
  for (const std::string& v : values) String({}, v);
  EndArray();
}

void JsonWriter::Raw(std::string_view key, std::string_view v) {
  Prefix(key);
  out_.append(v);
}

std::string JsonWriter::Take() {
  std::string out = std::move(out_) + "\n";
  out_.clear();
  first_.clear();
  return out;
}

void JsonWriter::Prefix(std::string_view key) {
  if (!first_.empty()) {
    if (!first_.back()) out_ += ",";
    first_.back() = false;
    out_.push_back('\n');
    out_.append(2 * first_.size(), ' ');
  }
  if (!key.empty()) out_ += JsonString(key) + ": ";
}

void JsonWriter::Open(std::string_view key, char c) {
  Prefix(key);
  out_.push_back(c);
  first_.push_back(true);
}

void JsonWriter::Close(char c) {
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) {
    out_.push_back('\n');
    out_.append(2 * first_.size(), ' ');
  }
  out_.push_back(c);
}

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string CsvList(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) {
    if (!out.empty()) out.push_back(';');
    out += v;
  }
  return out;
}

CsvWriter::CsvWriter(const std::vector<std::string_view>& header) {
  Line(std::vector<std::string>(header.begin(), header.end()));
}

void CsvWriter::Row(const std::vector<std::string>& fields) { Line(fields); }

void CsvWriter::Line(const std::vector<std::string>& fields) {
  bool first = true;
  for (const std::string& f : fields) {
    if (!first) out_.push_back(',');
    first = false;
    out_ += CsvField(f);
  }
  out_ += "\r\n";
}

std::string CsvWriter::Take() {
  std::string out = std::move(out_);
  out_.clear();
  return out;
}

}  // namespace consent
