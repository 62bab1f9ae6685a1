// The voice-agent server's provider kind (provider_kind.h): type "http",
// its settings validator, a builder of HttpAgentProvider, and the result
// callback route POST /webhooks/agent/{execution_id}[?attempt_id=]
// (VerifyAgentCallback, ParseAgentResult in http_agent_provider.h).
// Thread-safe.
#pragma once

#include "telephony/provider_kind.h"

namespace batchcall {

ProviderKind HttpAgentKind();

}  // namespace batchcall
