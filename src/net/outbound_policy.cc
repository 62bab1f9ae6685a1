#include "net/outbound_policy.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <type_traits>
#include <utility>

namespace batchcall {
namespace ip = boost::asio::ip;
namespace {

struct ReservedRange {
  const char* cidr;
  const char* kind;
};

// First match names the range, so narrower ranges come before wider ones.
constexpr ReservedRange kReservedV4[] = {
    {"0.0.0.0/8", "unspecified"},
    {"10.0.0.0/8", "private, RFC 1918"},
    {"100.64.0.0/10", "shared address space, CGNAT"},
    {"127.0.0.0/8", "loopback"},
    {"169.254.0.0/16", "link-local"},
    {"172.16.0.0/12", "private, RFC 1918"},
    {"192.168.0.0/16", "private, RFC 1918"},
    {"224.0.0.0/4", "multicast"},
    {"240.0.0.0/4", "reserved, broadcast"},
};
constexpr ReservedRange kReservedV6[] = {
    {"::/128", "unspecified"},
    {"::1/128", "loopback"},
    {"::/96", "IPv4-compatible, deprecated"},
    {"fc00::/7", "unique local, RFC 4193"},
    {"fe80::/10", "link-local"},
    {"fec0::/10", "site-local, deprecated"},
    {"ff00::/8", "multicast"},
};
constexpr const char* kNat64 = "64:ff9b::/96";  // RFC 6052: the last 32 bits are an IPv4 address

bool Contains(const ip::network_v4& net, const ip::address_v4& a) {
  return ip::network_v4(a, net.prefix_length()).canonical() == net;
}
bool Contains(const ip::network_v6& net, const ip::address_v6& a) {
  return ip::network_v6(a, net.prefix_length()).canonical() == net;
}

template <typename Network>
const std::vector<std::pair<Network, const char*>>& Table(const ReservedRange* begin, const ReservedRange* end) {
  static const auto table = [&] {
    std::vector<std::pair<Network, const char*>> out;
    for (const ReservedRange* r = begin; r != end; ++r) {
      if constexpr (std::is_same_v<Network, ip::network_v4>) {
        out.emplace_back(ip::make_network_v4(r->cidr), r->kind);
      } else {
        out.emplace_back(ip::make_network_v6(r->cidr), r->kind);
      }
    }
    return out;
  }();
  return table;
}

const auto& ReservedV4() { return Table<ip::network_v4>(std::begin(kReservedV4), std::end(kReservedV4)); }
const auto& ReservedV6() { return Table<ip::network_v6>(std::begin(kReservedV6), std::end(kReservedV6)); }

// The IPv4 address an IPv4-mapped or NAT64 IPv6 address stands for.
std::optional<ip::address_v4> EmbeddedV4(const ip::address_v6& a) {
  if (a.is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a);
  static const ip::network_v6 nat64 = ip::make_network_v6(kNat64);
  if (!Contains(nat64, a)) return std::nullopt;
  const auto bytes = a.to_bytes();
  return ip::address_v4(ip::address_v4::bytes_type{bytes[12], bytes[13], bytes[14], bytes[15]});
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Appends a canonical range; one with host bits set ("10.0.0.1/8") is refused.
template <typename Network>
Status AddRange(const Network& net, const std::string& quoted, std::vector<Network>& into,
                std::vector<std::string>& texts) {
  if (net.canonical() != net)
    return InvalidArgument(quoted + " has host bits set; did you mean " + net.canonical().to_string() + "?");
  into.push_back(net);
  texts.push_back(net.to_string());
  return Status::Ok();
}

struct CurlUrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// The host of `url` as libcurl will resolve it (IPv4 numbers normalised,
// percent-decoded, IPv6 without brackets or zone); nullopt when libcurl
// cannot parse the URL.
std::optional<std::string> CurlHost(std::string_view url) {
  std::unique_ptr<CURLU, CurlUrlDeleter> u(curl_url());
  if (!u) return std::nullopt;
  const std::string text(url);
  if (curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) return std::nullopt;
  char* host = nullptr;
  if (curl_url_get(u.get(), CURLUPART_HOST, &host, CURLU_URLDECODE) != CURLUE_OK || host == nullptr)
    return std::nullopt;
  std::string out(host);
  curl_free(host);
  if (out.size() >= 2 && out.front() == '[' && out.back() == ']') out = out.substr(1, out.size() - 2);
  return out;
}

}  // namespace

struct OutboundPolicy::Ranges {
  std::vector<ip::network_v4> v4;
  std::vector<ip::network_v6> v6;
  std::vector<std::string> texts;
};

std::string OutboundPolicy::Refusal::Describe() const {
  if (range.empty()) return address + " (" + kind + ")";
  return address + " (" + (ipv4.empty() ? "" : "IPv4 " + ipv4 + ", ") + "in " + range + ", " + kind + ")";
}

std::string OutboundPolicy::Refusal::Hint() const {
  return "set " + std::string(kOutboundAllowSetting) + " to allow " + (range.empty() ? address : range);
}

OutboundPolicy::OutboundPolicy() : allowed_(std::make_shared<const Ranges>()) {}

Result<OutboundPolicy> OutboundPolicy::Allowing(const std::vector<std::string>& ranges) {
  auto out = std::make_shared<Ranges>();
  for (const std::string& entry : ranges) {
    const std::string text(TrimSpaces(entry));
    const std::string quoted = "'" + text + "'";
    boost::system::error_code ec;
    if (text.find('/') == std::string::npos) {
      const ip::address a = ip::make_address(text, ec);
      if (ec) return InvalidArgument(quoted + " is not an IP address or CIDR range (e.g. 10.0.0.0/8, ::1/128)");
      BC_RETURN_IF_ERROR(a.is_v4() ? AddRange(ip::network_v4(a.to_v4(), 32), quoted, out->v4, out->texts)
                                   : AddRange(ip::network_v6(a.to_v6(), 128), quoted, out->v6, out->texts));
    } else if (text.find(':') == std::string::npos) {
      const ip::network_v4 net = ip::make_network_v4(text, ec);
      if (ec) return InvalidArgument(quoted + " is not a CIDR range (e.g. 10.0.0.0/8)");
      BC_RETURN_IF_ERROR(AddRange(net, quoted, out->v4, out->texts));
    } else {
      const ip::network_v6 net = ip::make_network_v6(text, ec);
      if (ec) return InvalidArgument(quoted + " is not a CIDR range (e.g. fd00::/8)");
      BC_RETURN_IF_ERROR(AddRange(net, quoted, out->v6, out->texts));
    }
  }
  OutboundPolicy policy;
  policy.allowed_ = std::move(out);
  return policy;
}

std::vector<std::string> OutboundPolicy::allowed() const { return allowed_->texts; }

std::optional<OutboundPolicy::Refusal> OutboundPolicy::Check(std::string_view ip_text) const {
  std::string text(ip_text.substr(0, ip_text.find('%')));  // an IPv6 zone names an interface, not an address
  boost::system::error_code ec;
  ip::address address = ip::make_address(text, ec);
  if (ec) return Refusal{std::string(ip_text), "", "not an IP address", ""};

  std::optional<ip::address_v4> v4;
  if (address.is_v4()) {
    v4 = address.to_v4();
  } else {
    const ip::address_v6 v6 = address.to_v6();
    for (const auto& net : allowed_->v6)
      if (Contains(net, v6)) return std::nullopt;
    v4 = EmbeddedV4(v6);
    if (!v4) {
      for (const auto& [net, kind] : ReservedV6())
        if (Contains(net, v6)) return Refusal{text, "", kind, net.to_string()};
      return std::nullopt;
    }
  }
  for (const auto& net : allowed_->v4)
    if (Contains(net, *v4)) return std::nullopt;
  const std::string inner = address.is_v4() ? "" : v4->to_string();
  for (const auto& [net, kind] : ReservedV4())
    if (Contains(net, *v4)) return Refusal{text, inner, kind, net.to_string()};
  return std::nullopt;
}

std::optional<OutboundPolicy::Refusal> OutboundPolicy::Check(const sockaddr* address, socklen_t length) const {
  char text[INET6_ADDRSTRLEN] = {0};
  if (address != nullptr && address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
  } else if (address != nullptr && address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof text);
  } else {
    return Refusal{"a non-IP socket address", "", "not an IP address", ""};
  }
  return Check(text);
}

Status OutboundPolicy::CheckUrl(std::string_view url, std::string_view field) const {
  std::optional<std::string> host = CurlHost(url);
  if (!host || host->empty()) return Status::Ok();
  std::string literal = *host;
  boost::system::error_code ec;
  (void)ip::make_address(literal.substr(0, literal.find('%')), ec);
  if (ec) {
    // Legacy IPv4 spellings libcurl or the resolver may still accept
    // ("127.1", "0x7f.1", "017700000001"), with or without a final dot.
    std::string v4 = literal;
    if (!v4.empty() && v4.back() == '.') v4.pop_back();
    in_addr parsed{};
    if (v4.empty() || inet_aton(v4.c_str(), &parsed) == 0) return Status::Ok();  // a host name
    char text[INET_ADDRSTRLEN] = {0};
    inet_ntop(AF_INET, &parsed, text, sizeof text);
    literal = text;
  }
  std::optional<Refusal> refusal = Check(literal);
  if (!refusal) return Status::Ok();
  return InvalidArgument(std::string(field) + " points to " + refusal->Describe() +
                         ", which outbound requests may not reach; " + refusal->Hint() +
                         " (for example for a voice agent on this host).");
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = TrimSpaces(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace batchcall
