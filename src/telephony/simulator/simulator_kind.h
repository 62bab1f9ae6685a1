// The simulator's provider kind (provider_kind.h): type "simulator", its
// settings validator (the limits users see, docs/api.md), a builder of
// SimulatorProvider, no callback (the simulator delivers its events itself).
// Thread-safe.
#pragma once

#include "telephony/provider_kind.h"

namespace batchcall {

ProviderKind SimulatorKind();

}  // namespace batchcall
