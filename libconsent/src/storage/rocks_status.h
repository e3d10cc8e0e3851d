// SPDX-License-Identifier: Apache-2.0
// Translation of rocksdb::Status into consent::Status: the only place it happens.
#ifndef CONSENT_STORAGE_ROCKS_STATUS_H_
#define CONSENT_STORAGE_ROCKS_STATUS_H_

#include <rocksdb/status.h>

#include <string_view>

#include "consent/status.h"

namespace consent::internal {

// `op` leads the message: "Append(stream \"call-42\")". Corruption maps to kDataLoss, I/O and
// busy/lock errors to kUnavailable, NotFound to kNotFound, the rest to kInternal.
Status FromRocks(const rocksdb::Status& s, std::string_view op);

}  // namespace consent::internal

#endif  // CONSENT_STORAGE_ROCKS_STATUS_H_
