// SPDX-License-Identifier: Apache-2.0
// Fact validation for `consentctl import`: every line is recorded through a consent::Ledger
// over an in-memory overlay of the store (reads go to the store, appends stay in memory), so
// that a file is checked exactly as Ledger::Record would check its facts one by one, in file
// order, before anything is appended to the store.
//
// Thread-safety: a FactChecker is used by one thread.

#ifndef CONSENT_TOOLS_CONSENTCTL_IMPORT_FACTS_H_
#define CONSENT_TOOLS_CONSENTCTL_IMPORT_FACTS_H_

#include <memory>

#include "consent/event_store.h"
#include "consent/ledger.h"
#include "consent/status.h"

namespace consent::cli {

class OverlayStore;

class FactChecker {
 public:
  // `store` may be null (no store yet: the overlay starts empty); it must outlive the checker.
  static StatusOr<std::unique_ptr<FactChecker>> Create(const EventStore* store);
  ~FactChecker();
  FactChecker(const FactChecker&) = delete;
  FactChecker& operator=(const FactChecker&) = delete;

  // Records `event` (a line that passed CheckImportedEvent) as Ledger::Record would, into the
  // overlay. Payloads the Ledger does not record (annotations, source checkpoints, sealed
  // identities, erasures) are appended to the overlay unchecked. Returns the Ledger's error
  // (same code and message) when it refuses the fact.
  Status Check(const Event& event);

 private:
  FactChecker(std::unique_ptr<OverlayStore> overlay, std::unique_ptr<Ledger> ledger);

  std::unique_ptr<OverlayStore> overlay_;
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace consent::cli

#endif  // CONSENT_TOOLS_CONSENTCTL_IMPORT_FACTS_H_
