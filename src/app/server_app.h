// ServerApp: the composition root. The only place that names concrete
// classes: opens the store named by --db and bootstraps the default account
// and its keys (app/bootstrap.h), creates the demo agent on the first start,
// and wires the API into the HTTP server.
//
// Not thread-safe: Start/Stop from the main thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>

#include "app/bootstrap.h"
#include "app/server_options.h"
#include "base/log.h"
#include "base/status.h"

namespace batchcall {

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
