// The settings table: one row per setting, in documentation order, each
// bound to the member of Options it sets (binding.h).
#include <algorithm>
#include <cctype>

#include "config/config.h"
#include "net/outbound_policy.h"

namespace batchcall::config {
namespace {

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The text a default is shown as: strings as they are, numbers as in TOML.
std::string DefaultText(const Value& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  return TomlValue(value);
}

// The one default-constructed Options every row reads its default from (a
// temporary per row also trips g++ 12's -O3 -Wmaybe-uninitialized, a false
// positive on IngestOptions::default_country).
const Options& Defaults() {
  static const Options defaults;
  return defaults;
}

Setting Make(std::string key, std::string help, Binding binding) {
  Setting s;
  s.flag = "--" + key;
  std::replace(s.flag.begin(), s.flag.end(), '_', '-');
  s.env = "BATCHCALL_" + Upper(key);
  s.key = std::move(key);
  s.type = binding.type;
  s.default_value = DefaultText(binding.get(Defaults()));
  s.help = std::move(help);
  s.choices = binding.choices;
  s.binding = std::move(binding);
  return s;
}

Setting Ranged(Setting s, double min, double max) {
  s.min = min;
  s.max = max;
  return s;
}

Setting Secret(Setting s) {
  s.secret = true;
  s.flag.clear();
  return s;
}

Setting Formatted(Setting s, std::string format) {
  s.format = std::move(format);
  return s;
}

Setting OpensStore(Setting s) {
  s.opens_store = true;
  return s;
}

using O = Options;
using S = ServerOptions;
using Http = HttpServerOptions;

std::vector<Setting> BuildSettings() {
  std::vector<Setting> v;
  v.push_back(Make("listen", "host:port the server listens on", Bind<Text>(&O::server, &S::http, &Http::listen)));
  v.push_back(OpensStore(Make("db", "database: sqlite:PATH or a postgresql:// URL (serve, keys create)",
                              Bind<Text>(&O::server, &S::store, &StoreOptions::db))));
  {
    Setting s = Secret(Make("api_key",
                            "API key accepted for the default account (serve); sent as a Bearer token "
                            "(client commands)",
                            Bind<Text>(&O::server, &S::api_key).Also(Bind<Text>(&O::client, &ClientOptions::api_key))));
    s.scope = Scope::kBoth;
    v.push_back(s);
  }
  v.push_back(OpensStore(Formatted(Secret(Make("secret_key",
                                               "64 hex characters encrypting provider secrets at rest; unset: "
                                               "<data dir>/secret.key, created when missing",
                                               Bind<Text>(&O::server, &S::store, &StoreOptions::secret_key))),
                                   "hex64")));
  v.push_back(Secret(Make("metrics_token",
                          "bearer token operators send to GET /metrics (tenant API keys are refused); "
                          "unset: /metrics answers 403",
                          Bind<Text>(&O::server, &S::api, &ApiOptions::metrics_token))));
  v.push_back(Formatted(Make("public_url", "address providers call back, e.g. https://calls.example.com",
                             Bind<Text>(&O::server, &S::api, &ApiOptions::public_url)
                                 .Also(Bind<Text>(&O::server, &S::dispatch, &DispatcherOptions::callback_base_url))),
                        "url"));
  v.push_back(Make("node_id", "this node's stable name among nodes sharing a database; unset: host:port",
                   Bind<Text>(&O::server, &S::node_id)));
  v.push_back(Make("simulator_record", "the simulator's call record file; unset: <data dir>/simulator-calls.jsonl",
                   Bind<Text>(&O::server, &S::simulator_record)));
  v.push_back(Make("rule_packs_dir",
                   "directory of your own calling rule packs (*.json, docs/compliance.md), loaded beside the "
                   "built-in ones; unset: built-in packs only",
                   Bind<Text>(&O::server, &S::rule_packs_dir)));
  v.push_back(Ranged(Make("dial_threads", "threads dialling remote providers",
                          Bind<Integer>(&O::server, &S::dispatch, &DispatcherOptions::dial_threads)),
                     1, 256));
  v.push_back(Ranged(Make("max_upload_mb", "largest accepted CSV upload, in MiB",
                          Bind<MebibytesAsBytes>(&O::server, &S::http, &Http::max_upload_bytes)),
                     0.001, 1024 * 1024));
  v.push_back(Ranged(Make("max_rows", "most data rows in one CSV",
                          Bind<Integer>(&O::server, &S::api, &ApiOptions::ingest, &IngestOptions::max_rows)),
                     1, 1e9));
  v.push_back(Ranged(Make("upload_threads",
                          "threads ingesting uploads (POST /batches, DNC files), apart from other requests",
                          Bind<Integer>(&O::server, &S::http, &Http::upload_threads)),
                     1, 256));
  v.push_back(Ranged(Make("upload_queue", "uploads accepted beyond those being ingested; more get 503 with Retry-After",
                          Bind<Integer>(&O::server, &S::http, &Http::upload_queue)),
                     0, 100'000));
  v.push_back(Ranged(Make("max_connections", "open HTTP connections in total; more get 503 (0 = no cap)",
                          Bind<Integer>(&O::server, &S::http, &Http::max_connections)),
                     0, 1'000'000));
  v.push_back(Ranged(Make("max_connections_per_client",
                          "open HTTP connections from one client address; more get 503 (0 = no cap, "
                          "e.g. behind a proxy)",
                          Bind<Integer>(&O::server, &S::http, &Http::max_connections_per_client)),
                     0, 1'000'000));
  v.push_back(Ranged(Make("max_body_memory_mb",
                          "request bodies held in memory at once (JSON, forms; not upload files), MiB; "
                          "more get 503 with Retry-After (0 = no bound)",
                          Bind<MebibytesAsBytes>(&O::server, &S::http, &Http::max_body_memory_bytes)),
                     0, 1024 * 1024));
  v.push_back(Ranged(Make("header_timeout_ms", "time allowed for a request head, ms",
                          Bind<Millis>(&O::server, &S::http, &Http::header_timeout)),
                     1, 3'600'000));
  v.push_back(Ranged(Make("body_idle_timeout_ms", "longest pause inside a request body, ms",
                          Bind<Millis>(&O::server, &S::http, &Http::body_idle_timeout)),
                     1, 3'600'000));
  v.push_back(Formatted(
      Make("outbound_allow",
           "address ranges outbound requests (webhooks, voice-agent servers, Twilio) may reach "
           "besides public addresses: CIDRs, comma-separated (file: a list), e.g. 127.0.0.0/8 "
           "for a voice agent on this host; unset: public addresses only",
           Bind<List>(&O::server, &S::outbound_allow)),
      "cidr_list"));
  v.push_back(Ranged(Make("webhook_max_age", "seconds a webhook delivery is retried before it is given up",
                          Bind<SecondsAsMillis>(&O::server, &S::webhook, &WebhookOptions::max_age)),
                     0.001, 365 * 86400));
  v.push_back(Ranged(Make("webhook_backoff_max", "longest wait between two tries of a webhook delivery, seconds",
                          Bind<SecondsAsMillis>(&O::server, &S::webhook, &WebhookOptions::backoff_max)),
                     0.001, 86400));
  v.push_back(Ranged(Make("webhook_timeout", "seconds a webhook receiver has to answer",
                          Bind<SecondsAsMillis>(&O::server, &S::webhook, &WebhookOptions::request_timeout)),
                     0.001, 3600));
  v.push_back(Make("log_format", "log lines as human-readable text or JSON: text | json",
                   BindChoice(ParseLogFormat, {"text", "json"}, &O::server, &S::log, &LogOptions::format)));
  v.push_back(Make("log_level", "least severe level logged: debug | info | warn | error",
                   BindChoice(ParseLogLevel, {"debug", "info", "warn", "error"}, &O::server, &S::log,
                              &LogOptions::level)));
  {
    Setting s = Formatted(Make("server_url", "URL of the batchcall server the client commands talk to",
                               Bind<Text>(&O::client, &ClientOptions::server_url)),
                          "url");
    s.scope = Scope::kClient;
    s.flag = "--server";
    s.env = "BATCHCALL_URL";
    v.push_back(s);
  }
  return v;
}

}  // namespace

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = BuildSettings();
  return settings;
}

Binding Binding::Also(Binding other) && {
  Binding both = std::move(*this);
  both.set = [first = std::move(both.set), second = std::move(other.set)](Options& o, const Value& v) {
    first(o, v);
    second(o, v);
  };
  for (auto& member : other.members) both.members.push_back(std::move(member));
  return both;
}

Value List::Get(const std::vector<std::string>& m) {
  std::string text;
  for (const std::string& item : m) text += (text.empty() ? "" : ",") + item;
  return text;
}

void List::Set(std::vector<std::string>& m, const Value& v) { m = SplitList(std::get<std::string>(v)); }

}  // namespace batchcall::config
