// Webhook signatures: `X-Batchcall-Signature: t=<unix seconds>,v1=<hex>`
// where hex = HMAC-SHA256(secret, "<t>.<body>"). Several v1 entries may be
// present (during a secret rotation every live secret signs). Used for our
// outbound deliveries and to verify results posted by voice-agent servers
// (keyed by the agent's signing_secret). Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace batchcall {

inline constexpr std::string_view kSignatureHeader = "X-Batchcall-Signature";
inline constexpr std::string_view kEventIdHeader = "X-Batchcall-Event-Id";
inline constexpr std::string_view kEventTypeHeader = "X-Batchcall-Event";

// A new account webhook signing secret: "whsec_" and 64 lowercase hex
// digits (256 random bits). The one place such secrets are made (the API's
// rotation, the server's first start, `keys create` for a new account).
std::string NewWebhookSecret();

// "t=<unix>,v1=<hex>[,v1=<hex>...]", one v1 per non-empty secret (t is
// `now` rounded down to the second).
std::string SignPayload(const std::vector<std::string>& secrets, TimePoint now, std::string_view body);

// Ok when `header` has a t within `tolerance` of now (either direction) and
// any v1 equal to HMAC(secret, "<t>.<body>") (constant-time compare; hex is
// accepted in either case; unknown keys are ignored). Items are "key=value"
// separated by ',' (spaces around them allowed).
// Errors (messages never contain the secret or the expected digest):
//  - Unauthenticated: header missing, empty or malformed (no t, t not an
//    integer, two t, an item without '=', no v1 at all, longer than 4 KiB);
//  - PermissionDenied: t outside the tolerance, no v1 matches, or `secret`
//    is empty (nothing can be verified against an empty secret).
Status VerifyPayload(std::string_view secret, std::string_view header, std::string_view body, TimePoint now,
                     std::chrono::seconds tolerance = std::chrono::seconds(300));

}  // namespace batchcall
