// Random identifiers. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace batchcall {

// A random (version 4) UUID, hyphenated lowercase: "1b4e28ba-2fa1-4d2b-883f-0016d3cca427".
std::string NewUuid();

// A batch id: a UUID as 32 lowercase hex characters without hyphens.
std::string NewBatchId();

// Accepts a UUID hyphenated or not, any case; returns the 32-hex form, or nullopt.
std::optional<std::string> NormalizeBatchId(std::string_view text);

// Accepts a UUID hyphenated or not, any case; returns the hyphenated lowercase form, or nullopt.
std::optional<std::string> NormalizeUuid(std::string_view text);

}  // namespace batchcall
