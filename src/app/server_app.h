// ServerApp: the composition root. The only place that names concrete
// classes: opens the store named by --db, bootstraps the default account,
// keys and the demo agent, and wires the API into the HTTP server.
//
// Not thread-safe: Start/Stop from the main thread.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "http/http_server.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/status.h"
#include "store/store.h"
#include "webhook/webhook_service.h"

namespace batchcall {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";           // --listen / BATCHCALL_LISTEN
  std::string db = "sqlite:./data/batchcall.db";   // --db / BATCHCALL_DB
  std::string api_key;     // BATCHCALL_API_KEY: accepted for the default account when set
  std::string secret_key;  // BATCHCALL_SECRET_KEY (64 hex); else <db dir>/secret.key
  std::string public_url;  // BATCHCALL_PUBLIC_URL: base of the callback URLs given to providers
  // metrics_token (file) / BATCHCALL_METRICS_TOKEN: the bearer token of
  // GET /metrics; empty = /metrics answers 403.
  std::string metrics_token;
  int dial_threads = 8;    // pool for remote providers' dials and lookups
  // --node-id / BATCHCALL_NODE_ID: stable name of this node (owner of its
  // claims and calls; a restart under the same name takes them back).
  // Empty: "<hostname>:<listen port>".
  std::string node_id;
  // --simulator-record: the simulator's record file; empty = <data dir>/simulator-calls.jsonl.
  std::string simulator_record;
  WebhookOptions webhook;  // outbound webhook delivery (worker_id is set by the app)
  int64_t max_rows = 1'000'000;                     // rows per uploaded CSV
  // --outbound-allow / BATCHCALL_OUTBOUND_ALLOW: CIDRs outbound requests may
  // reach besides public addresses (net/outbound_policy.h); empty = none.
  std::vector<std::string> outbound_allow;
  HttpServerOptions http;  // limits and timeouts; http.listen is overwritten by listen
  // --log-format / --log-level. main calls InitLogging with it; the app uses
  // the format for its start-up lines on `out` (JSON events in json mode, with
  // the first API key and webhook secret written to files instead of shown).
  LogOptions log;
};

// A store and the at-rest encryption key it uses (which must outlive it).
struct OpenedStore {
  std::unique_ptr<SecretBox> secret_box;
  std::unique_ptr<Store> store;  // declared last: destroyed first
};

// Opens the store named by a --db value ("sqlite:PATH" or a postgresql://
// URL). Creates the data directory and the secret key file when missing
// (with PostgreSQL every node must share one key: set BATCHCALL_SECRET_KEY).
// pool_size: connections for concurrent callers; 0 = the backend's default.
Result<OpenedStore> OpenStore(const std::string& db, const std::string& secret_key, int pool_size = 0);

// Directory holding the database (for temp files and the secret key).
std::string DataDirOf(const std::string& db);

class ServerApp {
 public:
  ServerApp(ServerOptions options, std::ostream& out);
  ~ServerApp();
  // Opens the store, bootstraps, binds and starts serving. `out` receives
  // the startup lines (listening address, a first key shown once).
  Status Start();
  uint16_t port() const;
  // Stops the server and closes the store. Idempotent.
  void Stop();

 private:
  Status Bootstrap();
  // Writes one start-up line to out_: plain text, or a JSON log event in json mode.
  void Announce(const std::string& text, std::initializer_list<LogField> fields = {});
  // Shows a new secret once: on out_ in text mode; in json mode written to
  // <data dir>/<file_name> (mode 0600) and only that path is logged.
  Status ShowSecret(const std::string& text_lines, const std::string& file_name, const std::string& secret,
                    const std::string& what);

  // Writes the demo contacts file next to the database (first start only;
  // an existing file is kept) and returns its path.
  Result<std::string> WriteDemoContacts();
  // After "listening": the three lines that tell a new user what to do next.
  void AnnounceNextSteps(uint16_t port);

  ServerOptions options_;
  std::ostream& out_;
  // What the first start created, for AnnounceNextSteps; empty otherwise.
  struct FirstStart {
    bool happened = false;
    std::string key;       // the generated key (text log format), else empty
    std::string key_file;  // where it was written (json log format), else empty
    std::string demo_agent_id;
    std::string demo_file;
  } first_start_;
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace batchcall
