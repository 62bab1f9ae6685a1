// ParseIso8601 (src/base/time.h): whatever it accepts, FormatRfc3339 writes
// as RFC 3339 that parses back to the same instant.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/time.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace batchcall;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = ParseIso8601(text);
  if (!t.ok()) {
    fuzz::Check(t.status().code() == StatusCode::kInvalidArgument, "a parse failure that is not InvalidArgument");
    return 0;
  }
  const std::string formatted = FormatRfc3339(*t);
  fuzz::Check(formatted.size() == 29, "FormatRfc3339 is not YYYY-MM-DDThh:mm:ss.sss+00:00");
  auto again = ParseIso8601(formatted);
  fuzz::Check(again.ok() && *again == *t, "FormatRfc3339 does not parse back to the same instant");
  (void)Humanize(*t, *again);
  return 0;
}
