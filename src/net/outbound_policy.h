// OutboundPolicy: which peer addresses the server's outbound HTTP (webhook
// deliveries, voice-agent servers, Twilio) may connect to.
//
// By default every public address is allowed and these are refused:
// loopback, link-local, private (RFC 1918, RFC 4193), shared/CGNAT
// (100.64.0.0/10), multicast, unspecified, reserved (240.0.0.0/4) and
// deprecated IPv6 ranges; an IPv4-mapped (::ffff:a.b.c.d) or NAT64
// (64:ff9b::a.b.c.d) IPv6 address is judged by the IPv4 address inside it.
// Ranges given to Allowing() are opened on top of that (the setting
// outbound_allow / BATCHCALL_OUTBOUND_ALLOW / --outbound-allow), e.g.
// 127.0.0.0/8 for a voice-agent server on the same host.
//
// CurlTransport applies it to the address actually connected to (so a host
// name that resolves, or re-resolves, to a refused address is caught); the
// API applies CheckUrl when a URL is saved, for hosts written as addresses.
//
// Thread-safety: immutable after construction; copies share state.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace batchcall {

// How messages name the setting that opens ranges.
inline constexpr std::string_view kOutboundAllowSetting = "outbound_allow (BATCHCALL_OUTBOUND_ALLOW)";

class OutboundPolicy {
 public:
  // Why an address is refused.
  struct Refusal {
    std::string address;  // as connected to, e.g. "::ffff:127.0.0.1"
    std::string ipv4;     // the IPv4 address an IPv4-mapped or NAT64 one stands for, else empty
    std::string kind;     // e.g. "loopback", "private, RFC 1918"
    std::string range;    // the reserved range holding it, e.g. "127.0.0.0/8"
    // "127.0.0.1 (in 127.0.0.0/8, loopback)",
    // "::ffff:127.0.0.1 (IPv4 127.0.0.1, in 127.0.0.0/8, loopback)"
    std::string Describe() const;
    // "set outbound_allow (BATCHCALL_OUTBOUND_ALLOW) to allow 127.0.0.0/8"
    std::string Hint() const;
  };

  // The default: public addresses only.
  OutboundPolicy();

  // The default plus `ranges`: CIDRs ("10.0.0.0/8", "::1/128") or single
  // addresses ("192.168.1.20"). InvalidArgument quoting the first bad entry
  // (not an address, prefix too long, host bits set), e.g. "'10.0.0.1/8' has
  // host bits set; did you mean 10.0.0.0/8?".
  static Result<OutboundPolicy> Allowing(const std::vector<std::string>& ranges);

  // nullopt when connecting to `ip` is allowed. `ip` is numeric IPv4 or
  // IPv6 text as libcurl reports a peer (an IPv6 zone "%eth0" is ignored);
  // text that is not an address is refused (kind "not an IP address").
  std::optional<Refusal> Check(std::string_view ip) const;
  // The same for a socket address (AF_INET or AF_INET6; other families are refused).
  std::optional<Refusal> Check(const sockaddr* address, socklen_t length) const;

  // Save-time check of an http(s) URL: when its host is an IP address in
  // any spelling libcurl accepts ("127.0.0.1", "[::ffff:127.0.0.1]",
  // "0x7f000001", "2130706433", "127.1", "0177.0.0.1"), InvalidArgument
  // "<field> points to ..., which outbound requests may not reach; set
  // outbound_allow ... to allow ..." when Check refuses it. Host names pass
  // (they are checked when connecting), and so do URLs libcurl cannot parse
  // (the caller validates the URL's syntax).
  Status CheckUrl(std::string_view url, std::string_view field) const;

  // The ranges opened by Allowing, canonical ("10.0.0.0/8"), in order.
  std::vector<std::string> allowed() const;

 private:
  struct Ranges;
  std::shared_ptr<const Ranges> allowed_;
};

// "a, b,,c " -> {"a", "b", "c"}: comma-separated items, blanks trimmed, empty items dropped.
std::vector<std::string> SplitList(std::string_view text);

}  // namespace batchcall
