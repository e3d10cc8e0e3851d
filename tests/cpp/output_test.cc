// SPDX-License-Identifier: Apache-2.0
// The output contract's writers (consent/output.h): RFC 4180 CSV with CRLF, JSON with escaped
// strings, durations as plain decimal seconds.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "consent/output.h"

namespace consent {

TEST_CASE("CsvWriter quotes only the fields RFC 4180 requires and ends every row with CRLF") {
  CsvWriter csv({"id", "text"});
  csv.Row({"plain", "a, b"});
  csv.Row({"quote", "say \"hi\""});
  csv.Row({"lines", "one\ntwo\rthree"});
  csv.Row({"", ""});
  CHECK(csv.Take() ==
        "id,text\r\n"
        "plain,\"a, b\"\r\n"
        "quote,\"say \"\"hi\"\"\"\r\n"
        "lines,\"one\ntwo\rthree\"\r\n"
        ",\r\n");
  CHECK(CsvList({"h-1", "h-2"}) == "h-1;h-2");
  CHECK(CsvList({}).empty());
}

TEST_CASE("JsonWriter nests objects and arrays, escapes strings and writes null for absent values") {
  JsonWriter w;
  w.BeginObject();
  w.String("text", "a \"b\"\n\x01");
  w.Uint("count", 3);
  w.Int("delta", -2);
  w.OptTime("released", std::nullopt);
  w.Strings("held_by", {"h-1"});
  w.BeginArray("empty");
  w.EndArray();
  w.EndObject();
  CHECK(w.Take() ==
        "{\n"
        "  \"text\": \"a \\\"b\\\"\\n\\u0001\",\n"
        "  \"count\": 3,\n"
        "  \"delta\": -2,\n"
        "  \"released\": null,\n"
        "  \"held_by\": [\n"
        "    \"h-1\"\n"
        "  ],\n"
        "  \"empty\": []\n"
        "}\n");
}

TEST_CASE("FormatSeconds writes whole and fractional seconds without exponent or trailing zeros") {
  using std::chrono::milliseconds;
  using std::chrono::nanoseconds;
  using std::chrono::seconds;
  CHECK(FormatSeconds(seconds(0)) == "0");
  CHECK(FormatSeconds(seconds(3600)) == "3600");
  CHECK(FormatSeconds(milliseconds(250)) == "0.25");
  CHECK(FormatSeconds(nanoseconds(1'000'000'001)) == "1.000000001");
  CHECK(FormatSeconds(milliseconds(-1500)) == "-1.5");
}

}  // namespace consent
