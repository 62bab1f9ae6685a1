#include "testing/fake_transport.h"

namespace batchcall::test {

Result<OutboundResponse> FakeTransport::Send(const OutboundRequest& request) {
  Handler handler;
  {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    if (!handler_) {
      if (script_.empty()) return unscripted_;
      Result<OutboundResponse> next = std::move(script_.front());
      script_.pop_front();
      return next;
    }
    handler = handler_;
  }
  return handler(request);  // outside the lock: a handler may block or send again
}

void FakeTransport::SetHandler(Handler handler) {
  std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

void FakeTransport::Reply(long status, std::string body, HttpHeaders headers) {
  Push(OutboundResponse{status, std::move(headers), std::move(body)});
}

void FakeTransport::Push(Result<OutboundResponse> answer) {
  std::lock_guard lock(mu_);
  script_.push_back(std::move(answer));
}

void FakeTransport::Drop() { Push(UnknownOutcome("connection reset")); }

void FakeTransport::Refuse() { Push(Unavailable("connection refused")); }

std::vector<OutboundRequest> FakeTransport::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void FakeTransport::Clear() {
  std::lock_guard lock(mu_);
  requests_.clear();
}

OutboundResponse FakeTransport::Answer(long status, HttpHeaders headers) {
  OutboundResponse r;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

}  // namespace batchcall::test
