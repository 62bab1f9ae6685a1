// Contacts ingest benchmark: generates a realistic contacts CSV, then times
// (a) libphonenumber Parse + IsValidNumber alone on the raw numbers (one
// thread), (v) PhoneValidator::Check (strict) alone with and without its fast
// path, (s) the ingest in e164 mode (CSV read, split, normalise, dedupe, no
// libphonenumber) into a sink that discards rows, (b) the full strict ingest
// into that sink, (c) the full ingest into the SQLite store. (s), (b) and (c)
// run in fresh child processes so their peak RSS is their own. Usage:
// bench/README.md.
#include <phonenumbers/phonenumberutil.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "csv/ingest.h"
#include "phone/phone_validator.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace batchcall {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// A realistic mix: ~90% well-formed numbers from seven countries (some with
// separators or an apostrophe), duplicates, and the usual mistakes.
class ContactGenerator {
 public:
  explicit ContactGenerator(uint64_t seed) : rng_(seed) {}

  std::string Number() {
    const int pick = Uniform(0, 999);
    if (pick < 30 && !recent_.empty()) return recent_[Uniform(0, static_cast<int>(recent_.size()) - 1)];
    if (pick < 40) return Invalid();
    std::string n = Valid();
    if (recent_.size() < 4096) {
      recent_.push_back(n);
    } else {
      recent_[Uniform(0, 4095)] = n;
    }
    if (pick < 80) return Formatted(n);
    if (pick < 100) return "'" + n;
    return n;
  }

  std::string Row(const std::string& number) {
    static const char* kFirst[] = {"Ada", "Asha", "Alan", "Grace", "Emmy", "Marie", "Edsger", "Ravi", "Lena", "Tom"};
    static const char* kLast[] = {"Lovelace", "Rao", "Turing", "Hopper", "Noether", "Curie", "Dijkstra", "Kumar"};
    static const char* kCity[] = {"San Francisco", "\"Bengaluru, KA\"", "London", "Berlin", "Paris", "Sydney", "\"S\xC3\xA3o Paulo\""};
    std::string row;
    if (number.find(',') != std::string::npos) {
      row.append("\"").append(number).append("\"");
    } else {
      row.append(number);
    }
    row.append(",").append(kFirst[Uniform(0, 9)]).append(",").append(kLast[Uniform(0, 7)]);
    row.append(",").append(kCity[Uniform(0, 6)]).append("\n");
    return row;
  }

 private:
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + Uniform(0, 9)));
    return s;
  }

  std::string Valid() {
    static const char* kUsAreas[] = {"415", "212", "646", "312", "213", "617", "206", "305", "702", "512"};
    switch (Uniform(0, 6)) {
      case 0: return std::string("+1") + kUsAreas[Uniform(0, 9)] + std::to_string(Uniform(2, 9)) + Digits(6);
      case 1: return "+91" + std::to_string(Uniform(7, 9)) + Digits(9);
      case 2: return "+447" + std::to_string(Uniform(4, 9)) + Digits(8);
      case 3: return "+4915" + std::to_string(Uniform(1, 2)) + Digits(8);
      case 4: return "+33" + std::to_string(Uniform(6, 7)) + Digits(8);
      case 5: return "+614" + Digits(8);
      default: return "+55119" + Digits(8);
    }
  }

  std::string Formatted(const std::string& n) {
    if (n.rfind("+1", 0) == 0 && n.size() == 12) {  // +1 (415) 555-2671
      return "+1 (" + n.substr(2, 3) + ") " + n.substr(5, 3) + "-" + n.substr(8);
    }
    return n.substr(0, 3) + " " + n.substr(3, 4) + " " + n.substr(7);
  }

  std::string Invalid() {
    switch (Uniform(0, 5)) {
      case 0: return "+1123" + Digits(7);                   // unassigned area code
      case 1: return "+4479" + Digits(3);                   // too short
      case 2: return Digits(10);                            // no country code
      case 3: return "9.19877E+11";                         // Excel
      case 4: return "+1 415 CALL " + Digits(3);            // letters
      default: return "+91" + Digits(14);                   // too long
    }
  }

  std::mt19937_64 rng_;
  std::vector<std::string> recent_;
};

class NullSink : public ContactSink {
 public:
  Status OnHeader(const std::vector<std::string>&) override { return Status::Ok(); }
  Status OnContact(const ContactRow& row) override {
    bytes_ += row.contact_number.size();
    return Status::Ok();
  }
  Status OnReject(const RejectedRow& row) override {
    bytes_ += row.message.size();
    return Status::Ok();
  }

 private:
  size_t bytes_ = 0;
};

