// BuiltInProviderKinds(): the table of provider kinds this server offers
// (provider_kind.h), one line per kind in provider_kinds.cc. Adding a
// provider: its folder (provider, settings validator, builder, callback in
// <name>_kind.{h,cc}) and one line in that table.
//
// Thread-safety: the table is built once (thread-safe static) and immutable.
#pragma once

#include "telephony/provider_kind.h"

namespace batchcall {

// simulator, twilio, http — in that order (the order messages list them).
const ProviderKinds& BuiltInProviderKinds();

}  // namespace batchcall
