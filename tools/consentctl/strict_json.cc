// SPDX-License-Identifier: Apache-2.0
#include "strict_json.h"

#include <cstdint>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

namespace consent::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

constexpr std::string_view kTimestampType = "google.protobuf.Timestamp";

// What the schema expects of the value about to be read. `field` null: a name `type` does not
// know (protobuf reports it) or the top-level object of type `message`.
struct Slot {
  const FieldDescriptor* field = nullptr;
  const Descriptor* message = nullptr;
  bool element = false;  // an element of the repeated `field`
};

bool IsTimestamp(const FieldDescriptor* f) {
  return f->message_type() != nullptr && f->message_type()->full_name() == kTimestampType;
}

std::string ByteName(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02X", c);
  return buf;
}

// Which JSON kinds a field accepts, in words ("a JSON string (an RFC 3339 timestamp)").
std::string ExpectedKind(const FieldDescriptor* f, bool element) {
  if (f->is_repeated() && !element) return "a JSON list";
  if (IsTimestamp(f)) return "a JSON string (an RFC 3339 timestamp)";
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE: return "a JSON object";
    case FieldDescriptor::CPPTYPE_STRING:
      return f->type() == FieldDescriptor::TYPE_BYTES ? "a JSON string (base64)" : "a JSON string";
    case FieldDescriptor::CPPTYPE_BOOL: return "true or false";
    case FieldDescriptor::CPPTYPE_ENUM: return "an enum name (a JSON string) or number";
    default: return "a JSON number (or a string holding one)";
  }
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  std::optional<JsonProblem> Run(const Descriptor* type) {
    SkipSpace();
    if (!problem_ && !AtEnd() && Peek() != '{') {
      Fail("invalid JSON: a line must hold one JSON object (one event)");
    }
    if (!problem_ && AtEnd()) Fail("invalid JSON: a line must hold one JSON object (one event)");
    if (!problem_) Value(Slot{nullptr, type, false});
    if (!problem_) SkipSpace();
    if (!problem_ && !AtEnd()) Syntax("unexpected text after the object");
    return std::move(problem_);
  }

 private:
  enum class Kind { kObject, kList, kString, kNumber, kBool, kNull };

  bool AtEnd() const { return pos_ >= s_.size(); }
  unsigned char Peek() const { return static_cast<unsigned char>(s_[pos_]); }

  void Fail(std::string why) {
    if (problem_) return;
    problem_ = JsonProblem{Path(), std::move(why)};
  }
  void Syntax(std::string_view what) {
    Fail("invalid JSON at column " + std::to_string(pos_ + 1) + ": " + std::string(what));
  }

  std::string Path() const {
    std::string out;
    for (const std::string& p : path_) {
      if (!out.empty() && !(!p.empty() && p.front() == '[')) out.push_back('.');
      out += p;
    }
    return out;
  }

  void SkipSpace() {
    while (!AtEnd()) {
      const unsigned char c = Peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else {
        if (c == '\f' || c == '\v') {
          Syntax("character " + ByteName(c) +
                 " is not JSON whitespace (only space, tab, CR and LF are)");
        }
        return;
      }
    }
  }

  Kind KindAt() {
    switch (Peek()) {
      case '{': return Kind::kObject;
      case '[': return Kind::kList;
      case '"': return Kind::kString;
      case 't': case 'f': return Kind::kBool;
      case 'n': return Kind::kNull;
      default: return Kind::kNumber;
    }
  }

  // Whether a value of `kind` fits `slot`; records the problem when it does not.
  bool Fits(const Slot& slot, Kind kind) {
    const FieldDescriptor* f = slot.field;
    if (f == nullptr) return slot.message == nullptr || kind == Kind::kObject;
    if (kind == Kind::kNull) {
      if (slot.element) Fail("null inside a list (it would be dropped): remove it");
      return !slot.element;
    }
    bool ok = false;
    if (f->is_repeated() && !slot.element) {
      ok = kind == Kind::kList;
    } else if (IsTimestamp(f)) {
      ok = kind == Kind::kString;
    } else {
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE: ok = kind == Kind::kObject; break;
        case FieldDescriptor::CPPTYPE_STRING: ok = kind == Kind::kString; break;
        case FieldDescriptor::CPPTYPE_BOOL: ok = kind == Kind::kBool; break;
        default: ok = kind == Kind::kNumber || kind == Kind::kString; break;
      }
    }
    if (!ok) Fail("expected " + ExpectedKind(f, slot.element) + ", found " + KindName(kind));
    return ok;
  }

  static std::string KindName(Kind kind) {
    switch (kind) {
      case Kind::kObject: return "an object";
      case Kind::kList: return "a list";
      case Kind::kString: return "a string";
      case Kind::kNumber: return "a number";
      case Kind::kBool: return "a boolean";
      case Kind::kNull: return "null";
    }
    return "a value";
  }

  void Value(const Slot& slot) {
    if (AtEnd()) return Syntax("the line ends where a value is expected");
    const unsigned char c = Peek();
    if (c == '\'') return Syntax("strings must be in double quotes, not single quotes");
    const Kind kind = KindAt();
    if (kind == Kind::kNumber && c != '-' && (c < '0' || c > '9')) {
      return Syntax(std::string("unexpected character ") +
                    (c >= 0x20 && c < 0x7F ? "'" + std::string(1, static_cast<char>(c)) + "'"
                                           : ByteName(c)) +
                    " where a value is expected (strings need double quotes)");
    }
    if (!Fits(slot, kind)) return;
    switch (kind) {
      case Kind::kObject: return Object(ChildMessage(slot));
      case Kind::kList: return List(slot);
      case Kind::kString: {
        std::string text;
        if (!String(&text)) return;
        if (slot.field != nullptr && IsTimestamp(slot.field)) CheckTimestamp(text);
        return;
      }
      case Kind::kBool: return Literal(c == 't' ? "true" : "false");
      case Kind::kNull: return Literal("null");
      case Kind::kNumber: return Number();
    }
  }

  static const Descriptor* ChildMessage(const Slot& slot) {
    if (slot.field == nullptr) return slot.message;
    return slot.field->message_type();
  }

  void Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) {
      return Syntax("unknown literal (only true, false and null are JSON)");
    }
    pos_ += word.size();
  }

  void Number() {
    const size_t start = pos_;
    if (Peek() == '-') ++pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
      return pos_ - from;
    };
    if (AtEnd() || Peek() < '0' || Peek() > '9') return Syntax("a number needs a digit");
    if (Peek() == '0') {
      ++pos_;
      if (!AtEnd() && Peek() >= '0' && Peek() <= '9') {
        pos_ = start;
        return Syntax("numbers must not have leading zeros");
      }
    } else {
      digits();
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (digits() == 0) return Syntax("a digit must follow the decimal point");
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (digits() == 0) return Syntax("a digit must follow the exponent");
    }
  }

  // RFC 3339 allows any number of fractional digits; the store keeps nanoseconds.
  void CheckTimestamp(std::string_view text) {
    const size_t dot = text.find('.');
    if (dot == std::string_view::npos) return;
    size_t n = 0;
    while (dot + 1 + n < text.size() && text[dot + 1 + n] >= '0' && text[dot + 1 + n] <= '9') ++n;
    if (n > 9) {
      Fail("timestamp \"" + std::string(text.substr(0, 64)) + "\" has " + std::to_string(n) +
           " fractional digits; at most 9 (nanoseconds) are kept, so give at most 9");
    }
  }

  bool Enter() {
    if (path_.size() >= kMaxJsonDepth) {
      Fail("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      return false;
    }
    return true;
  }

  void Object(const Descriptor* type) {
    if (!Enter()) return;
    ++pos_;  // '{'
    std::map<std::string, std::string> seen;  // field name -> key as written
    SkipSpace();
    if (!problem_ && !AtEnd() && Peek() == '}') {
      ++pos_;
      return;
    }
    while (!problem_) {
      SkipSpace();
      if (problem_) return;
      if (AtEnd()) return Syntax("the line ends inside an object");
      const unsigned char c = Peek();
      if (c == '}') return Syntax("trailing comma before '}'");
      if (c == '\'') return Syntax("keys must be in double quotes, not single quotes");
      if (c != '"') return Syntax("keys must be strings in double quotes");
      std::string key;
      if (!String(&key)) return;
      const FieldDescriptor* field = type != nullptr ? FindField(type, key) : nullptr;
      path_.push_back(key);
      auto [it, inserted] = seen.try_emplace(field != nullptr ? field->name() : key, key);
      if (!inserted) {
        return Fail("given twice (also as \"" + it->second + "\"); only one value could be kept");
      }
      SkipSpace();
      if (problem_) return;
      if (AtEnd() || Peek() != ':') return Syntax("expected ':' after the key");
      ++pos_;
      SkipSpace();
      if (problem_) return;
      Value(Slot{field, nullptr, false});
      if (problem_) return;
      path_.pop_back();
      SkipSpace();
      if (problem_) return;
      if (AtEnd()) return Syntax("the line ends inside an object");
      if (Peek() == '}') {
        ++pos_;
        return;
      }
      if (Peek() != ',') return Syntax("expected ',' or '}' after a value");
      ++pos_;
    }
  }

  static const FieldDescriptor* FindField(const Descriptor* type, std::string_view key) {
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* f = type->field(i);
      if (f->json_name() == key || f->name() == key) return f;
    }
    return nullptr;
  }

  void List(const Slot& slot) {
    if (!Enter()) return;
    ++pos_;  // '['
    const Slot element{slot.field, nullptr, slot.field != nullptr};
    SkipSpace();
    if (!problem_ && !AtEnd() && Peek() == ']') {
      ++pos_;
      return;
    }
    for (size_t index = 0; !problem_; ++index) {
      SkipSpace();
      if (problem_) return;
      if (!AtEnd() && Peek() == ']') return Syntax("trailing comma before ']'");
      path_.push_back("[" + std::to_string(index) + "]");
      Value(element);
      if (problem_) return;
      path_.pop_back();
      SkipSpace();
      if (problem_) return;
      if (AtEnd()) return Syntax("the line ends inside a list");
      if (Peek() == ']') {
        ++pos_;
        return;
      }
      if (Peek() != ',') return Syntax("expected ',' or ']' after a list element");
      ++pos_;
    }
  }

  // Reads a string at pos_ (on its opening quote) into `out`, decoded.
  bool String(std::string* out) {
    ++pos_;
    while (true) {
      if (AtEnd()) {
        Syntax("the line ends inside a string");
        return false;
      }
      const unsigned char c = Peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) {
        Syntax("control character " + ByteName(c) + " inside a string must be escaped");
        return false;
      }
      if (c == '\\') {
        if (!Escape(out)) return false;
      } else if (c < 0x80) {
        out->push_back(static_cast<char>(c));
        ++pos_;
      } else if (!Utf8(out)) {
        return false;
      }
    }
  }

  bool Escape(std::string* out) {
    ++pos_;
    if (AtEnd()) {
      Syntax("the line ends inside an escape");
      return false;
    }
    const char c = static_cast<char>(Peek());
    ++pos_;
    switch (c) {
      case '"': out->push_back('"'); return true;
      case '\\': out->push_back('\\'); return true;
      case '/': out->push_back('/'); return true;
      case 'b': out->push_back('\b'); return true;
      case 'f': out->push_back('\f'); return true;
      case 'n': out->push_back('\n'); return true;
      case 'r': out->push_back('\r'); return true;
      case 't': out->push_back('\t'); return true;
      case 'u': break;
      default:
        --pos_;
        Syntax("unknown escape \\" + std::string(1, c) + " in a string");
        return false;
    }
    uint32_t unit = 0;
    if (!Hex4(&unit)) return false;
    uint32_t code = unit;
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      Fail("invalid UTF-16 escape: \\u" + HexOf(unit) + " is a lone low surrogate");
      return false;
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      uint32_t low = 0;
      const bool escape_follows = s_.substr(pos_, 2) == "\\u";
      if (escape_follows) pos_ += 2;
      if (!escape_follows || !Hex4(&low) || low < 0xDC00 || low > 0xDFFF) {
        Fail("invalid UTF-16 escape: \\u" + HexOf(unit) + " is not followed by a low surrogate");
        return false;
      }
      code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(code, out);
    return true;
  }

  static std::string HexOf(uint32_t unit) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "%04X", unit);
    return buf;
  }

  bool Hex4(uint32_t* unit) {
    if (pos_ + 4 > s_.size()) {
      Syntax("\\u needs 4 hexadecimal digits");
      return false;
    }
    for (int i = 0; i < 4; ++i) {
      const char h = s_[pos_ + i];
      uint32_t v;
      if (h >= '0' && h <= '9') v = static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') v = static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v = static_cast<uint32_t>(h - 'A' + 10);
      else {
        Syntax("\\u needs 4 hexadecimal digits");
        return false;
      }
      *unit = (*unit << 4) | v;
    }
    pos_ += 4;
    return true;
  }

  static void AppendUtf8(uint32_t code, std::string* out) {
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (code >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  // One UTF-8 sequence at pos_ (RFC 3629: shortest form, no surrogates, at most U+10FFFF).
  bool Utf8(std::string* out) {
    const unsigned char c = Peek();
    size_t len = 0;
    uint32_t code = 0;
    uint32_t min = 0;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; code = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; code = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; code = c & 0x07; min = 0x10000; }
    bool ok = len != 0 && pos_ + len <= s_.size();
    for (size_t i = 1; ok && i < len; ++i) {
      const unsigned char k = static_cast<unsigned char>(s_[pos_ + i]);
      ok = (k & 0xC0) == 0x80;
      code = (code << 6) | (k & 0x3F);
    }
    ok = ok && code >= min && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
    if (!ok) {
      Fail("invalid UTF-8 at byte " + std::to_string(pos_ + 1) + " of the line (" + ByteName(c) +
           "): text must be UTF-8");
      return false;
    }
    out->append(s_.substr(pos_, len));
    pos_ += len;
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::vector<std::string> path_;
  std::optional<JsonProblem> problem_;
};

}  // namespace

std::optional<JsonProblem> CheckStrictJson(std::string_view text, const Descriptor* type) {
  return Scanner(text).Run(type);
}

}  // namespace consent::cli
