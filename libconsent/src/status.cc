// SPDX-License-Identifier: Apache-2.0
#include "consent/status.h"

namespace consent {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kCancelled: return "CANCELLED";
    case StatusCode::kUnknown: return "UNKNOWN";
    case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::kDeadlineExceeded: return "DEADLINE_EXCEEDED";
    case StatusCode::kNotFound: return "NOT_FOUND";
    case StatusCode::kAlreadyExists: return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied: return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case StatusCode::kAborted: return "ABORTED";
    case StatusCode::kOutOfRange: return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented: return "UNIMPLEMENTED";
    case StatusCode::kInternal: return "INTERNAL";
    case StatusCode::kUnavailable: return "UNAVAILABLE";
    case StatusCode::kDataLoss: return "DATA_LOSS";
    case StatusCode::kUnauthenticated: return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

Status::Status(StatusCode code, std::string message, ErrorContext context) {
  if (code != StatusCode::kOk) {
    rep_ = std::make_shared<const Rep>(Rep{code, std::move(message), std::move(context)});
  }
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

const ErrorContext& Status::context() const {
  static const ErrorContext kEmpty;
  return rep_ ? rep_->context : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code()));
  out += ": ";
  out += message();
  return out;
}

Status Status::Annotate(std::string_view prefix) const {
  if (ok()) return *this;
  std::string msg(prefix);
  msg += ": ";
  msg += message();
  return Status(code(), std::move(msg), context());
}

std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

#define CONSENT_DEFINE_ERROR_(Name, Code)                          \
  Status Name(std::string message, ErrorContext context) {         \
    return Status(StatusCode::Code, std::move(message), std::move(context)); \
  }
CONSENT_DEFINE_ERROR_(InvalidArgumentError, kInvalidArgument)
CONSENT_DEFINE_ERROR_(NotFoundError, kNotFound)
CONSENT_DEFINE_ERROR_(AlreadyExistsError, kAlreadyExists)
CONSENT_DEFINE_ERROR_(PermissionDeniedError, kPermissionDenied)
CONSENT_DEFINE_ERROR_(FailedPreconditionError, kFailedPrecondition)
CONSENT_DEFINE_ERROR_(AbortedError, kAborted)
CONSENT_DEFINE_ERROR_(OutOfRangeError, kOutOfRange)
CONSENT_DEFINE_ERROR_(InternalError, kInternal)
CONSENT_DEFINE_ERROR_(UnavailableError, kUnavailable)
CONSENT_DEFINE_ERROR_(DataLossError, kDataLoss)
CONSENT_DEFINE_ERROR_(CancelledError, kCancelled)
#undef CONSENT_DEFINE_ERROR_

}  // namespace consent
