// The secrets of an agent's provider settings, and the one place that
// keeps them out of provider error texts (whatever the provider).
//
// Secret settings (every provider type): "auth_token", "signing_secret" and
// every value of "headers". The API masks exactly these when it shows an
// agent (api/views.cc asks IsSecretProviderSetting, MaskSecret); the kinds'
// settings validators keep a secret sent back masked (KeepMaskedSecret) and
// never move stored secrets to another host (SecretsFollowOrigin).
//
// A remote endpoint may echo the request it got (its Authorization header,
// a custom header, a form body) into an error body, which a provider quotes
// in its error message, which becomes an execution's error_message (shown
// by the API, the CSV export and the webhooks). RedactingProvider, wrapped
// around every provider the app builds, passes every such text through
// SecretRedactor.
//
// Thread-safety: both classes are immutable after construction (the
// decorator is as thread-safe as the provider it wraps).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "telephony/provider.h"

namespace batchcall {

// True for the scalar settings that are secrets ("auth_token",
// "signing_secret"). Every value of "headers" is a secret too.
bool IsSecretProviderSetting(std::string_view key);

// How a secret is shown: "****" + its last 4 characters ("****" alone when
// it has 8 or fewer).
std::string MaskSecret(std::string_view secret);

// The secret to store for `incoming` (a JSON string): the `stored` one when
// `incoming` is its masked form (a client echoing what it was shown), else
// `incoming`. Sets *kept when the stored one was kept.
std::string KeepMaskedSecret(const nlohmann::json& incoming, const nlohmann::json& stored, bool* kept = nullptr);

// Secrets stored for one host are never sent to another on the strength of
// the old values: when `updated` moves setting `url_key` of `stored` to
// another origin (scheme, host, port), the secrets must have been sent again
// in full (`secrets_resent`); otherwise InvalidArgument naming
// provider.<secret_fields>.
Status SecretsFollowOrigin(const nlohmann::json& stored, const nlohmann::json& updated, const char* url_key,
                           bool secrets_resent, const std::string& secret_fields);

class SecretRedactor {
 public:
  // Redacts nothing.
  SecretRedactor() = default;
  // The secrets of `provider` (an agent's provider JSON; anything else
  // yields none) and their derived forms: the credential of a
  // "<scheme> <credential>" header value, the HTTP Basic credential
  // "account_sid:auth_token" and its base64 (what Twilio's Authorization
  // header carries), and each secret's base64, URL-encoded and
  // JSON-escaped forms. Values shorter than 4 characters are not treated as
  // secrets (they would mangle every message and protect nothing).
  explicit SecretRedactor(const nlohmann::json& provider);

  // `text` with every occurrence of a secret (longest first) replaced by
  // "***". A text that ends in the first 4 or more characters of a secret
  // (an excerpt cut inside it) loses that tail too.
  std::string Redact(std::string_view text) const;
  // Redacts the free texts of an event: error_message and hangup_reason.
  void Redact(CallEvent& event) const;

  bool empty() const { return secrets_.empty(); }

 private:
  std::vector<std::string> secrets_;  // longest first, distinct
};

// Provider decorator: the message of every failed StartCall and Lookup, and
// the texts of every event Lookup returns, redacted. Everything else is
// passed through unchanged.
class RedactingProvider final : public Provider {
 public:
  RedactingProvider(std::unique_ptr<Provider> inner, SecretRedactor redactor);

  Result<std::string> StartCall(const CallRequest& request) override;
  Result<CallEvent> Lookup(const CallLookup& lookup) override;
  bool remote() const override { return inner_->remote(); }
  std::optional<std::chrono::milliseconds> outcome_timeout() const override { return inner_->outcome_timeout(); }

 private:
  Status Redacted(const Status& status) const;

  std::unique_ptr<Provider> inner_;
  const SecretRedactor redactor_;
};

}  // namespace batchcall
