#include "webhook/signature.h"

#include <cctype>
#include <cstdint>
#include <optional>

#include "base/crypto.h"

namespace batchcall {
namespace {

constexpr size_t kMaxHeaderLength = 4096;
constexpr size_t kHexDigestLength = 64;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Unix seconds; nullopt unless 1..15 decimal digits.
std::optional<int64_t> ParseUnixSeconds(std::string_view s) {
  if (s.empty() || s.size() > 15) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Lowercases a 64-character hex digest; nullopt when it is not one.
std::optional<std::string> NormalizeHexDigest(std::string_view s) {
  if (s.size() != kHexDigestLength) return std::nullopt;
  std::string out(s);
  for (char& c : out) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string SignedContent(int64_t t, std::string_view body) {
  std::string content = std::to_string(t);
  content.push_back('.');
  content.append(body);
  return content;
}

int64_t UnixSeconds(TimePoint now) {
  return std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count();
}

}  // namespace

std::string SignPayload(const std::vector<std::string>& secrets, TimePoint now, std::string_view body) {
  const int64_t t = UnixSeconds(now);
  const std::string content = SignedContent(t, body);
  std::string header = "t=" + std::to_string(t);
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    header += ",v1=";
    header += HmacSha256Hex(secret, content);
  }
  return header;
}

Status VerifyPayload(std::string_view secret, std::string_view header, std::string_view body, TimePoint now,
                     std::chrono::seconds tolerance) {
  if (secret.empty()) return PermissionDenied("no signing secret is configured to verify the signature");
  header = Trim(header);
  if (header.empty()) return Unauthenticated("missing signature header");
  if (header.size() > kMaxHeaderLength) return Unauthenticated("malformed signature header: too long");

  std::optional<int64_t> t;
  std::vector<std::string> candidates;
  bool saw_v1 = false;
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view item = Trim(header.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return Unauthenticated("malformed signature header: item without '='");
    const std::string_view key = Trim(item.substr(0, eq));
    const std::string_view value = Trim(item.substr(eq + 1));
    if (key == "t") {
      if (t.has_value()) return Unauthenticated("malformed signature header: more than one t");
      t = ParseUnixSeconds(value);
      if (!t.has_value()) return Unauthenticated("malformed signature header: t is not a Unix time in seconds");
    } else if (key == "v1") {
      saw_v1 = true;
      // A v1 that is not a hex digest can never match; skip it rather than
      // reject the header, so a future format does not break verification.
      if (auto hex = NormalizeHexDigest(value)) candidates.push_back(std::move(*hex));
    }
    // Other keys (future schemes) are ignored.
  }
  if (!t.has_value()) return Unauthenticated("malformed signature header: no t");
  if (!saw_v1) return Unauthenticated("malformed signature header: no v1 signature");

  const int64_t now_s = UnixSeconds(now);
  const int64_t skew = now_s > *t ? now_s - *t : *t - now_s;
  if (skew > tolerance.count()) {
    return PermissionDenied("signature timestamp is outside the tolerance of " + std::to_string(tolerance.count()) +
                            " s (" + std::to_string(skew) + " s off)");
  }
  const std::string expected = HmacSha256Hex(secret, SignedContent(*t, body));
  bool matched = false;
  for (const std::string& candidate : candidates) {
    // No early exit: every candidate is compared.
    matched = ConstantTimeEquals(expected, candidate) || matched;
  }
  if (!matched) return PermissionDenied("no v1 signature matches the body");
  return Status::Ok();
}

std::string NewWebhookSecret() { return "whsec_" + RandomHex(32); }

}  // namespace batchcall
