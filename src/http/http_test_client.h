// Blocking raw-socket HTTP/1.1 client for HttpServer tests (test-only, not
// thread-safe). Speaks bytes exactly as given, so tests can send malformed,
// pipelined or trickled requests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace batchcall::testing {

struct RawResponse {
  int status = 0;  // 0: the connection ended before a complete response
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;  // de-chunked
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class TestClient {
 public:
  explicit TestClient(uint16_t port, std::chrono::milliseconds recv_timeout = std::chrono::seconds(10)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect");
    SetRecvTimeout(recv_timeout);
  }
  ~TestClient() { Close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  void SetRecvTimeout(std::chrono::milliseconds t) {
    timeval tv{static_cast<time_t>(t.count() / 1000), static_cast<suseconds_t>((t.count() % 1000) * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  // False when the peer has closed (EPIPE/ECONNRESET).
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Reads one response (a "100 Continue" counts as one). no_body: the
  // answer to a HEAD request.
  RawResponse Read(bool no_body = false) {
    RawResponse r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return r;
    }
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return r;
    int status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      r.headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    if (status == 100 || no_body) {
      r.status = status;
      return r;
    }
    if (r.Header("transfer-encoding") == "chunked") {
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos) {
          if (!Fill()) return r;
        }
        size_t size = std::stoul(buf_.substr(0, eol), nullptr, 16);
        buf_.erase(0, eol + 2);
        if (!Need(size + 2)) return r;
        r.body.append(buf_, 0, size);
        buf_.erase(0, size + 2);
        if (size == 0) break;
      }
    } else if (!r.Header("content-length").empty()) {
      size_t size = std::stoul(r.Header("content-length"));
      if (!Need(size)) return r;
      r.body = buf_.substr(0, size);
      buf_.erase(0, size);
    } else {
      while (Fill()) {
      }
      r.body = std::move(buf_);
      buf_.clear();
    }
    r.status = status;
    return r;
  }

  // Reads and discards until the peer closes. True when it closed within max.
  bool WaitClosed(std::chrono::milliseconds max) {
    SetRecvTimeout(max);
    auto deadline = std::chrono::steady_clock::now() + max;
    char tmp[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
    return false;
  }

 private:
  bool Fill() {
    char tmp[65536];
    ssize_t n;
    do {
      n = ::recv(fd_, tmp, sizeof tmp, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  bool Need(size_t n) {
    while (buf_.size() < n) {
      if (!Fill()) return false;
    }
    return true;
  }

  int fd_ = -1;
  std::string buf_;
};

// A multipart/form-data body builder.
class MultipartBuilder {
 public:
  explicit MultipartBuilder(std::string boundary = "----bcTestBoundary7MA4YWxk") : boundary_(std::move(boundary)) {}
  MultipartBuilder& Field(const std::string& name, const std::string& value) {
    body_ += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    return *this;
  }
  MultipartBuilder& File(const std::string& name, const std::string& filename, const std::string& data) {
    body_ += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename +
             "\"\r\nContent-Type: text/csv\r\n\r\n";
    body_ += data;
    body_ += "\r\n";
    return *this;
  }
  std::string Body() const { return body_ + "--" + boundary_ + "--\r\n"; }
  std::string ContentType() const { return "multipart/form-data; boundary=" + boundary_; }

 private:
  std::string boundary_;
  std::string body_;
};

inline std::string PostRequest(const std::string& target, const std::string& content_type, const std::string& body,
                               const std::string& extra_headers = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

}  // namespace batchcall::testing
