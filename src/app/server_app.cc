#include "app/server_app.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>

#include <unistd.h>

#include "api/api.h"
#include "http/spool_dir.h"
#include "app/first_start.h"
#include "app/metrics_adapters.h"
#include "app/provider_registry.h"
#include "base/timer_queue.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "metrics/app_metrics.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/job_thread.h"
#include "phone/phone_validator.h"
#include "base/log.h"
#include "base/time.h"
#include "api/webhook_payload.h"
#include "net/http_transport.h"
#include "telephony/provider_kinds.h"
#include "telephony/simulator/simulator.h"

namespace batchcall {
namespace fs = std::filesystem;

namespace {

Agent DemoAgent(const std::string& account_id, TimePoint now) {
  Agent a;
  a.id = NewUuid();
  a.account_id = account_id;
  a.name = "demo";
  // The simulator kind's defaults: its settings applied to an empty object.
  const ProviderKind& simulator = *BuiltInProviderKinds().Find("simulator");
  a.provider_type = simulator.type;
  a.provider = simulator.apply_settings(nlohmann::json::object(), nlohmann::json()).value();
  a.welcome_message = "Hi {first_name}, this is a reminder about your appointment on {appointment_day}.";
  a.max_concurrency = 5;
  a.calls_per_second = 1;
  a.created_at = a.updated_at = now;
  return a;
}

}  // namespace

// Forwards provider events to the dispatcher once it exists.
class SinkForwarder final : public CallEventSink {
 public:
  void set_target(CallEventSink* t) { target_.store(t); }
  void OnCallEvent(CallEvent event) override {
    if (CallEventSink* t = target_.load()) t->OnCallEvent(std::move(event));
  }

 private:
  std::atomic<CallEventSink*> target_{nullptr};
};

// Destruction runs in reverse declaration order: the server stops first,
// then the engine, the timers (no more provider events), the providers, the
// dispatcher, and the store closes last.
struct ServerApp::Parts {
  SystemClock clock;
  std::unique_ptr<AppEngineMetrics> engine_metrics;  // outlives the dispatcher
  std::unique_ptr<SpoolDir> spool;  // upload temp files; removed after the server stops
  OpenedStore opened;
  Store* store = nullptr;
  std::unique_ptr<CurlTransport> transport;
  std::unique_ptr<WebhookService> webhooks;
  std::unique_ptr<Dispatcher> dispatcher;
  SinkForwarder sink;
  std::unique_ptr<AppProviderRegistry> providers;
  std::unique_ptr<ThreadTimerQueue> timers;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Api> api;
  std::unique_ptr<HttpServer> server;
  RulePackSet rule_packs;  // built-in packs and rule_packs_dir's; read by the dispatcher and the API
  JobThread warm_up;  // PhoneValidator::Prepare(); waited for when the server is destroyed
};

namespace {

// This node's stable name: --node-id, else "<hostname>:<listen port>". It
// owns the node's claims and calls, so a restart under the same name takes
// them back at once (others adopt them only after its heartbeat goes stale).
std::string NodeId(const ServerOptions& options) {
  if (!options.node_id.empty()) return options.node_id;
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::string port = options.http.listen.substr(options.http.listen.rfind(':') + 1);
  return std::string(host) + ":" + port;
}

// Store connections for every thread that may use the store at once, so a
// read never waits for a connection another thread holds: the HTTP workers
// and upload threads, the dial threads, the webhook delivery threads, plus
// the engine, webhook render and timer threads.
int StorePoolSize(const ServerOptions& options) {
  return options.http.worker_threads + options.http.upload_threads + options.dispatch.dial_threads +
         options.webhook.delivery_threads + 3;
}

}  // namespace

ServerApp::ServerApp(ServerOptions options, std::ostream& out)
    : options_(std::move(options)), out_(out), parts_(std::make_unique<Parts>()) {}

ServerApp::~ServerApp() { Stop(); }

void ServerApp::Announce(const std::string& text, std::initializer_list<LogField> fields) {
  if (options_.log.format == LogFormat::kJson) {
    std::string_view msg = text;
    while (!msg.empty() && msg.back() == '\n') msg.remove_suffix(1);
    out_ << FormatLogEvent(LogFormat::kJson, LogLevel::kInfo, parts_->clock.Now(), msg, fields) << std::endl;
  } else {
    out_ << text << std::flush;
  }
}

Status ServerApp::ShowSecret(const std::string& text_lines, const std::string& file_name, const std::string& secret,
                             const std::string& what) {
  if (options_.log.format != LogFormat::kJson) {
    out_ << text_lines;
    return Status::Ok();
  }
  const std::string path = (fs::path(DataDirOf(options_.store.db)) / file_name).string();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot write " + path);
  ::fchmod(fd, 0600);
  const std::string content = secret + "\n";
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) return Internal("cannot write " + path);
  Announce("Created the " + what + " (shown once): written to " + path, {{"file", path}});
  return Status::Ok();
}

