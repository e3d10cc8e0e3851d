// SPDX-License-Identifier: Apache-2.0
#include "storage/rocks_status.h"

#include <string>

namespace consent::internal {

Status FromRocks(const rocksdb::Status& s, std::string_view op) {
  if (s.ok()) return Status();
  std::string msg(op);
  msg += ": storage: ";
  msg += s.ToString();
  if (s.IsNoSpace()) return Status(StatusCode::kResourceExhausted, std::move(msg));
  switch (s.code()) {
    case rocksdb::Status::kNotFound:
      return NotFoundError(std::move(msg));
    case rocksdb::Status::kCorruption:
      return DataLossError(std::move(msg));
    case rocksdb::Status::kIOError:
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kIncomplete:
      return UnavailableError(std::move(msg));
    case rocksdb::Status::kInvalidArgument:
      return InvalidArgumentError(std::move(msg));
    case rocksdb::Status::kNotSupported:
      return Status(StatusCode::kUnimplemented, std::move(msg));
    case rocksdb::Status::kAborted:
      return CancelledError(std::move(msg));
    default:
      return InternalError(std::move(msg));
  }
}

}  // namespace consent::internal
