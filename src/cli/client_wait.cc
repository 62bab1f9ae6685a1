// RunWait: polls a batch until it reaches a terminal status, drawing progress.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/json.h"
#include "cli/client_actions.h"
#include "cli/client_format.h"
#include "cli/progress.h"

namespace batchcall::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Consecutive failed polls (no response) tolerated before giving up.
constexpr int kMaxPollFailures = 5;
// Without a terminal, a line is printed on change, at most this often.
constexpr auto kPlainInterval = std::chrono::seconds(5);

// The message the SIGINT handler writes; filled before the handler is set.
char g_interrupt_message[512];
size_t g_interrupt_message_len = 0;

void OnInterrupt(int) {
  ssize_t ignored = write(STDERR_FILENO, g_interrupt_message, g_interrupt_message_len);
  (void)ignored;
  _exit(kExitInterrupted);
}

// Installs OnInterrupt for SIGINT for its lifetime: Ctrl-C ends the wait at
// once, telling the user that the batch keeps running on the server.
class InterruptNotice {
 public:
  InterruptNotice(const std::string& batch_id, bool tty) {
    std::string msg = tty ? "\n" : "";
    msg += "interrupted: batch " + batch_id + " keeps running on the server (`batchcall status " + batch_id +
           "` to check, `batchcall stop " + batch_id + "` to stop it)\n";
    g_interrupt_message_len = std::min(msg.size(), sizeof g_interrupt_message);
    std::memcpy(g_interrupt_message, msg.data(), g_interrupt_message_len);
    struct sigaction sa {};
    sa.sa_handler = &OnInterrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &previous_);
  }
  ~InterruptNotice() { sigaction(SIGINT, &previous_, nullptr); }
  InterruptNotice(const InterruptNotice&) = delete;
  InterruptNotice& operator=(const InterruptNotice&) = delete;

 private:
  struct sigaction previous_ {};
};

bool IsTerminalBatchStatus(const std::string& s) { return s == "completed" || s == "stopped" || s == "failed"; }

// The snapshot without its clock, to tell whether anything changed.
std::string ChangeKey(ProgressSnapshot s) {
  s.elapsed = std::chrono::milliseconds(0);
  return RenderProgressPlain(s);
}

}  // namespace

int RunWait(const HttpClient& http, const std::string& batch_id, const WaitArgs& args, std::ostream& out,
            std::ostream& err) {
  InterruptNotice notice(batch_id, args.tty);
  const auto start = Clock::now();
  const auto interval = std::chrono::milliseconds(std::max(50, args.interval_ms));
  int failures = 0;
  std::string last_key;
  Clock::time_point last_plain{};
  bool line_open = false;  // a redrawn bar is on the terminal's current line
  auto close_line = [&] {
    if (line_open) err << "\n";
    line_open = false;
  };
  if (!args.tty) err << "waiting for batch " << batch_id << " (Ctrl-C stops waiting, not the batch)\n";
  while (true) {
    auto r = http.Get(StrCat({"/batches/", UrlEncode(batch_id)}));
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (!r.ok()) {
      if (++failures >= kMaxPollFailures) {
        close_line();
        return ReportFailure(r, err);
      }
      std::this_thread::sleep_for(interval);
      continue;
    }
    failures = 0;
    if (!r->ok()) {
      close_line();
      return ReportFailure(r, err);
    }
    nlohmann::json j = ParseJsonOrDiscarded(r->body);
    if (!j.is_object()) {
      close_line();
      err << "error: the server sent an unexpected response (HTTP " << r->status << ", not a batch)\n";
      return kExitApiError;
    }
    ProgressSnapshot snap = SnapshotFromBatchJson(j, elapsed);
    bool terminal = IsTerminalBatchStatus(snap.batch_status);
    if (args.tty) {
      err << "\r" << RenderProgressLine(snap, std::max(1, args.width - 1)) << "\x1b[K" << std::flush;
      line_open = true;
    } else {
      std::string key = ChangeKey(snap);
      auto now = Clock::now();
      if (terminal || last_key.empty() || (key != last_key && now - last_plain >= kPlainInterval)) {
        err << RenderProgressPlain(snap) << "\n" << std::flush;
        last_key = key;
        last_plain = now;
      }
    }
    if (terminal) {
      close_line();
      out << "batch " << batch_id << " " << snap.batch_status << " after " << FormatClock(snap.elapsed.count())
          << "\n";
      out << RenderSummaryTable(snap);
      out.flush();
      return snap.batch_status == "completed" ? kExitOk : kExitApiError;
    }
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace batchcall::cli
