// SPDX-License-Identifier: Apache-2.0
// consentctl rebuild
//
// Discards the persisted compliance state and refolds it from position 1 (Compliance::Rebuild),
// then prints what it did. The state is also rebuilt by itself when it cannot be trusted at
// open (every command says so on stderr); this command forces it.

#include <cstdio>
#include <string>

#include "cli.h"
#include "consent/compliance.h"
#include "consent/event_store.h"

namespace consent::cli {

int RebuildCompliance(const Context& ctx) {
  StatusOr<std::unique_ptr<EventStore>> store = OpenStore(ctx, /*create=*/false);
  if (!store.ok()) return Fail(ctx, store.status());
  StatusOr<std::unique_ptr<Compliance>> compliance = Compliance::Open(store->get());
  if (!compliance.ok()) return Fail(ctx, compliance.status());
  if (auto why = (*compliance)->recovery()) PrintError(ctx, *why);
  const uint64_t before = (*compliance)->position();
  StatusOr<uint64_t> folded = (*compliance)->Rebuild();
  if (!folded.ok()) return Fail(ctx, folded.status());
  std::printf("rebuilt the compliance state: discarded the state at position %llu, folded %llu events "
              "(positions 1..%llu)\n",
              static_cast<unsigned long long>(before), static_cast<unsigned long long>(*folded),
              static_cast<unsigned long long>((*compliance)->position()));
  return kExitOk;
}

void AddRebuildCommand(CLI::App& app, Context& ctx) {
  CLI::App* cmd = AddCommand(app, "rebuild", "discard the compliance state and refold it from position 1");
  cmd->footer("The state is also rebuilt by itself when it cannot be trusted at open (every command "
              "then says so on stderr); this command forces it.");
  SetRun(cmd, ctx, [](const Context& c) { return RebuildCompliance(c); });
}

}  // namespace consent::cli
