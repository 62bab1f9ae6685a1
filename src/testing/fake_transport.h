// FakeTransport: an HttpTransport for tests. It records every request and
// answers from, in order of precedence: a handler (SetHandler), a script of
// answers queued with Reply/Push/Drop/Refuse (first in, first out), or the
// answer given to the constructor when neither has one.
//
// Thread-safe: providers and the webhook service call Send from several
// threads; requests() returns a copy.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "net/http_transport.h"

namespace batchcall::test {

// Not final: a test may derive to fix its default answer.
class FakeTransport : public HttpTransport {
 public:
  using Handler = std::function<Result<OutboundResponse>(const OutboundRequest&)>;

  // `unscripted`: the answer when no handler is set and the script is empty.
  explicit FakeTransport(OutboundResponse unscripted = OutboundResponse{200, {}, ""})
      : unscripted_(std::move(unscripted)) {}

  Result<OutboundResponse> Send(const OutboundRequest& request) override;

  // Every request answered by `handler` from now on (empty: back to the script).
  void SetHandler(Handler handler);
  // Queues an answer.
  void Reply(long status, std::string body, HttpHeaders headers = {});
  // Queues an answer or a transport error.
  void Push(Result<OutboundResponse> answer);
  // Queues "the request left and its answer was lost" (UnknownOutcome).
  void Drop();
  // Queues "the request never left" (Unavailable: connection refused).
  void Refuse();

  // The requests sent so far, oldest first.
  std::vector<OutboundRequest> requests() const;
  // Forgets the requests sent so far.
  void Clear();

  // An answer with `status` and `headers` and no body.
  static OutboundResponse Answer(long status, HttpHeaders headers = {});

 private:
  mutable std::mutex mu_;
  Handler handler_;
  std::deque<Result<OutboundResponse>> script_;
  const OutboundResponse unscripted_;
  std::vector<OutboundRequest> requests_;
};

}  // namespace batchcall::test
