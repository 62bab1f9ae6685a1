// ServerOptions: everything `batchcall serve` is configured with, as one
// nested struct of the option structs of the libraries that use them. Each
// field's in-class initializer (here or in its library's header) is its only
// default: the settings table (config/settings.h) binds its rows to these
// members and shows these defaults in `config check`, `config example` and
// --help.
//
// Plain data: no locking.
#pragma once

#include <string>
#include <vector>

#include "api/api.h"
#include "http/http_server.h"
#include "base/log.h"
#include "engine/dispatcher.h"
#include "webhook/webhook_service.h"

namespace batchcall {

// The database and its at-rest key: what `serve` and the `keys` commands open.
struct StoreOptions {
  std::string db = "sqlite:./data/batchcall.db";  // "sqlite:PATH" or a postgresql:// URL
  std::string secret_key;  // 64 hex characters; empty: <data dir>/secret.key, created when missing
};

struct ServerOptions {
  StoreOptions store;
  // Listen address, limits and timeouts. The app sets temp_dir (its spool
  // directory) and chains on_request (the HTTP metrics).
  HttpServerOptions http;
  // Upload limits (api.ingest), public_url, metrics_token. The app sets the
  // callbacks and api.outbound (from outbound_allow).
  ApiOptions api;
  // dial_threads and callback_base_url. The app sets worker_id and shared_store.
  DispatcherOptions dispatch;
  // Delivery ages, backoff and timeout. The app sets worker_id and raises
  // the lease to twice the request timeout when that is longer.
  WebhookOptions webhook;
  // main calls InitLogging with it; the app uses the format for its start-up
  // lines (JSON events in json mode, with the first API key and webhook
  // secret written to files instead of shown).
  LogOptions log;
  std::string api_key;  // accepted for the default account when set (stored by its hash)
  // This node's stable name (owner of its claims and calls; a restart under
  // the same name takes them back). Empty: "<hostname>:<listen port>".
  std::string node_id;
  std::string simulator_record;  // the simulator's record file; empty: <data dir>/simulator-calls.jsonl
  // A directory of rule pack files (*.json, compliance/rule_pack.h) loaded
  // beside the built-in packs; empty: the built-in ones only.
  std::string rule_packs_dir;
  // CIDRs outbound requests may reach besides public addresses
  // (net/outbound_policy.h); empty: none.
  std::vector<std::string> outbound_allow;
};

}  // namespace batchcall
