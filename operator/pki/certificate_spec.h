// What a certificate should say: the inputs to issuance.
#ifndef CERTSTORE_PKI_CERTIFICATE_SPEC_H_
#define CERTSTORE_PKI_CERTIFICATE_SPEC_H_

#include <chrono>
#include <string>
#include <vector>

namespace certstore::pki {

struct DistinguishedName {
  std::string common_name;
  std::vector<std::string> organizations;
  std::vector<std::string> organizational_units;
  std::vector<std::string> countries;  // two-letter codes
  std::vector<std::string> localities;
  std::vector<std::string> provinces;
};

// A leaf (end-entity) certificate.
struct LeafSpec {
  DistinguishedName subject;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // IPv4 or IPv6 text
  std::vector<std::string> uris;
  std::vector<std::string> email_addresses;
  bool server_auth = true;
  bool client_auth = false;
  std::chrono::seconds duration{std::chrono::hours(2160)};
};

// A self-signed root CA.
struct RootSpec {
  DistinguishedName subject;
  std::chrono::seconds duration{std::chrono::hours(87600)};
};

// How far notBefore is set in the past so that peers with a slow clock
// accept a certificate the moment it is issued.
constexpr std::chrono::seconds kClockSkewAllowance{300};

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_CERTIFICATE_SPEC_H_
