// HttpServer request bodies over real sockets: multipart uploads spooled to
// temp files, url-encoded forms, Expect: 100-continue, broken uploads.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "http/http_server.h"
#include "http/http_test_fixture.h"
#include "base/crypto.h"
#include "testing/wait.h"

namespace batchcall::testing {
namespace {

TEST_F(HttpServerTest, MultipartFieldsAndFile) {
  const std::string csv = "contact_number,first_name\r\n+15550001,Ann\r\n+15550002,Bob\r\n";
  std::string seen_bytes;
  std::string seen_path;
  unsigned seen_mode = 0;
  handler_ = [&](const HttpRequest& r) {
    if (const FormFile* f = r.form ? r.form->File("file") : nullptr) {
      seen_bytes = ReadFile(f->path);
      seen_path = f->path;
      struct stat st {};
      if (::stat(f->path.c_str(), &st) == 0) seen_mode = st.st_mode & 0777;
    }
    return HttpResponse{200, {}, "ok", nullptr, ""};
  };
  Start();
  MultipartBuilder mp;
  mp.Field("agent_id", "agent-7").Field("from_phone_numbers", "+15559999").File("file", "contacts.csv", csv);
  TestClient c(server_->port());
  c.Send(PostRequest("/batches", mp.ContentType(), mp.Body()));
  EXPECT_EQ(c.Read().status, 200);

  HttpRequest req = Last();
  ASSERT_TRUE(req.form.has_value());
  EXPECT_EQ(req.form->Get("agent_id"), "agent-7");
  EXPECT_EQ(req.form->Get("from_phone_numbers"), "+15559999");
  EXPECT_EQ(req.form->fields.size(), 2u);
  ASSERT_EQ(req.form->files.size(), 1u);
  const FormFile& file = req.form->files[0];
  EXPECT_EQ(file.field, "file");
  EXPECT_EQ(file.filename, "contacts.csv");
  EXPECT_EQ(file.content_type, "text/csv");
  EXPECT_EQ(file.size, csv.size());
  EXPECT_EQ(seen_bytes, csv);
  EXPECT_EQ(seen_mode, 0600u);
  EXPECT_EQ(seen_path.rfind(temp_dir_.string(), 0), 0u);
  EXPECT_TRUE(req.body.empty());
  EXPECT_TRUE(WaitTempDirEmpty());  // deleted once the response is written
  EXPECT_FALSE(std::filesystem::exists(seen_path));
}

TEST_F(HttpServerTest, LargeMultipartUploadIsSpooledToDisk) {
  // 20 MB of pseudo-random bytes, sent in 256 KB writes. The handler sees a
  // FormFile with the right size and checksum; nothing in the server holds
  // the body (it flows through a 64 KB buffer into the file).
  std::string data(20 * 1024 * 1024, '\0');
  std::mt19937_64 rng(42);
  for (size_t i = 0; i + 8 <= data.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(&data[i], &v, 8);
  }
  const std::string want_sha = Sha256Hex(data);
  std::string got_sha;
  uint64_t got_size = 0;
  handler_ = [&](const HttpRequest& r) {
    if (const FormFile* f = r.form ? r.form->File("file") : nullptr) {
      got_size = f->size;
      got_sha = Sha256Hex(ReadFile(f->path));
    }
    return HttpResponse{200, {}, "ok", nullptr, ""};
  };
  Start();
  MultipartBuilder mp;
  mp.Field("agent_id", "a").File("file", "big.bin", data);
  const std::string body = mp.Body();
  data.clear();
  TestClient c(server_->port(), Ms(30000));
  c.Send("POST /batches HTTP/1.1\r\nHost: x\r\nContent-Type: " + mp.ContentType() +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  for (size_t off = 0; off < body.size(); off += 256 * 1024) {
    ASSERT_TRUE(c.Send(std::string_view(body).substr(off, 256 * 1024)));
  }
  EXPECT_EQ(c.Read().status, 200);
  EXPECT_EQ(got_size, 20u * 1024 * 1024);
  EXPECT_EQ(got_sha, want_sha);
  EXPECT_TRUE(WaitTempDirEmpty());
}

TEST_F(HttpServerTest, UploadOverLimitIs413) {
  options_.max_upload_bytes = 100 * 1024;
  Start();
  MultipartBuilder mp;
  mp.File("file", "a.csv", std::string(200 * 1024, 'a'));
  {
    TestClient c(server_->port());
    c.Send(PostRequest("/batches", mp.ContentType(), mp.Body()));
    EXPECT_EQ(c.Read().status, 413);
  }
  {
    // Chunked upload: caught while streaming; the partial file is removed.
    TestClient c(server_->port());
    std::string body = mp.Body();
    c.Send("POST /batches HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: " + mp.ContentType() +
           "\r\n\r\n");
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", body.size());
    c.Send(size + body + "\r\n0\r\n\r\n");
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 413);
    EXPECT_NE(nlohmann::json::parse(r.body)["message"].get<std::string>().find("limit"), std::string::npos);
  }
  EXPECT_EQ(calls_, 0);
  EXPECT_TRUE(WaitTempDirEmpty());
}

TEST_F(HttpServerTest, UrlEncodedFormWithRepeatedKeys) {
  Start();
  TestClient c(server_->port());
  c.Send(PostRequest("/batches/b/schedule", "application/x-www-form-urlencoded; charset=UTF-8",
                     "scheduled_at=2024-01-01T10%3A00%3A00%2B05%3A30&n=a+b&n=%2B1&flag"));
  EXPECT_EQ(c.Read().status, 200);
  HttpRequest req = Last();
  ASSERT_TRUE(req.form.has_value());
  EXPECT_EQ(req.form->Get("scheduled_at"), "2024-01-01T10:00:00+05:30");
  EXPECT_EQ(req.form->GetAll("n"), (std::vector<std::string>{"a b", "+1"}));
  EXPECT_EQ(req.form->Get("flag"), "");
  EXPECT_TRUE(req.form->files.empty());

  c.Send(PostRequest("/x", "application/x-www-form-urlencoded", "a=%G1"));
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(calls_, 1);
}

TEST_F(HttpServerTest, MalformedMultipartIs400WithMessage) {
  Start();
  struct Case {
    std::string content_type;
    std::string body;
    std::string message_part;
  };
  const std::string part = "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.csv\"\r\n\r\ndata";
  const Case cases[] = {
      {"multipart/form-data", part + "\r\n--b--\r\n", "boundary"},
      {"multipart/form-data; boundary=b", part, "closing boundary"},  // truncated upload
      {"multipart/form-data; boundary=b", "--b\r\nbad header\r\n\r\nx\r\n--b--", "part header"},
      {"multipart/form-data; boundary=b", "nothing here", "no boundary line"},
  };
  for (const auto& c : cases) {
    TestClient client(server_->port());
    client.Send(PostRequest("/batches", c.content_type, c.body));
    RawResponse r = client.Read();
    EXPECT_EQ(r.status, 400) << c.body;
    auto message = nlohmann::json::parse(r.body)["message"].get<std::string>();
    EXPECT_NE(message.find(c.message_part), std::string::npos) << message;
  }
  EXPECT_EQ(calls_, 0);
  EXPECT_TRUE(WaitTempDirEmpty());
}

TEST_F(HttpServerTest, UploadCutOffHalfWayCallsNoHandlerAndLeavesNoFile) {
  Start();
  MultipartBuilder mp;
  mp.Field("agent_id", "a").File("file", "big.csv", std::string(2 * 1024 * 1024, 'z'));
  const std::string body = mp.Body();
  {
    TestClient c(server_->port());
    c.Send("POST /batches HTTP/1.1\r\nHost: x\r\nContent-Type: " + mp.ContentType() +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
    c.Send(std::string_view(body).substr(0, body.size() / 2));
    // Wait until the server has started spooling the file part.
    test::WaitUntil([&] { return FilesInTempDir() != 0; }, Ms(3000));
    EXPECT_EQ(FilesInTempDir(), 1u);
  }  // client closes mid-upload
  EXPECT_TRUE(WaitTempDirEmpty());
  EXPECT_EQ(calls_, 0);
  TestClient again(server_->port());  // the server is fine
  again.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(again.Read().status, 200);
}

TEST_F(HttpServerTest, ExpectContinue) {
  handler_ = [](const HttpRequest& r) { return HttpResponse{200, {}, r.body, nullptr, ""}; };
  options_.max_body_bytes = 1000;
  Start();
  TestClient c(server_->port());
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  RawResponse interim = c.Read();
  EXPECT_EQ(interim.status, 100);
  c.Send("hello");
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");

  // Too large: 413 straight away, without 100 and without reading the body.
  TestClient big(server_->port());
  big.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n"
           "Expect: 100-continue\r\n\r\n");
  EXPECT_EQ(big.Read().status, 413);
  EXPECT_TRUE(big.WaitClosed(Ms(3000)));
  EXPECT_EQ(calls_, 1);
}

TEST_F(HttpServerTest, TempFilesLiveUntilStreamedResponseEnds) {
  std::string path;
  handler_ = [&path](const HttpRequest& r) {
    path = r.form->File("file")->path;
    HttpResponse resp;
    resp.stream = [p = path, n = 0]() mutable -> std::optional<std::string> {
      if (n++ == 3) return std::nullopt;
      return std::filesystem::exists(p) ? std::string("present;") : std::string("gone;");
    };
    return resp;
  };
  Start();
  MultipartBuilder mp;
  mp.File("file", "a.csv", "x,y\n");
  TestClient c(server_->port());
  c.Send(PostRequest("/", mp.ContentType(), mp.Body()));
  RawResponse r = c.Read();
  EXPECT_EQ(r.body, "present;present;present;");
  EXPECT_TRUE(WaitTempDirEmpty());
}

}  // namespace
}  // namespace batchcall::testing
