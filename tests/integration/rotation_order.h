// What a CA rotation must look like from the Secrets it rewrites, by root
// *certificate* (fingerprint and signature), not by name: a renewed root has
// the same subject as the one it replaces. For each recorded Secret version:
// which roots its ca.crt trusts and which root signed its certificate.
#ifndef CERTSTORE_TESTS_INTEGRATION_ROTATION_ORDER_H_
#define CERTSTORE_TESTS_INTEGRATION_ROTATION_ORDER_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "operator/pki/certificate.h"
#include "tests/integration/secret_pair_history.h"

namespace certstore {

// A server CertStore ("server", Secret server-stores, rot-server.local)
// and a client one ("client", client-stores) of CertIssuer `issuer`, each
// with a truststore that trusts the issuer, in PKCS12 and PEM.
inline std::string RotationPairYaml(const std::string& issuer) {
  auto store = [&](const std::string& name, const std::string& keystore) {
    return "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\n"
           "metadata: {name: " +
           name + "}\nspec:\n  issuerRef: {name: " + issuer +
           "}\n  secretName: " + name + "-stores\n  keystore:\n" + keystore +
           "  truststore: {}\n  formats: [PKCS12, PEM]\n";
  };
  return store("server",
               "    commonName: rot-server.local\n    dnsNames: "
               "[rot-server.local]\n    usages: [serverAuth]\n") +
         store("client",
               "    commonName: rot-client\n    usages: [clientAuth]\n");
}

// The first certificate of `pem` (null, and a test failure, when none).
inline pki::X509Ptr FirstCert(const std::string& pem) {
  auto certs = pki::ParseCertificatesPem(pem);
  EXPECT_TRUE(certs.ok() && !certs->empty()) << pem;
  if (!certs.ok() || certs->empty()) return nullptr;
  return std::move(certs->front());
}

// Does the Secret version's ca.crt hold `root` (same certificate)?
inline bool Trusts(const api::SecretObject& s, X509* root) {
  auto it = s.data.find("ca.crt");
  if (it == s.data.end()) return false;
  auto certs = pki::ParseCertificatesPem(it->second);
  if (!certs.ok()) return false;
  for (const auto& c : *certs)
    if (pki::SameCertificate(c.get(), root)) return true;
  return false;
}

// Was the Secret version's certificate (tls.crt's first) signed by `root`?
inline bool LeafFrom(const api::SecretObject& s, X509* root) {
  auto it = s.data.find("tls.crt");
  if (it == s.data.end()) return false;
  auto certs = pki::ParseCertificatesPem(it->second);
  return certs.ok() && !certs->empty() &&
         pki::IssuerText(certs->front().get()) == pki::SubjectText(root) &&
         pki::SignedBy(certs->front().get(), root);
}

// The safe order of a rotation from `old_root` to `new_root`, over every
// version `history` saw of its two Secrets: each Secret trusted the new root
// before any certificate from it appeared (by the propagation delay), and
// the old root left a truststore only after the last certificate it signed
// was gone (by the delay again). `slack` is the delay less polling lag.
inline void ExpectSafeRotationOrder(const SecretPairHistory& history,
                                    X509* old_root, X509* new_root,
                                    std::chrono::seconds slack) {
  using Clock = SecretPairHistory::Clock;
  Clock::time_point trust_new_all{}, first_new_leaf = Clock::time_point::max(),
                                     last_old_leaf{},
                                     old_trust_gone = Clock::time_point::max();
  for (bool server : {true, false}) {
    Clock::time_point trusts_new = Clock::time_point::max();
    for (const auto& [rv, v] : history.versions()) {
      if (history.IsServer(v) != server) continue;
      if (Trusts(v.secret, new_root))
        trusts_new = std::min(trusts_new, v.first_seen);
      bool new_leaf = LeafFrom(v.secret, new_root);
      if (new_leaf) first_new_leaf = std::min(first_new_leaf, v.first_seen);
      if (LeafFrom(v.secret, old_root))
        last_old_leaf = std::max(last_old_leaf, v.last_seen);
      if (new_leaf && !Trusts(v.secret, old_root))
        old_trust_gone = std::min(old_trust_gone, v.first_seen);
    }
    ASSERT_NE(trusts_new, Clock::time_point::max())
        << (server ? "server" : "client") << " never trusted the new root";
    trust_new_all = std::max(trust_new_all, trusts_new);
  }
  ASSERT_NE(first_new_leaf, Clock::time_point::max())
      << "no certificate from the new root";
  ASSERT_NE(old_trust_gone, Clock::time_point::max())
      << "the old root never left";
  EXPECT_GE(first_new_leaf - trust_new_all, slack)
      << "a certificate from the new root appeared before every truststore "
         "had trusted it for the propagation delay";
  EXPECT_GE(old_trust_gone - last_old_leaf, slack)
      << "the old root left a truststore too soon after the last "
         "certificate it signed";
  EXPECT_GE(history.versions().size(), 6u)
      << "expected: old, both roots, new leaf, new root only";
}

}  // namespace certstore

#endif  // CERTSTORE_TESTS_INTEGRATION_ROTATION_ORDER_H_