// Forwards an ingest into one Store import (one transaction), as an upload does.
class StoreSink : public ContactSink {
 public:
  StoreSink(Store& store, Batch draft) : store_(store), draft_(std::move(draft)) {}
  Status OnHeader(const std::vector<std::string>& columns) override {
    draft_.columns = columns;
    Result<std::unique_ptr<BatchImport>> import = store_.BeginImport(draft_);
    if (!import.ok()) return import.status();
    import_ = std::move(*import);
    return Status::Ok();
  }
  Status OnContact(const ContactRow& row) override { return import_->AddContact(row); }
  Status OnReject(const RejectedRow& row) override { return import_->AddReject(row); }
  Status Commit(const IngestSummary& s) {
    return import_->Commit(s.total_rows, s.valid, s.rejected).status();
  }

 private:
  Store& store_;
  Batch draft_;
  std::unique_ptr<BatchImport> import_;
};

// Ingests into `store` under a fresh account and agent, then commits.
Result<IngestSummary> IngestIntoStore(Store& store, std::istream& in, const IngestOptions& options) {
  const TimePoint now = SystemClock().Now();
  Result<Account> account = store.EnsureDefaultAccount(now);
  if (!account.ok()) return account.status();
  Agent agent;
  agent.id = NewUuid();
  agent.account_id = account->id;
  agent.name = "bench-" + agent.id;
  agent.provider_type = "simulator";
  agent.created_at = agent.updated_at = now;
  BC_RETURN_IF_ERROR(store.CreateAgent(agent));
  Batch draft;
  draft.id = NewBatchId();
  draft.account_id = account->id;
  draft.agent_id = agent.id;
  draft.created_at = draft.updated_at = now;
  draft.file_name = "contacts.csv";
  StoreSink sink(store, draft);
  Result<IngestSummary> r = IngestContacts(in, options, sink);
  if (!r.ok()) return r;
  BC_RETURN_IF_ERROR(sink.Commit(*r));
  return r;
}

// Child process: one ingest, then "seconds rss_kb total valid rejected" on stdout.
int RunChild(const std::string& sink_kind, const std::string& path, int threads) {
  std::ifstream in(path, std::ios::binary);
  IngestOptions options;
  options.check_threads = threads;
  options.max_rows = 100'000'000;
  const auto t0 = Clock::now();
  Result<IngestSummary> r = InvalidArgument("unknown sink " + sink_kind);
  if (sink_kind == "split") options.mode = PhoneValidationMode::kE164;
  if (sink_kind == "null" || sink_kind == "split") {
    NullSink sink;
    r = IngestContacts(in, options, sink);
  } else if (sink_kind == "sqlite") {
    std::string db = path + ".sqlite";
    std::remove(db.c_str());
    SqliteStoreOptions store_options;
    store_options.path = db;
    auto store = SqliteStore::Open(store_options);
    if (!store.ok()) {
      r = store.status();
    } else {
      r = IngestIntoStore(**store, in, options);
    }
  }
  if (!r.ok()) {
    std::fprintf(stderr, "ingest failed: %s\n", r.status().ToString().c_str());
    return 1;
  }
  std::printf("%.6f %ld %lld %lld %lld\n", Seconds(t0, Clock::now()), PeakRssKb(),
              static_cast<long long>(r->total_rows), static_cast<long long>(r->valid),
              static_cast<long long>(r->rejected));
  return 0;
}

struct ChildResult {
  bool ok = false;
  double seconds = 0;
  long rss_kb = 0;
  long long total = 0, valid = 0, rejected = 0;
};

