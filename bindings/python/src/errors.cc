// SPDX-License-Identifier: Apache-2.0
// The one translator from consent::Status to the exception tree of libconsent.errors.
//
// Binding code throws StatusError (common.h); pybind11 calls the translator registered here,
// which asks libconsent.errors.from_status() for the exception object (class chosen by the
// status code, typed context attached) and raises it. The tree itself is Python
// (bindings/python/libconsent/errors.py) so that it can have built-in bases such as ValueError.

#include <optional>
#include <string>

#include "common.h"

namespace consent::python {
namespace {

py::object OptionalInt(const std::optional<int64_t>& v) {
  return v ? py::object(py::int_(*v)) : py::object(py::none());
}
py::object OptionalUint(const std::optional<uint64_t>& v) {
  return v ? py::object(py::int_(*v)) : py::object(py::none());
}
py::object OptionalStr(const std::string& s) {
  return s.empty() ? py::object(py::none()) : py::object(py::str(s));
}

py::object MakeException(const Status& status) {
  const ErrorContext& c = status.context();
  py::dict context;
  context["stream"] = OptionalStr(c.stream);
  context["field"] = OptionalStr(c.field);
  context["rule_id"] = OptionalStr(c.rule_id);
  context["position"] = OptionalUint(c.position);
  context["index"] = OptionalUint(c.index);
  context["expected"] = OptionalInt(c.expected_revision);
  context["actual"] = OptionalInt(c.actual_revision);
  py::object from_status = py::module_::import("libconsent.errors").attr("from_status");
  return from_status(static_cast<int>(status.code()), py::str(status.message()), **context);
}

}  // namespace

void SetPythonError(const Status& status) {
  py::object exc = MakeException(status);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
}

void RegisterErrors(py::module_& m) {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      try {
        SetPythonError(e.status());
      } catch (py::error_already_set& nested) {
        nested.restore();  // libconsent.errors itself failed to import: show that error
      }
    }
  });

  m.def(
      "_raise_status",
      [](int code, const std::string& message, const std::string& stream, const std::string& field,
         const std::string& rule_id, std::optional<uint64_t> position,
         std::optional<uint64_t> index, std::optional<int64_t> expected,
         std::optional<int64_t> actual) {
        if (code <= 0 || code > static_cast<int>(StatusCode::kUnauthenticated)) {
          ThrowInvalid("_raise_status: code " + std::to_string(code) + " is not an error code",
                       "code");
        }
        ErrorContext ctx;
        ctx.stream = stream;
        ctx.field = field;
        ctx.rule_id = rule_id;
        ctx.position = position;
        ctx.index = index;
        ctx.expected_revision = expected;
        ctx.actual_revision = actual;
        Throw(Status(static_cast<StatusCode>(code), message, std::move(ctx)));
      },
      py::arg("code"), py::arg("message"), py::kw_only(), py::arg("stream") = "",
      py::arg("field") = "", py::arg("rule_id") = "", py::arg("position") = py::none(),
      py::arg("index") = py::none(), py::arg("expected") = py::none(),
      py::arg("actual") = py::none(),
      "Raises the exception the translator makes for a consent::Status with this code, message "
      "and context (tests the whole error table from Python).");
}

}  // namespace consent::python
