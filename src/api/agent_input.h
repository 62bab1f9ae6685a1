// Validation of agent create/update bodies and other user-supplied settings.
// Pure functions (time zone names are checked against the OS tz database);
// thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/status.h"
#include "compliance/rule_pack.h"
#include "domain/model.h"
#include "net/http_url.h"
#include "net/outbound_policy.h"
#include "telephony/provider_kind.h"

namespace batchcall {

// Applies a JSON body to `agent`. With partial=false (POST /agents) the body
// must hold agent_name and provider; with partial=true (PATCH) only the given
// fields change. Provider settings are validated by their kind's
// apply_settings (the kind of provider.type, looked up in `kinds`), which
// fills in defaults and keeps a secret sent back in its masked form. Unknown
// fields and bad values are InvalidArgument naming the field. The URLs the
// server connects to (webhook_url, the kind's outbound_url_settings such as
// provider.url, provider.base_url), when given, must pass `outbound`.CheckUrl
// (hosts written as refused addresses). ValidateHttpUrl and
// ValidateOutboundUrl are in net/http_url.h. calling_guardrails.rule_packs
// must name packs of `packs`.
Status ApplyAgentJson(const nlohmann::json& body, bool partial, Agent* agent, const OutboundPolicy& outbound,
                      const ProviderKinds& kinds, const RulePackSet& packs = RulePackSet::BuiltIn());

// A phone number list for from_phone_numbers: each E.164 (syntax), at most 100.
Status ValidateFromNumbers(const std::vector<std::string>& numbers, std::string_view field);

// True when `name` is an IANA time zone known to the OS tz database.
bool IsKnownTimeZone(const std::string& name);

}  // namespace batchcall
