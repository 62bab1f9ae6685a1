#include "net/outbound_policy.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

namespace batchcall {
namespace {

using ::testing::HasSubstr;

OutboundPolicy Allowing(std::vector<std::string> ranges) {
  auto policy = OutboundPolicy::Allowing(ranges);
  EXPECT_TRUE(policy.ok()) << policy.status().ToString();
  return policy.ok() ? *policy : OutboundPolicy();
}

TEST(OutboundPolicy, RefusesNonPublicAddressesByDefault) {
  const OutboundPolicy policy;
  for (const char* ip : {"127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                         "100.64.0.1", "100.127.255.255", "169.254.169.254", "0.0.0.0", "0.1.2.3", "224.0.0.1",
                         "239.255.255.250", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fe80::1%eth0",
                         "febf::1", "fc00::1", "fd12:3456::1", "ff02::1", "fec0::1", "::ffff:127.0.0.1",
                         "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0.0.0.0", "64:ff9b::7f00:1",
                         "::127.0.0.1"}) {
    EXPECT_TRUE(policy.Check(ip).has_value()) << ip;
  }
}

TEST(OutboundPolicy, AllowsPublicAddresses) {
  const OutboundPolicy policy;
  for (const char* ip : {"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
                         "169.253.255.255", "192.169.0.1", "223.255.255.255", "2001:4860:4860::8888",
                         "2a00:1450:4001::1", "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
    EXPECT_FALSE(policy.Check(ip).has_value()) << ip << ": " << policy.Check(ip)->Describe();
  }
}

TEST(OutboundPolicy, NamesTheRangeAndTheSetting) {
  auto refusal = OutboundPolicy().Check("127.0.0.1");
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->Describe(), "127.0.0.1 (in 127.0.0.0/8, loopback)");
  EXPECT_EQ(refusal->Hint(), "set outbound_allow (BATCHCALL_OUTBOUND_ALLOW) to allow 127.0.0.0/8");
  auto mapped = OutboundPolicy().Check("::ffff:169.254.169.254");
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->Describe(), "::ffff:169.254.169.254 (IPv4 169.254.169.254, in 169.254.0.0/16, link-local)");
  auto junk = OutboundPolicy().Check("not-an-ip");
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->Describe(), "not-an-ip (not an IP address)");
}

TEST(OutboundPolicy, ChecksSocketAddresses) {
  const OutboundPolicy policy;
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_TRUE(policy.Check(reinterpret_cast<sockaddr*>(&v4), sizeof v4).has_value());
  inet_pton(AF_INET, "8.8.4.4", &v4.sin_addr);
  EXPECT_FALSE(policy.Check(reinterpret_cast<sockaddr*>(&v4), sizeof v4).has_value());
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:192.168.0.1", &v6.sin6_addr);
  EXPECT_TRUE(policy.Check(reinterpret_cast<sockaddr*>(&v6), sizeof v6).has_value());
  sockaddr other{};
  other.sa_family = AF_UNIX;
  EXPECT_TRUE(policy.Check(&other, sizeof other).has_value());
}

TEST(OutboundPolicy, AllowedRangesOpenOnlyThemselves) {
  const OutboundPolicy policy = Allowing({"127.0.0.0/8", " ::1/128 ", "192.168.1.20", "fd00::/8"});
  EXPECT_EQ(policy.allowed(), (std::vector<std::string>{"127.0.0.0/8", "::1/128", "192.168.1.20/32", "fd00::/8"}));
  for (const char* ip : {"127.0.0.1", "127.9.9.9", "::ffff:127.0.0.1", "::1", "192.168.1.20", "fd12::1"})
    EXPECT_FALSE(policy.Check(ip).has_value()) << ip;
  for (const char* ip : {"192.168.1.21", "10.0.0.1", "169.254.169.254", "fc00::1", "::"})
    EXPECT_TRUE(policy.Check(ip).has_value()) << ip;
}

