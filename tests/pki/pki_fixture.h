// Shared helpers for PKI tests: a fixed clock and ready-made CAs and leaves.
#ifndef CERTSTORE_TESTS_PKI_PKI_FIXTURE_H_
#define CERTSTORE_TESTS_PKI_PKI_FIXTURE_H_

#include <gtest/gtest.h>
#include <openssl/pkcs12.h>

#include "operator/common/clock.h"
#include "operator/common/time_format.h"
#include "operator/pki/ca.h"
#include "operator/pki/cert_builder.h"
#include "operator/pki/issuer.h"
#include "operator/pki/key.h"

namespace certstore::pki::testing {

inline TimePoint TestNow() { return FromUtc(2026, 11, 23, 12, 0, 0); }

inline EvpPkeyPtr MustKey(KeySpec spec = {KeyAlgorithm::kEcdsa, 256}) {
  auto k = GenerateKey(spec);
  EXPECT_TRUE(k.ok()) << k.status();
  return std::move(k).value();
}

inline CaMaterial MustRoot(const Clock& clock,
                           const std::string& cn = "Test Root CA",
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

// An intermediate CA signed by `root` (chain: [root]), valid from an hour
// ago for 10,000 hours.
inline CaMaterial MustIntermediate(
    const CaMaterial& root, const Clock& clock,
    const std::string& cn = "Test Intermediate CA") {
  EvpPkeyPtr key = MustKey();
  DistinguishedName dn;
  dn.common_name = cn;
  auto name = internal::BuildName(dn);
  X509Ptr cert(X509_new());
  EXPECT_TRUE(internal::SetBasics(cert.get(), name->get(),
                                  X509_get_subject_name(root.cert.get()),
                                  key.get(),
                                  clock.Now() - std::chrono::hours(1),
                                  clock.Now() + std::chrono::hours(10000))
                  .ok());
  EXPECT_TRUE(internal::AddBasicConstraints(cert.get(), true).ok());
  EXPECT_TRUE(
      internal::AddKeyUsage(cert.get(), KU_KEY_CERT_SIGN | KU_CRL_SIGN).ok());
  EXPECT_TRUE(internal::AddKeyIdentifiers(cert.get(), root.cert.get()).ok());
  EXPECT_TRUE(internal::Sign(cert.get(), root.key.get()).ok());
  CaMaterial out;
  out.cert = std::move(cert);
  out.chain.push_back(ShareCert(root.cert.get()));
  out.key = std::move(key);
  return out;
}

// PKCS#12 `store` with its MAC iteration count replaced by `iterations`
// (the MAC is then wrong: only a parser that checks the count first says
// why). "" when `store` is not PKCS#12 with a MAC.
inline std::string WithMacIterations(const std::string& store,
                                     int64_t iterations) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(store.data());
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(store.size())));
  if (!p12) return "";
  const ASN1_INTEGER* iter = nullptr;
  PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, p12.get());
  if (iter == nullptr) return "";
  ASN1_INTEGER_set_int64(const_cast<ASN1_INTEGER*>(iter), iterations);
  unsigned char* der = nullptr;
  int len = i2d_PKCS12(p12.get(), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace certstore::pki::testing

#endif  // CERTSTORE_TESTS_PKI_PKI_FIXTURE_H_
