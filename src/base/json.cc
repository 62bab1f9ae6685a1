#include "base/json.h"

namespace batchcall {
namespace {

template <typename Json>
Result<Json> Parse(std::string_view text, std::string_view invalid_message) {
  bool too_deep = false;
  // `depth` is the number of containers around the event: 0 for the
  // top-level value's own start. Once too deep, everything is discarded so
  // the rest of the input is scanned without building anything.
  auto limit = [&too_deep](int depth, typename Json::parse_event_t event, Json&) {
    if (too_deep) return false;
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth) {
      too_deep = true;
      return false;
    }
    return true;
  };
  Json j = Json::parse(text, limit, /*allow_exceptions=*/false);
  if (too_deep) return InvalidArgument(std::string(kJsonTooDeepMessage));
  if (j.is_discarded()) return InvalidArgument(std::string(invalid_message));
  return j;
}

}  // namespace

Result<nlohmann::json> ParseJson(std::string_view text, std::string_view invalid_message) {
  return Parse<nlohmann::json>(text, invalid_message);
}

Result<nlohmann::ordered_json> ParseOrderedJson(std::string_view text, std::string_view invalid_message) {
  return Parse<nlohmann::ordered_json>(text, invalid_message);
}

nlohmann::json ParseJsonOrDiscarded(std::string_view text) {
  auto j = ParseJson(text);
  return j.ok() ? std::move(j).value() : nlohmann::json(nlohmann::json::value_t::discarded);
}

}  // namespace batchcall
