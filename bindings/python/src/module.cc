// SPDX-License-Identifier: Apache-2.0
// libconsent._core: the C++ half of the Python package. Users import `libconsent`; this module
// is its implementation detail (documented for integrators in _core.pyi).

#include <pybind11/pybind11.h>

#include <string>

#include "common.h"
#include "consent/event_id.h"

namespace consent::python {
namespace {

struct DatetimeApi {
  py::object datetime_cls;
  py::object timedelta_cls;
  py::object utc;
  py::object epoch;
};

// Leaked on purpose: Python objects must not be destroyed after the interpreter finalizes.
const DatetimeApi& Api() {
  static const DatetimeApi* api = [] {
    py::module_ dt = py::module_::import("datetime");
    auto* a = new DatetimeApi;
    a->datetime_cls = dt.attr("datetime");
    a->timedelta_cls = dt.attr("timedelta");
    a->utc = dt.attr("timezone").attr("utc");
    a->epoch = a->datetime_cls(1970, 1, 1, py::arg("tzinfo") = a->utc);
    return a;
  }();
  return *api;
}

}  // namespace

int64_t ToUnixNanos(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

TimePoint FromUnixNanos(int64_t ns) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(ns)));
}

py::object ToDatetime(TimePoint t) {
  const DatetimeApi& api = Api();
  const int64_t us = std::chrono::floor<std::chrono::microseconds>(t.time_since_epoch()).count();
  return api.epoch + api.timedelta_cls(py::arg("microseconds") = us);
}

TimePoint FromDatetime(py::handle obj) {
  const DatetimeApi& api = Api();
  if (!py::isinstance(obj, api.datetime_cls)) {
    throw py::type_error("expected a datetime.datetime, got " +
                         std::string(py::str(py::type::of(obj).attr("__name__"))));
  }
  py::object dt = py::reinterpret_borrow<py::object>(obj);
  if (dt.attr("tzinfo").is_none()) dt = dt.attr("replace")(py::arg("tzinfo") = api.utc);
  py::object delta = dt - api.epoch;
  const int64_t days = delta.attr("days").cast<int64_t>();
  const int64_t seconds = delta.attr("seconds").cast<int64_t>();
  const int64_t micros = delta.attr("microseconds").cast<int64_t>();
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::microseconds((days * 86400 + seconds) * 1000000 + micros)));
}

}  // namespace consent::python

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  namespace cp = consent::python;
  m.doc() =
      "C++ core of the libconsent Python package (pybind11). Import `libconsent` instead: this "
      "module's API is low level (serialized events, dicts, nanosecond integers) and the "
      "package wraps it.";
  cp::RegisterErrors(m);
  cp::RegisterStore(m);
  cp::RegisterDomain(m);
  cp::RegisterTables(m);
  cp::RegisterDirectory(m);
  cp::RegisterReplication(m);

  m.def("new_event_id", [] { return py::bytes(consent::NewEventId()); },
        "A new time-ordered UUIDv7 event id, 16 raw bytes.");
  m.def("event_id_to_string",
        [](const std::string& id) { return consent::EventIdToString(id); }, py::arg("event_id"),
        "Canonical 8-4-4-4-12 text of a 16-byte id.");
  m.def("parse_event_id",
        [](const std::string& text) { return py::bytes(cp::Unwrap(consent::ParseEventId(text))); },
        py::arg("text"), "16 raw bytes from the canonical text (or 32 hex digits).");
  m.def("_datetime_roundtrip",
        [](py::handle dt) { return cp::ToDatetime(cp::FromDatetime(dt)); },
        "Test hook: a datetime through the binding's conversion and back.");
  m.attr("FORMAT_VERSION") = consent::kFormatVersion;
  m.attr("ANY_REVISION") = consent::kAnyRevision;
  m.attr("NO_STREAM") = consent::kNoStream;
  m.attr("STREAM_EXISTS") = consent::kStreamExists;
}