Status ServerApp::Bootstrap() {
  Store& store = *parts_->store;
  TimePoint now = parts_->clock.Now();
  auto keys = store.CountApiKeys();
  if (!keys.ok()) return keys.status();
  bool first_start = *keys == 0;
  AccountSetup setup;
  setup.adopt_key = options_.api_key;
  if (options_.api_key.empty() && first_start) setup.new_key_name = "first key";
  setup.ensure_webhook_secret = true;
  auto account = BootstrapAccount(store, setup, now, [this](CreatedSecret what, const std::string& secret) -> Status {
    if (what == CreatedSecret::kWebhookSecret)
      return ShowSecret(
          "Created the webhook signing secret (shown once; rotate with POST /account/webhook-secret):\n  " + secret +
              "\n",
          "webhook-secret", secret, "webhook signing secret");
    BC_RETURN_IF_ERROR(ShowSecret("Created the first API key (shown once, keep it safe):\n  " + secret + "\n" +
                                      "Use it as: Authorization: Bearer " + secret + "\n",
                                  "first-api-key", secret, "first API key"));
    if (options_.log.format == LogFormat::kJson) {
      first_start_.key_file = (fs::path(DataDirOf(options_.store.db)) / "first-api-key").string();
    } else {
      first_start_.key = secret;
    }
    return Status::Ok();
  });
  if (!account.ok()) return account.status();
  if (first_start) {
    Agent demo = DemoAgent(account->id, now);
    BC_RETURN_IF_ERROR(store.CreateAgent(demo));
    Announce("Created the simulator agent \"demo\": " + demo.id + "\n", {{"agent_id", demo.id}});
    auto demo_file = WriteDemoContacts();
    if (!demo_file.ok()) return demo_file.status();
    first_start_.happened = true;
    first_start_.demo_agent_id = demo.id;
    first_start_.demo_file = *demo_file;
  }
  return Status::Ok();
}

Result<std::string> ServerApp::WriteDemoContacts() {
  const std::string path = (fs::path(DataDirOf(options_.store.db)) / "demo_contacts.csv").string();
  std::error_code ec;
  if (fs::exists(path, ec)) return path;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    out << DemoContactsCsv();
    if (!out.flush()) return Internal("cannot write " + tmp);
  }
  fs::rename(tmp, path, ec);
  if (ec) return Internal("cannot create " + path + ": " + ec.message());
  return path;
}

