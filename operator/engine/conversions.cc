#include "operator/engine/conversions.h"

#include <algorithm>

#include "operator/common/duration.h"

namespace certstore::engine {
namespace {
pki::DistinguishedName ToDn(const std::string& cn, const api::Subject& s) {
  pki::DistinguishedName dn;
  dn.common_name = cn;
  dn.organizations = s.organizations;
  dn.organizational_units = s.organizational_units;
  dn.countries = s.countries;
  dn.localities = s.localities;
  dn.provinces = s.provinces;
  return dn;
}
bool Contains(const std::vector<std::string>& v, const char* x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}
}  // namespace

StatusOr<pki::KeySpec> ToKeySpec(const api::PrivateKey& k) {
  pki::KeySpec spec;
  if (k.algorithm == "RSA")
    spec.algorithm = pki::KeyAlgorithm::kRsa;
  else if (k.algorithm == "ECDSA")
    spec.algorithm = pki::KeyAlgorithm::kEcdsa;
  else if (k.algorithm == "Ed25519")
    spec.algorithm = pki::KeyAlgorithm::kEd25519;
  else
    return InvalidArgumentError("privateKey.algorithm: unsupported \"" +
                                k.algorithm + "\"");
  spec.size = k.size.value_or(0);
  RETURN_IF_ERROR(pki::ValidateKeySpec(spec).WithContext("privateKey"));
  return spec;
}

StatusOr<pki::LeafSpec> ToLeafSpec(const api::KeystoreSpec& k) {
  pki::LeafSpec spec;
  spec.subject = ToDn(k.common_name, k.subject);
  spec.dns_names = k.dns_names;
  spec.ip_addresses = k.ip_addresses;
  spec.uris = k.uris;
  spec.email_addresses = k.email_addresses;
  spec.server_auth = Contains(k.usages, "serverAuth");
  spec.client_auth = Contains(k.usages, "clientAuth");
  auto d = ParseGoDuration(k.duration);
  if (!d.ok()) return d.status().WithContext("keystore.duration");
  spec.duration = *d;
  return spec;
}

StatusOr<pki::RootSpec> ToRootSpec(const api::CaCertificateSpec& s) {
  pki::RootSpec spec;
  spec.subject = ToDn(s.common_name, s.subject);
  auto d = ParseGoDuration(s.duration);
  if (!d.ok()) return d.status().WithContext("duration");
  spec.duration = *d;
  return spec;
}

pki::Pkcs12Profile ToPkcs12Profile(const std::string& profile) {
  return profile == "LegacyDES" ? pki::Pkcs12Profile::kLegacyDES
                                : pki::Pkcs12Profile::kModern2023;
}

}  // namespace certstore::engine