ChildResult RunInChild(const char* self, const std::string& sink_kind, const std::string& path,
                       int threads) {
  ChildResult out;
  int fds[2];
  if (pipe(fds) != 0) return out;
  const std::string threads_text = std::to_string(threads);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(self, self, "--child", sink_kind.c_str(), path.c_str(), threads_text.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string text;
  char buf[256];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  out.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
           std::sscanf(text.c_str(), "%lf %ld %lld %lld %lld", &out.seconds, &out.rss_kb, &out.total,
                       &out.valid, &out.rejected) == 5;
  return out;
}

// (a): libphonenumber Parse + IsValidNumber on every number, one thread;
// the seconds taken, and how many were valid in *valid.
double TimeLibrary(const std::vector<std::string>& numbers, long* valid) {
  const auto& util = *i18n::phonenumbers::PhoneNumberUtil::GetInstance();
  const auto t0 = Clock::now();
  for (const std::string& n : numbers) {
    i18n::phonenumbers::PhoneNumber parsed;
    if (util.Parse(n, "ZZ", &parsed) == i18n::phonenumbers::PhoneNumberUtil::NO_PARSING_ERROR &&
        util.IsValidNumber(parsed)) {
      ++*valid;
    }
  }
  return Seconds(t0, Clock::now());
}

// --library-only FILE: (a) alone on the first column of FILE (a contacts
// file whose first column is contact_number, unquoted): "seconds rows valid".
int LibraryOnly(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::vector<std::string> numbers;
  std::getline(in, line);  // header
  while (std::getline(in, line)) numbers.push_back(line.substr(0, line.find(',')));
  long valid = 0;
  const double seconds = TimeLibrary(numbers, &valid);
  std::printf("%.6f %zu %ld\n", seconds, numbers.size(), valid);
  return 0;
}

int Main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--child") == 0) return RunChild(argv[2], argv[3], std::atoi(argv[4]));
  if (argc == 3 && std::strcmp(argv[1], "--library-only") == 0) return LibraryOnly(argv[2]);
  long rows = 1'000'000;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rows") == 0) rows = std::atol(argv[i + 1]);
    else if (std::strcmp(argv[i], "--threads") == 0) threads = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: %s [--rows N] [--threads T]\n", argv[0]);
      return 2;
    }
  }
  if (argc % 2 == 0 || rows <= 0) {
    std::fprintf(stderr, "usage: %s [--rows N] [--threads T]\n", argv[0]);
    return 2;
  }
  char dir_template[] = "/tmp/bench_ingest.XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) return 1;
  const std::string path = std::string(dir) + "/contacts.csv";

  std::vector<std::string> numbers;
  numbers.reserve(static_cast<size_t>(rows));
  {
    ContactGenerator gen(42);
    std::ofstream out(path, std::ios::binary);
    out << "contact_number,first_name,last_name,city\n";
    for (long i = 0; i < rows; ++i) {
      numbers.push_back(gen.Number());
      out << gen.Row(numbers.back());
    }
  }
  std::printf("file: %s (%ld rows, %.1f MB)\n", path.c_str(), rows,
              static_cast<double>(std::filesystem::file_size(path)) / 1e6);

  // (a) libphonenumber alone, one thread, on the raw values.
  long valid_a = 0;
  const double a = TimeLibrary(numbers, &valid_a);
  std::printf("(a) libphonenumber Parse+IsValidNumber: %8.3f s  %9.0f rows/s  (%ld valid, dupes included)\n", a,
              static_cast<double>(rows) / a, valid_a);

  // (v) the validator alone, one thread: the fast path, then libphonenumber
  // behind the same checks (the fast path off).
  const auto validate_all = [&](bool fast_path, long* valid) {
    PhoneValidatorOptions options;
    options.fast_path = fast_path;
    const PhoneValidator validator(options);
    const auto start = Clock::now();
    for (const std::string& n : numbers) *valid += validator.Check(n).ok ? 1 : 0;
    return Seconds(start, Clock::now());
  };
  long valid_fast = 0, valid_library = 0;
  const double v_fast = validate_all(true, &valid_fast);
  const double v_library = validate_all(false, &valid_library);
  std::printf("(v) PhoneValidator, fast path     : %8.3f s  %9.0f rows/s  ratio %.3f  (%ld valid)\n", v_fast,
              static_cast<double>(rows) / v_fast, v_fast / a, valid_fast);
  std::printf("(v) PhoneValidator, library only  : %8.3f s  %9.0f rows/s  ratio %.3f  (%ld valid)\n",
              v_library, static_cast<double>(rows) / v_library, v_library / a, valid_library);
  numbers = {};

  const auto report = [&](const char* label, const ChildResult& r) {
    if (!r.ok) {
      std::printf("%s: not measured (see stderr)\n", label);
      return;
    }
    std::printf("%s: %8.3f s  %9.0f rows/s  ratio %.2f  peak RSS %.1f MB  (rows %lld, valid %lld, rejected %lld)\n",
                label, r.seconds, static_cast<double>(r.total) / r.seconds, r.seconds / a,
                static_cast<double>(r.rss_kb) / 1024.0, r.total, r.valid, r.rejected);
  };
  report("(s) e164 ingest -> NullSink    ", RunInChild(argv[0], "split", path, threads));
  report("(b) ingest -> NullSink         ", RunInChild(argv[0], "null", path, threads));
  report("(c) ingest -> SqliteStore      ", RunInChild(argv[0], "sqlite", path, threads));
  std::printf("check_threads=%d; ratio = time / (a); (s) is the CSV split without libphonenumber\n", threads);
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace batchcall

int main(int argc, char** argv) { return batchcall::Main(argc, argv); }