void ServerApp::AnnounceNextSteps(uint16_t port) {
  if (!first_start_.happened) return;
  std::error_code ec;
  const std::string cwd = fs::current_path(ec).string();
  NextStepsInput in;
  in.listen = options_.http.listen;
  in.port = port;
  if (!first_start_.key.empty()) {
    in.key_source = KeySource::kPrinted;
    in.key = first_start_.key;
  } else if (!first_start_.key_file.empty()) {
    in.key_source = KeySource::kFile;
    in.key_file = fs::absolute(first_start_.key_file, ec).lexically_normal().string();
  } else {
    in.key_source = KeySource::kEnvironment;
  }
  // The binary as the user would type it: "batchcall" when it is the one on
  // the PATH, else its path (relative to the working directory when under it).
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  in.binary = "batchcall";
  if (!ec) {
    bool on_path = false;
    if (const char* path_env = std::getenv("PATH")) {
      std::string_view rest = path_env;
      while (!on_path && !rest.empty()) {
        size_t colon = rest.find(':');
        std::string dir(rest.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        std::error_code e2;
        on_path = !dir.empty() && fs::equivalent(fs::path(dir) / "batchcall", exe, e2);
      }
    }
    if (!on_path) in.binary = ShortPath(exe.string(), cwd);
  }
  in.demo_file = ShortPath(fs::absolute(first_start_.demo_file, ec).lexically_normal().string(), cwd);
  in.demo_agent_id = first_start_.demo_agent_id;
  std::vector<std::string> lines = NextSteps(in);
  if (options_.log.format == LogFormat::kJson) {
    Announce("next steps", {{"dashboard", DashboardUrl(options_.http.listen, port)}, {"demo_command", lines[2].substr(11)}});
    return;
  }
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  Announce(text);
}

Status ServerApp::Start() {
  // The phone checks' tables and compiled patterns, built beside the start-up.
  (void)parts_->warm_up.Start([] {
    PhoneValidator::Prepare();
    return Status::Ok();
  });
  // Upload temp files left by a server killed before it could clean up are
  // removed now; servers sharing the directory keep theirs (spool_dir.h).
  auto spool = SpoolDir::Claim((fs::path(DataDirOf(options_.store.db)) / "tmp").string());
  if (!spool.ok()) return spool.status();
  parts_->spool = std::move(spool).value();
  if (const SpoolSweep& swept = parts_->spool->swept(); swept.files > 0 || swept.directories > 0) {
    LogInfo("removed upload temp files left by a server that did not stop cleanly",
            {{"files", swept.files}, {"bytes", static_cast<int64_t>(swept.bytes)}, {"directories", swept.directories}});
  }
  auto store = OpenStore(options_.store, StorePoolSize(options_), NodeId(options_));
  if (!store.ok()) return store.status();
  parts_->opened = std::move(store).value();
  parts_->store = parts_->opened.store.get();
  const std::string simulator_record = options_.simulator_record.empty()
                                           ? (fs::path(DataDirOf(options_.store.db)) / "simulator-calls.jsonl").string()
                                           : options_.simulator_record;
  // Every simulated call is appended to the record: with an unwritable one
  // no simulator batch could dial. Checked before the first start's setup.
  if (Status writable = SimulatorProvider::CheckRecordWritable(simulator_record); !writable.ok())
    return InvalidArgument(writable.message() +
                           "; set simulator_record (--simulator-record, BATCHCALL_SIMULATOR_RECORD) to a writable "
                           "file, or fix the permissions");
  if (options_.rule_packs_dir.empty()) {
    parts_->rule_packs = RulePackSet::BuiltIn();
  } else {
    auto packs = RulePackSet::WithDirectory(options_.rule_packs_dir);
    if (!packs.ok()) return InvalidArgument(packs.status().message() + " (rule_packs_dir, --rule-packs-dir)");
    parts_->rule_packs = std::move(packs).value();
    LogInfo("rule packs loaded", {{"rule_packs", parts_->rule_packs.NameList()}, {"dir", options_.rule_packs_dir}});
  }
  BC_RETURN_IF_ERROR(Bootstrap());
  auto outbound = OutboundPolicy::Allowing(options_.outbound_allow);
  if (!outbound.ok()) return InvalidArgument("outbound_allow: " + outbound.status().message());
  if (!options_.outbound_allow.empty()) {
    std::string ranges;
    for (const std::string& r : outbound->allowed()) ranges += (ranges.empty() ? "" : ",") + r;
    LogInfo("outbound requests may also reach", {{"outbound_allow", ranges}});
  }
  parts_->transport = std::make_unique<CurlTransport>(*outbound);

  // Engine: providers deliver events from the timer thread to the dispatcher.
  parts_->timers = std::make_unique<ThreadTimerQueue>(parts_->clock);
  const metrics::AppMetrics& app_metrics = metrics::App();  // also stamps process_start_time_seconds
  ProviderRegistryOptions registry;
  registry.simulator_record_path = simulator_record;
  const bool shared_store = IsPostgresUrl(options_.store.db);
  // With several nodes, another node's unfinished simulated calls in a shared
  // record are not this node's to play out: it adopts them only when that
  // node stops, and then asks the record (Lookup).
  registry.simulator_resume_unfinished = !shared_store;
  registry.transport = parts_->transport.get();
  registry.metrics = &app_metrics;
  parts_->providers = std::make_unique<AppProviderRegistry>(parts_->clock, *parts_->timers, parts_->sink, registry);
  DispatcherOptions dispatch = options_.dispatch;
  dispatch.worker_id = NodeId(options_);
  dispatch.shared_store = shared_store;
  dispatch.rule_packs = &parts_->rule_packs;
  parts_->engine_metrics = std::make_unique<AppEngineMetrics>(app_metrics);
  parts_->dispatcher =
      std::make_unique<Dispatcher>(*parts_->store, *parts_->providers, dispatch, *parts_->engine_metrics);
  parts_->sink.set_target(parts_->dispatcher.get());
  parts_->engine = std::make_unique<Engine>(*parts_->dispatcher, parts_->clock);
  BC_RETURN_IF_ERROR(parts_->engine->Start());

  ApiOptions api_options = options_.api;
  Engine* engine = parts_->engine.get();
  api_options.on_batch_change = [engine] { engine->Notify(); };
  Dispatcher* dispatcher = parts_->dispatcher.get();
  api_options.on_call_event = [dispatcher](CallEvent e) { dispatcher->OnCallEvent(std::move(e)); };
  api_options.key_auth.flush_every = std::chrono::seconds(10);
  api_options.outbound = *outbound;
  api_options.metrics = &app_metrics;
  api_options.provider_kinds = &BuiltInProviderKinds();
  api_options.rule_packs = &parts_->rule_packs;
  parts_->api = std::make_unique<Api>(*parts_->store, parts_->clock, api_options);

  WebhookOptions webhook = options_.webhook;
  webhook.worker_id = dispatch.worker_id;
  webhook.lease = std::max(webhook.lease, 2 * webhook.request_timeout);  // a claim outlives its request
  parts_->webhooks = std::make_unique<WebhookService>(*parts_->store, *parts_->transport, parts_->clock,
                                                      WebhookPayloadRenderer(*parts_->store, parts_->clock), webhook,
                                                      app_metrics);
  BC_RETURN_IF_ERROR(parts_->webhooks->Start());

  HttpServerOptions http = options_.http;
  http.temp_dir = parts_->spool->path();
  http.on_request = [&app_metrics, next = std::move(http.on_request)](const HttpRequestRecord& r) {
    app_metrics.ObserveHttp(r.method, r.route, r.status, r.duration);
    if (next) next(r);
  };
  Api* api = parts_->api.get();
  parts_->server = std::make_unique<HttpServer>(
      http, [api](const HttpRequest& r) { return api->Handle(r); },
      [api](const HttpRequest& head) { return api->Admit(head); });
  BC_RETURN_IF_ERROR(parts_->server->Start());
  std::string host = options_.http.listen.substr(0, options_.http.listen.rfind(':'));
  Announce("batchcall listening on http://" + host + ":" + std::to_string(parts_->server->port()) + "\n",
           {{"listen", options_.http.listen}, {"node_id", dispatch.worker_id}});
  AnnounceNextSteps(parts_->server->port());
  return Status::Ok();
}

uint16_t ServerApp::port() const { return parts_->server ? parts_->server->port() : 0; }

void ServerApp::Stop() {
  if (parts_->server) parts_->server->Stop();
  parts_->server.reset();
  parts_->api.reset();
  if (parts_->engine) parts_->engine->Stop();
  parts_->engine.reset();
  if (parts_->dispatcher) {
    // SIGTERM drain: unsent dials are requeued, running ones may finish, and
    // every result received so far is stored before the process exits.
    AppProviderRegistry* providers = parts_->providers.get();
    Status drained = parts_->dispatcher->Drain(parts_->clock.Now(), std::chrono::seconds(20), [providers] {
      if (providers) providers->InterruptWaits();
    });
    if (!drained.ok()) LogWarn("shutdown: results not stored; reconciled at the next start", {{"error", drained.ToString()}});
    parts_->dispatcher->StopPool();  // before the providers go
  }
  if (parts_->webhooks) parts_->webhooks->Stop();
  parts_->webhooks.reset();
  parts_->timers.reset();
  parts_->sink.set_target(nullptr);
  parts_->providers.reset();
  parts_->dispatcher.reset();
  parts_->store = nullptr;
  parts_->opened = OpenedStore{};
  parts_->spool.reset();
}

}  // namespace batchcall
