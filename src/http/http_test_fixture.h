// GoogleTest fixture running a real HttpServer on 127.0.0.1:0 with small
// limits and timeouts, a private temp_dir and a swappable handler (test-only).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "http/http_server.h"
#include "http/http_test_client.h"
#include "testing/temp_dir.h"
#include "testing/wait.h"

namespace batchcall::testing {

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.listen = "127.0.0.1:0";
    options_.io_threads = 2;
    options_.worker_threads = 2;
    options_.max_header_bytes = 4096;
    options_.max_body_bytes = 64 * 1024;
    options_.max_upload_bytes = 32 * 1024 * 1024;
    options_.header_timeout = std::chrono::milliseconds(2000);
    options_.body_idle_timeout = std::chrono::milliseconds(2000);
    options_.keep_alive_timeout = std::chrono::milliseconds(5000);
    options_.write_timeout = std::chrono::milliseconds(5000);
    options_.temp_dir = temp_dir_.string();
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  // Starts the server with options_ and admit_ (empty: admit everything);
  // the handler records every request and then runs handler_ (default: 200 "ok").
  void Start() {
    server_ = std::make_unique<HttpServer>(options_, [this](const HttpRequest& request) {
      {
        std::lock_guard lock(mu_);
        last_ = request;
      }
      ++calls_;
      return handler_ ? handler_(request) : HttpResponse{200, {{"Content-Type", "text/plain"}}, "ok", nullptr, ""};
    }, admit_);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }

  HttpRequest Last() {
    std::lock_guard lock(mu_);
    return last_;
  }

  size_t FilesInTempDir() const {
    return static_cast<size_t>(
        std::distance(std::filesystem::directory_iterator(temp_dir_), std::filesystem::directory_iterator()));
  }

  // Polls until the temp dir is empty (cleanup runs after the response).
  bool WaitTempDirEmpty(std::chrono::milliseconds max = std::chrono::milliseconds(3000)) {
    return test::WaitUntil([this] { return FilesInTempDir() == 0; }, max);
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  HttpServerOptions options_;
  HttpHandler handler_;
  AdmissionHandler admit_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> calls_{0};
  test::TempDir temp_holder_{"bc-http-test-"};
  const std::filesystem::path temp_dir_ = temp_holder_.path();  // the server's temp_dir
  std::mutex mu_;
  HttpRequest last_;
};

using Ms = std::chrono::milliseconds;

inline Ms Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start);
}

}  // namespace batchcall::testing
