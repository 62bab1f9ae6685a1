// ParseJson: the one way JSON text from outside the process (API bodies,
// voice-agent results, provider responses, stored rows, files) becomes a
// nlohmann::json value.
//
// Arrays and objects may nest at most kMaxJsonDepth levels; the limit is
// enforced while parsing (nlohmann's parser is iterative, so a deeper input
// costs no stack), because serialising or walking a deeper value recursively
// overflows the stack. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/status.h"

namespace batchcall {

// Levels of arrays and objects a parsed value may hold: `[[1]]` has 2.
inline constexpr int kMaxJsonDepth = 64;
// The message of the InvalidArgument for a deeper input (a stable sentence:
// API clients see it in a 400).
inline constexpr std::string_view kJsonTooDeepMessage = "JSON nested too deeply (at most 64 levels of arrays and objects).";

// Parses `text` as one JSON value. Failures are InvalidArgument:
// kJsonTooDeepMessage when arrays/objects nest deeper than kMaxJsonDepth,
// `invalid_message` when the text is not JSON.
Result<nlohmann::json> ParseJson(std::string_view text, std::string_view invalid_message = "The body is not valid JSON.");
// The same, keeping the order of object members.
Result<nlohmann::ordered_json> ParseOrderedJson(std::string_view text,
                                                std::string_view invalid_message = "The body is not valid JSON.");
// ParseJson's value, or a discarded value (is_discarded()) on any failure: for
// texts from elsewhere (provider responses, files) whose callers only look for
// fields of an object.
nlohmann::json ParseJsonOrDiscarded(std::string_view text);

}  // namespace batchcall
