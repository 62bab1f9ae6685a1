// MultipartParser (src/http/form_parser.h) as the HTTP server drives it: the
// first line is the Content-Type header value, the rest the body, fed in
// chunks whose size comes from the last byte. File parts go to a private
// temporary directory under $TMPDIR and are removed after each input.
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "http/form_parser.h"
#include "fuzz_support.h"

namespace {

const std::string& TempDir() {
  static const std::string dir = [] {
    const char* base = getenv("TMPDIR");  // scripts/fuzz points it into its work directory
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/batchcall-fuzz-multipart-XXXXXX";
    if (!mkdtemp(tmpl.data())) batchcall::fuzz::Fail("mkdtemp");
    return tmpl;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace batchcall;
  if (size < 2) return 0;
  const size_t chunk = 1 + data[size - 1] % 128;
  auto [content_type, body] = fuzz::SplitLine(std::string_view(reinterpret_cast<const char*>(data), size - 1));
  (void)IsMediaType(content_type, "multipart/form-data");
  auto boundary = MultipartBoundary(content_type);
  if (!boundary.ok()) return 0;
  MultipartLimits limits;
  limits.max_field_bytes = 1024;
  limits.max_parts = 16;
  limits.max_part_header_bytes = 1024;
  limits.temp_dir = TempDir();
  TempFiles files;
  {
    MultipartParser parser(*boundary, limits);
    Status s;
    for (size_t i = 0; i < body.size() && s.ok(); i += chunk) s = parser.Feed(body.substr(i, chunk));
    if (s.ok()) s = parser.Finish();
    if (s.ok()) {
      Form form = parser.TakeForm(&files);
      for (const auto& path : files.paths())
        fuzz::Check(path.rfind(limits.temp_dir + "/", 0) == 0, "a part file outside temp_dir");
      (void)form;
    }
  }
  files.RemoveAll();
  return 0;
}
