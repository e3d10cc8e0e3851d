// SPDX-License-Identifier: Apache-2.0
// consent::Status and consent::StatusOr<T>: how every public libconsent call reports failure.
//
// No exception crosses the public API. A failed call returns a Status whose code tells the
// caller what to do next (abseil's canonical codes and numbers), a message that leads with the
// operation and its subject, and typed context (`ErrorContext`) for anything a caller branches
// on, so nobody parses a message:
//
//   consent::StatusOr<consent::AppendResult> r = store->Append("call-42", 7, events);
//   if (r.status().code() == consent::StatusCode::kAborted) {
//     // r.status().context().actual_revision holds the stream's real revision: re-read, decide,
//     // append again.
//   }
//
// Status and StatusOr are values: copy them freely; they are safe to read from several threads.

#ifndef CONSENT_STATUS_H_
#define CONSENT_STATUS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace consent {

// Canonical codes, numbered as abseil and gRPC number them.
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,     // malformed input: fix the request
  kDeadlineExceeded = 4,
  kNotFound = 5,            // the named stream, call, subject ... does not exist
  kAlreadyExists = 6,       // an event id reused for different content
  kPermissionDenied = 7,    // a principal whose role is not a declared recipient
  kResourceExhausted = 8,
  kFailedPrecondition = 9,  // a fact that contradicts the log (pause of an unknown recording)
  kAborted = 10,            // stale expected revision: re-read, decide, append again
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,        // storage I/O failed; retrying may help
  kDataLoss = 15,           // a stored event is corrupt, missing or tampered with
  kUnauthenticated = 16,
};

// "INVALID_ARGUMENT", "ABORTED", ...
std::string_view StatusCodeName(StatusCode code);

// Typed facts about a failure. Every field is optional; which ones are set depends on the error
// and is documented on the call that returns it.
struct ErrorContext {
  std::string stream;                       // stream the failure concerns
  std::optional<int64_t> expected_revision; // kAborted: what the caller expected
  std::optional<int64_t> actual_revision;   // kAborted: the stream's real last revision (-1: none)
  std::optional<uint64_t> position;         // kDataLoss, verdicts: global position concerned
  std::optional<uint64_t> index;            // 0-based index of the offending event / 1-based line
  std::string field;                        // offending field, as a proto path ("occur_time")
  std::string rule_id;                      // rule concerned ("LC-OBJ-1")
};

class [[nodiscard]] Status {
 public:
  // An OK status. Cheap: holds no allocation.
  Status() = default;
  Status(StatusCode code, std::string message, ErrorContext context = {});

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // Empty when ok().
  const std::string& message() const;
  // Empty context when ok().
  const ErrorContext& context() const;
  // "ABORTED: Append(stream "call-42"): expected revision 7, stream is at 9", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is `prefix + ": " + message()`; context and code unchanged.
  Status Annotate(std::string_view prefix) const;

  // Marks a deliberate decision to ignore this status.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct Rep {
    StatusCode code;
    std::string message;
    ErrorContext context;
  };
  std::shared_ptr<const Rep> rep_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

// Shorthands that read well at the call site: return InvalidArgumentError("...");
Status InvalidArgumentError(std::string message, ErrorContext context = {});
Status NotFoundError(std::string message, ErrorContext context = {});
Status AlreadyExistsError(std::string message, ErrorContext context = {});
Status PermissionDeniedError(std::string message, ErrorContext context = {});
Status FailedPreconditionError(std::string message, ErrorContext context = {});
Status AbortedError(std::string message, ErrorContext context = {});
Status OutOfRangeError(std::string message, ErrorContext context = {});
Status InternalError(std::string message, ErrorContext context = {});
Status UnavailableError(std::string message, ErrorContext context = {});
Status DataLossError(std::string message, ErrorContext context = {});
Status CancelledError(std::string message, ErrorContext context = {});

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // REQUIRES: !status.ok(). An OK status without a value is turned into kInternal.
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(v_).ok()) {
      v_ = Status(StatusCode::kInternal, "StatusOr constructed from an OK status without a value");
    }
  }
  StatusOr(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // REQUIRES: ok().
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace consent

// Internal helpers for implementation files; not part of the documented API.
#define CONSENT_RETURN_IF_ERROR(expr)            \
  do {                                            \
    ::consent::Status consent_status_ = (expr);   \
    if (!consent_status_.ok()) return consent_status_; \
  } while (0)

#define CONSENT_STATUS_CONCAT_INNER_(a, b) a##b
#define CONSENT_STATUS_CONCAT_(a, b) CONSENT_STATUS_CONCAT_INNER_(a, b)
#define CONSENT_ASSIGN_OR_RETURN(lhs, expr) \
  CONSENT_ASSIGN_OR_RETURN_IMPL_(CONSENT_STATUS_CONCAT_(consent_statusor_, __LINE__), lhs, expr)
#define CONSENT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

#endif  // CONSENT_STATUS_H_
