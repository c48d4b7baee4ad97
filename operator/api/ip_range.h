// CIDR ranges of an issuer's spec.policy.ipAddresses, and requested IP
// addresses matched against them in binary, within one address family: an
// IPv4 range never matches an IPv6 address (not even an IPv4-mapped,
// -compatible or NAT64 one).
#ifndef CERTSTORE_API_IP_RANGE_H_
#define CERTSTORE_API_IP_RANGE_H_

#include <string>

namespace certstore::api {

// Empty when `cidr` is "address/prefix" with prefix 1-32 (IPv4) or 1-128
// (IPv6) and no host bits set; otherwise what is wrong ("10.0.0.1/24 has host
// bits set; did you mean 10.0.0.0/24?", "/0 would allow every address").
std::string CheckCidr(const std::string& cidr);

// Empty when `ip` may be certified at all under a policy: a valid IPv4 or
// IPv6 address other than the unspecified 0.0.0.0 and ::.
std::string CheckRequestIp(const std::string& ip);

// True when `ip` (passing CheckRequestIp) lies in `cidr` (passing
// CheckCidr), in the same family. False for anything malformed.
bool CidrContains(const std::string& cidr, const std::string& ip);

}  // namespace certstore::api

#endif  // CERTSTORE_API_IP_RANGE_H_
