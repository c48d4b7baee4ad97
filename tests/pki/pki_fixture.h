// Shared helpers for PKI tests: a fixed clock and ready-made CAs and leaves.
#ifndef CERTSTORE_TESTS_PKI_PKI_FIXTURE_H_
#define CERTSTORE_TESTS_PKI_PKI_FIXTURE_H_

#include <gtest/gtest.h>

#include "operator/common/clock.h"
#include "operator/common/time_format.h"
#include "operator/pki/ca.h"
#include "operator/pki/issuer.h"
#include "operator/pki/key.h"

namespace certstore::pki::testing {

inline TimePoint TestNow() { return FromUtc(2026, 11, 23, 12, 0, 0); }

inline EvpPkeyPtr MustKey(KeySpec spec = {KeyAlgorithm::kEcdsa, 256}) {
  auto k = GenerateKey(spec);
  EXPECT_TRUE(k.ok()) << k.status();
  return std::move(k).value();
}

inline CaMaterial MustRoot(const Clock& clock, const std::string& cn = "Test Root CA",
                           KeySpec spec = {KeyAlgorithm::kEcdsa, 256}) {
  EvpPkeyPtr key = MustKey(spec);
  RootSpec rs;
  rs.subject.common_name = cn;
  rs.subject.organizations = {"Lab"};
  auto ca = CreateSelfSignedCa(rs, key.get(), clock);
  EXPECT_TRUE(ca.ok()) << ca.status();
  return std::move(ca).value();
}

inline LeafSpec ServerSpec() {
  LeafSpec s;
  s.subject.common_name = "mtls-server.lab.local";
  s.dns_names = {"mtls-server.lab.local", "localhost"};
  s.ip_addresses = {"127.0.0.1"};
  s.server_auth = true;
  s.client_auth = false;
  return s;
}

inline X509Ptr MustLeaf(const CaMaterial& ca, const LeafSpec& spec,
                        EVP_PKEY* key, const Clock& clock) {
  auto issued = IssueLeaf(ca, spec, key, clock);
  EXPECT_TRUE(issued.ok()) << issued.status();
  return std::move(issued->cert);
}

}  // namespace certstore::pki::testing

#endif  // CERTSTORE_TESTS_PKI_PKI_FIXTURE_H_
