// Syntax checks for the http(s) URLs users hand the server (webhook URLs,
// provider endpoints), and the outbound policy on top for the ones the
// server itself connects to. Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "base/status.h"
#include "net/outbound_policy.h"

namespace batchcall {

// An absolute http(s) URL with a host, no whitespace or control characters,
// no credentials, at most 2048 bytes. `field` names the input in the
// message (InvalidArgument "<field> must ...").
Status ValidateHttpUrl(std::string_view url, std::string_view field);
// ValidateHttpUrl, then outbound.CheckUrl: for URLs the server itself connects to.
Status ValidateOutboundUrl(std::string_view url, std::string_view field, const OutboundPolicy& outbound);

}  // namespace batchcall
