// A small JSON writer (two-space indent, commas kept right) shared by the report and the
// subject export. Internal.
#ifndef CONSENT_INTERNAL_JSON_WRITER_H_
#define CONSENT_INTERNAL_JSON_WRITER_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/report.h"

namespace consent::internal {

inline std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
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

// A small writer that keeps commas right and indents two spaces per level.
class JsonWriter {
 public:
  void BeginObject(std::string_view key = {}) { Open(key, '{'); }
  void EndObject() { Close('}'); }
  void BeginArray(std::string_view key = {}) { Open(key, '['); }
  void EndArray() { Close(']'); }
  void String(std::string_view key, std::string_view v) { Raw(key, JsonString(v)); }
  void Uint(std::string_view key, uint64_t v) { Raw(key, std::to_string(v)); }
  void Bool(std::string_view key, bool v) { Raw(key, v ? "true" : "false"); }
  void Null(std::string_view key) { Raw(key, "null"); }
  void Double(std::string_view key, double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f", v);
    Raw(key, buf);
  }
  void OptTime(std::string_view key, const std::optional<TimePoint>& t) {
    if (t) {
      String(key, FormatTime(*t));
    } else {
      Null(key);
    }
  }
  void OptDouble(std::string_view key, const std::optional<double>& v) {
    if (v) {
      Double(key, *v);
    } else {
      Null(key);
    }
  }
  std::string Take() { return std::move(out_) + "\n"; }
  // A value already in JSON form.
  void Raw(std::string_view key, std::string_view v) {
    Prefix(key);
    out_.append(v);
  }

 private:
  void Prefix(std::string_view key) {
    if (!first_.empty()) {
      if (!first_.back()) out_ += ",";
      first_.back() = false;
      out_.push_back('\n');
      out_.append(2 * first_.size(), ' ');
    }
    if (!key.empty()) out_ += JsonString(key) + ": ";
  }
  void Open(std::string_view key, char c) {
    Prefix(key);
    out_.push_back(c);
    first_.push_back(true);
  }
  void Close(char c) {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) {
      out_.push_back('\n');
      out_.append(2 * first_.size(), ' ');
    }
    out_.push_back(c);
  }

  std::string out_;
  std::vector<bool> first_;  // per open level: nothing written yet
};

}  // namespace consent::internal

#endif  // CONSENT_INTERNAL_JSON_WRITER_H_
