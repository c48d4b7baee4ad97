#include "operator/api/ip_range.h"

#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>

namespace certstore::api {
namespace {

struct Address {
  int family = 0;  // AF_INET or AF_INET6
  unsigned char bytes[16] = {};
  int bits() const { return family == AF_INET ? 32 : 128; }
};

bool ParseAddress(const std::string& s, Address* out) {
  if (inet_pton(AF_INET, s.c_str(), out->bytes) == 1) {
    out->family = AF_INET;
    return true;
  }
  if (s.find(':') != std::string::npos &&
      inet_pton(AF_INET6, s.c_str(), out->bytes) == 1) {
    out->family = AF_INET6;
    return true;
  }
  return false;
}

bool ParseCidr(const std::string& s, Address* net, int* prefix) {
  size_t slash = s.find('/');
  if (slash == std::string::npos || slash + 1 >= s.size()) return false;
  std::string len = s.substr(slash + 1);
  if (len.size() > 3 ||
      len.find_first_not_of("0123456789") != std::string::npos ||
      (len.size() > 1 && len[0] == '0'))
    return false;
  if (!ParseAddress(s.substr(0, slash), net)) return false;
  *prefix = std::atoi(len.c_str());
  return *prefix <= net->bits();
}

bool BitSet(const unsigned char* b, int i) {
  return (b[i / 8] >> (7 - i % 8)) & 1;
}

}  // namespace

std::string CheckCidr(const std::string& cidr) {
  Address net;
  int prefix = 0;
  if (!ParseCidr(cidr, &net, &prefix))
    return "must be a CIDR such as 10.0.0.0/24 or fd00::/64 (got \"" + cidr +
           "\")";
  if (prefix == 0)
    return "/0 would allow every address; list the ranges you mean";
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0,    0,
                                            0, 0, 0, 0, 0xff, 0xff};
  if (net.family == AF_INET6 &&
      std::memcmp(net.bytes, kMapped, sizeof(kMapped)) == 0)
    return "\"" + cidr +
           "\" is an IPv4-mapped IPv6 range, which never matches (such "
           "addresses "
           "are not issued); write the IPv4 range";
  for (int i = prefix; i < net.bits(); ++i)
    if (BitSet(net.bytes, i))
      return "\"" + cidr +
             "\" has host bits set; write the network address with its prefix";
  return "";
}

std::string CheckRequestIp(const std::string& ip) {
  Address a;
  if (!ParseAddress(ip, &a)) return "is not an IP address";
  static const unsigned char kZero[16] = {};
  if (std::memcmp(a.bytes, kZero, a.family == AF_INET ? 4 : 16) == 0)
    return "the unspecified address is never issued";
  return "";
}

bool CidrContains(const std::string& cidr, const std::string& ip) {
  if (!CheckCidr(cidr).empty() || !CheckRequestIp(ip).empty()) return false;
  Address net, a;
  int prefix = 0;
  ParseCidr(cidr, &net, &prefix);
  ParseAddress(ip, &a);
  if (net.family != a.family) return false;
  for (int i = 0; i < prefix; ++i)
    if (BitSet(net.bytes, i) != BitSet(a.bytes, i)) return false;
  return true;
}

}  // namespace certstore::api
