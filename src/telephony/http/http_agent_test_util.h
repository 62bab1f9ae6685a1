// Definitions shared by the voice-agent provider's tests (the provider's
// requests and its result callbacks): one agent configuration and its secrets.
#pragma once

#include <string>

#include "telephony/http/http_agent_provider.h"

namespace batchcall::http_agent_test {

inline constexpr char kApiKey[] = "sk-live-very-secret-key";
inline constexpr char kSigningSecret[] = "whsec-agent-secret";

// An agent posting to agent.example.com with two headers (one carrying
// kApiKey) whose results are signed with kSigningSecret.
inline HttpAgentConfig Config() {
  HttpAgentConfig c;
  c.url = "https://agent.example.com/call";
  c.headers = {{"Authorization", std::string("Bearer ") + kApiKey}, {"X-Tenant", "acme"}};
  c.signing_secret = kSigningSecret;
  return c;
}

}  // namespace batchcall::http_agent_test
