// Validation of agent create/update bodies and other user-supplied settings.
// Pure functions (time zone names are checked against the OS tz database);
// thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/status.h"
#include "domain/model.h"
#include "net/outbound_policy.h"

namespace batchcall {

// Applies a JSON body to `agent`. With partial=false (POST /agents) the body
// must hold agent_name and provider; with partial=true (PATCH) only the given
// fields change. Provider settings are validated per type and defaults filled
// in; a secret sent back in its masked form keeps the stored value. Unknown
// fields and bad values are InvalidArgument naming the field. The URLs the
// server connects to (webhook_url, provider.url, provider.base_url), when
// given, must pass `outbound`.CheckUrl (hosts written as refused addresses).
Status ApplyAgentJson(const nlohmann::json& body, bool partial, Agent* agent, const OutboundPolicy& outbound);

// An absolute http(s) URL with a host, no whitespace or control characters,
// at most 2048 bytes. `field` names the input in the message.
Status ValidateHttpUrl(std::string_view url, std::string_view field);
// ValidateHttpUrl, then outbound.CheckUrl: for URLs the server itself connects to.
Status ValidateOutboundUrl(std::string_view url, std::string_view field, const OutboundPolicy& outbound);

// A phone number list for from_phone_numbers: each E.164 (syntax), at most 100.
Status ValidateFromNumbers(const std::vector<std::string>& numbers, std::string_view field);

// True when `name` is an IANA time zone known to the OS tz database.
bool IsKnownTimeZone(const std::string& name);

}  // namespace batchcall