TEST(OutboundPolicy, BadRangesNameTheEntry) {
  auto bits = OutboundPolicy::Allowing({"10.0.0.1/8"});
  ASSERT_FALSE(bits.ok());
  EXPECT_EQ(bits.status().message(), "'10.0.0.1/8' has host bits set; did you mean 10.0.0.0/8?");
  for (const char* bad : {"localhost", "10.0.0.0/33", "::1/129", "10/8", "", "1.2.3.4/x", "fe80::1/10"}) {
    auto r = OutboundPolicy::Allowing({bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(std::string("'") + bad + "'"));
  }
}

// Every spelling of a refused address in a URL is refused when it is saved.
TEST(OutboundPolicy, CheckUrlRefusesLiteralAddressesInEverySpelling) {
  const OutboundPolicy policy;
  for (const char* url : {"http://127.0.0.1/", "http://127.0.0.1:8080/hook?x=1", "https://127.0.0.1./x",
                          "http://[::1]:9000/", "http://[::]/", "http://[::ffff:127.0.0.1]/",
                          "http://[::ffff:7f00:1]/", "http://0x7f000001/", "http://2130706433/", "http://127.1/",
                          "http://0177.0.0.1/", "http://0x7f.0.0.1/", "http://169.254.169.254/latest/meta-data/",
                          "http://10.0.0.1/", "http://172.20.1.1/", "http://192.168.0.10/", "http://100.64.0.1/",
                          "http://0.0.0.0:80/", "http://224.0.0.1/", "http://[fe80::1%25eth0]/",
                          "http://[fd00::1]/", "http://[ff02::1]/", "http://[64:ff9b::a00:1]/"}) {
    Status s = policy.CheckUrl(url, "webhook_url");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(s.message(), HasSubstr("webhook_url points to ")) << url;
    EXPECT_THAT(s.message(), HasSubstr("set outbound_allow (BATCHCALL_OUTBOUND_ALLOW) to allow ")) << url;
  }
  EXPECT_EQ(policy.CheckUrl("http://0x7f000001:81/", "provider.url").message(),
            "provider.url points to 127.0.0.1 (in 127.0.0.0/8, loopback), which outbound requests may not reach; "
            "set outbound_allow (BATCHCALL_OUTBOUND_ALLOW) to allow 127.0.0.0/8 (for example for a voice agent on "
            "this host).");
}

TEST(OutboundPolicy, CheckUrlLeavesHostNamesAndPublicAddressesToTheConnection) {
  const OutboundPolicy policy;
  for (const char* url : {"https://hooks.example.com/x", "http://localhost:8080/", "http://8.8.8.8/",
                          "http://[2001:db8::1]/", "https://api.twilio.com", "http://1.2.3.4.example.com/",
                          "not a url"}) {
    EXPECT_TRUE(policy.CheckUrl(url, "webhook_url").ok()) << url;
  }
}

TEST(OutboundPolicy, CheckUrlAcceptsOpenedRanges) {
  const OutboundPolicy policy = Allowing({"127.0.0.0/8", "::1/128"});
  for (const char* url : {"http://127.0.0.1:9/", "http://0x7f000001/", "http://[::1]/", "http://[::ffff:127.0.0.1]/"})
    EXPECT_TRUE(policy.CheckUrl(url, "webhook_url").ok()) << url;
  EXPECT_FALSE(policy.CheckUrl("http://10.0.0.1/", "webhook_url").ok());
}

TEST(SplitList, TrimsAndDropsEmptyItems) {
  EXPECT_EQ(SplitList(" 127.0.0.0/8, ::1/128,,\t10.0.0.0/8 ,"),
            (std::vector<std::string>{"127.0.0.0/8", "::1/128", "10.0.0.0/8"}));
  EXPECT_TRUE(SplitList("").empty());
  EXPECT_TRUE(SplitList(" , ").empty());
}

}  // namespace
}  // namespace batchcall
