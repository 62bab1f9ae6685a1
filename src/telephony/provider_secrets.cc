#include "telephony/provider_secrets.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "base/crypto.h"
#include "net/http_transport.h"

namespace batchcall {
namespace {

constexpr std::string_view kMask = "***";
constexpr size_t kMinSecretChars = 4;

constexpr std::string_view kSecretSettings[] = {"auth_token", "signing_secret"};
// Settings sent together as HTTP Basic credentials (user, password).
constexpr std::pair<std::string_view, std::string_view> kBasicCredentials[] = {{"account_sid", "auth_token"}};

std::string StringSetting(const nlohmann::json& provider, std::string_view key) {
  auto it = provider.find(key);
  return it != provider.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string JsonEscaped(const std::string& s) {
  std::string quoted = nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

// `secret` and the forms in which an echo may carry it.
void AddForms(const std::string& secret, std::vector<std::string>& out) {
  if (secret.size() < kMinSecretChars) return;
  out.push_back(secret);
  out.push_back(Base64Encode(secret));
  out.push_back(FormEncode(secret));
  out.push_back(JsonEscaped(secret));
}

// "https://host:port" of an http(s) URL, lowercase; the URL itself when it has none.
std::string OriginOf(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  size_t end = url.find_first_of("/?#", scheme_end + 3);
  std::string origin(url.substr(0, end));
  for (char& c : origin) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return origin;
}

}  // namespace

std::string MaskSecret(std::string_view secret) {
  if (secret.size() <= 8) return "****";
  return "****" + std::string(secret.substr(secret.size() - 4));
}

std::string KeepMaskedSecret(const nlohmann::json& incoming, const nlohmann::json& stored, bool* kept) {
  std::string in = incoming.get<std::string>();
  if (stored.is_string() && in == MaskSecret(stored.get<std::string>())) {
    if (kept) *kept = true;
    return stored.get<std::string>();
  }
  return in;
}

Status SecretsFollowOrigin(const nlohmann::json& stored, const nlohmann::json& updated, const char* url_key,
                           bool secrets_resent, const std::string& secret_fields) {
  if (!stored.is_object() || !stored.contains(url_key) || !updated.contains(url_key)) return Status::Ok();
  if (OriginOf(stored[url_key].get<std::string>()) == OriginOf(updated[url_key].get<std::string>()))
    return Status::Ok();
  if (secrets_resent) return Status::Ok();
  return InvalidArgument("provider." + secret_fields + " must be sent again in full when provider." + url_key +
                         " moves to another host (stored secrets are never sent to a new host).");
}

bool IsSecretProviderSetting(std::string_view key) {
  return std::find(std::begin(kSecretSettings), std::end(kSecretSettings), key) != std::end(kSecretSettings);
}

SecretRedactor::SecretRedactor(const nlohmann::json& provider) {
  if (!provider.is_object()) return;
  for (std::string_view key : kSecretSettings) AddForms(StringSetting(provider, key), secrets_);
  if (auto headers = provider.find("headers"); headers != provider.end() && headers->is_object()) {
    for (const auto& [name, value] : headers->items()) {
      if (!value.is_string()) continue;
      const std::string& v = value.get_ref<const std::string&>();
      AddForms(v, secrets_);
      // "Bearer <token>", "Basic <base64>": a server may echo only the credential.
      if (size_t space = v.find(' '); space != std::string::npos) {
        size_t start = v.find_first_not_of(' ', space);
        if (start != std::string::npos) AddForms(v.substr(start), secrets_);
      }
    }
  }
  for (const auto& [user_key, password_key] : kBasicCredentials) {
    const std::string password = StringSetting(provider, password_key);
    if (password.size() >= kMinSecretChars) AddForms(StringSetting(provider, user_key) + ":" + password, secrets_);
  }
  std::sort(secrets_.begin(), secrets_.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
}

std::string SecretRedactor::Redact(std::string_view text) const {
  std::string out(text);
  for (const std::string& s : secrets_) {
    for (size_t at = out.find(s); at != std::string::npos; at = out.find(s, at + kMask.size()))
      out.replace(at, s.size(), kMask);
  }
  for (const std::string& s : secrets_) {
    for (size_t n = std::min(s.size() - 1, out.size()); n >= kMinSecretChars; --n) {
      if (out.compare(out.size() - n, n, s, 0, n) == 0) {
        out.replace(out.size() - n, n, kMask);
        break;
      }
    }
  }
  return out;
}

void SecretRedactor::Redact(CallEvent& event) const {
  if (secrets_.empty()) return;
  event.error_message = Redact(event.error_message);
  event.hangup_reason = Redact(event.hangup_reason);
}

RedactingProvider::RedactingProvider(std::unique_ptr<Provider> inner, SecretRedactor redactor)
    : inner_(std::move(inner)), redactor_(std::move(redactor)) {}

Status RedactingProvider::Redacted(const Status& status) const {
  return Status(status.code(), redactor_.Redact(status.message()));
}

Result<std::string> RedactingProvider::StartCall(const CallRequest& request) {
  Result<std::string> result = inner_->StartCall(request);
  if (result.ok()) return result;
  return Redacted(result.status());
}

Result<CallEvent> RedactingProvider::Lookup(const CallLookup& lookup) {
  Result<CallEvent> result = inner_->Lookup(lookup);
  if (!result.ok()) return Redacted(result.status());
  redactor_.Redact(*result);
  return result;
}

}  // namespace batchcall
