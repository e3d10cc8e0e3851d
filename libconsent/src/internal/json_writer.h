// SPDX-License-Identifier: Apache-2.0
// The library's JSON writer is the public one of consent/output.h (one output contract); these
// names keep the report and the subject export reading as before. Internal.
#ifndef CONSENT_INTERNAL_JSON_WRITER_H_
#define CONSENT_INTERNAL_JSON_WRITER_H_

#include "consent/output.h"

namespace consent::internal {

using consent::JsonString;
using consent::JsonWriter;

}  // namespace consent::internal

#endif  // CONSENT_INTERNAL_JSON_WRITER_H_
