#include "net/http_url.h"

#include <string>

namespace batchcall {
namespace {

Status UrlError(std::string_view field, std::string_view what) {
  std::string m(field);
  m.append(" ").append(what).append(".");
  return InvalidArgument(std::move(m));
}

}  // namespace

Status ValidateHttpUrl(std::string_view url, std::string_view field) {
  if (url.size() > 2048) return UrlError(field, "is longer than 2048 characters");
  size_t scheme_end;
  if (url.rfind("https://", 0) == 0) scheme_end = 8;
  else if (url.rfind("http://", 0) == 0) scheme_end = 7;
  else return UrlError(field, "must be an http:// or https:// URL");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return UrlError(field, "must not contain spaces or control characters");
  std::string_view rest = url.substr(scheme_end);
  std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.rfind('@') != std::string_view::npos) return UrlError(field, "must not carry credentials");
  if (host.empty() || host.front() == ':') return UrlError(field, "must name a host");
  return Status::Ok();
}

Status ValidateOutboundUrl(std::string_view url, std::string_view field, const OutboundPolicy& outbound) {
  BC_RETURN_IF_ERROR(ValidateHttpUrl(url, field));
  return outbound.CheckUrl(url, field);
}

}  // namespace batchcall
