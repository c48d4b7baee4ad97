// Shared helpers for controller tests: CertStores from YAML, a CA, rendering
// into an in-memory object source (as the operator's cache would see the
// written Secrets), and readers for what the Secrets hold.
#ifndef CERTSTORE_TESTS_ENGINE_ENGINE_FIXTURE_H_
#define CERTSTORE_TESTS_ENGINE_ENGINE_FIXTURE_H_

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "operator/api/defaults.h"
#include "operator/api/parse.h"
#include "operator/api/validate.h"
#include "operator/engine/object_source.h"
#include "operator/engine/render.h"
#include "operator/pki/cert_builder.h"
#include "operator/pki/certificate.h"
#include "operator/pki/jks.h"
#include "operator/pki/key.h"
#include "operator/pki/pkcs12.h"
#include "tests/pki/pki_fixture.h"

namespace certstore::engine::testing {

using pki::testing::MustKey;
using pki::testing::MustRoot;
using pki::testing::TestNow;
using Keys = std::set<std::string>;

constexpr char kNs[] = "demo";

// A defaulted and validated CertStore "app" in namespace demo. `spec` is the
// body of `spec:`, indented by two spaces.
inline api::CertStore MakeCertStore(const std::string& spec) {
  auto cs = api::ParseCertStore(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\n"
      "metadata: {name: app, namespace: demo}\nspec:\n" +
      spec);
  EXPECT_TRUE(cs.ok()) << cs.status();
  if (!cs.ok()) return {};
  api::ApplyDefaults(&*cs);
  api::FieldErrors errs = api::Validate(*cs);
  EXPECT_TRUE(errs.empty()) << errs.ToStatus();
  return std::move(cs).value();
}

// The common spec head: issuer team-ca, Secret app-stores.
inline std::string Spec(const std::string& rest) {
  return "  issuerRef: {name: team-ca}\n  secretName: app-stores\n" + rest;
}
// A server keystore spec.
inline std::string KeystoreYaml() {
  return "  keystore: {commonName: app, dnsNames: [app.demo.svc], usages: "
         "[serverAuth]}\n";
}

// The validation errors of a CertStore with `spec`, as one text.
inline std::string ValidationErrors(const std::string& spec) {
  auto cs = api::ParseCertStore(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\n"
      "metadata: {name: app, namespace: demo}\nspec:\n" +
      spec);
  EXPECT_TRUE(cs.ok()) << cs.status();
  if (!cs.ok()) return "";
  api::ApplyDefaults(&*cs);
  return api::Validate(*cs).ToStatus().message();
}

inline RenderResult MustRender(const api::CertStore& cs,
                               const pki::CaMaterial& ca,
                               const ObjectSource& objects, const Clock& clock,
                               const RenderOptions& options = {}) {
  auto r = RenderCertStore(cs, ca, objects, clock, options);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return {};
  return std::move(r).value();
}

// Stores the rendered Secrets, as the operator's write would.
inline void Store(const RenderResult& r, MapObjectSource* objects) {
  for (const auto& s : r.secrets) objects->PutSecret(s);
}

inline Keys KeysOf(const api::SecretObject& s) {
  Keys out;
  for (const auto& [k, v] : s.data) out.insert(k);
  return out;
}

inline api::SecretObject MakeSecret(const std::string& name,
                                    std::map<std::string, std::string> data,
                                    const std::string& ns = kNs) {
  api::SecretObject s;
  s.metadata.name = name;
  s.metadata.namespace_ = ns;
  s.data = std::move(data);
  return s;
}

inline std::string KeyPem(EVP_PKEY* key) {
  auto pem = pki::EncodePrivateKeyPem(key);
  EXPECT_TRUE(pem.ok()) << pem.status();
  return pem.ok() ? pem->reveal() : "";
}

inline std::string CertPem(X509* cert) {
  return pki::EncodeCertificatePem(cert);
}

// The CA Secret of a `ca:` issuer.
inline api::SecretObject CaSecret(const std::string& name,
                                  const pki::CaMaterial& ca,
                                  const std::string& ns = kNs) {
  std::vector<X509*> certs{ca.cert.get()};
  for (const auto& c : ca.chain) certs.push_back(c.get());
  return MakeSecret(name,
                    {{"tls.crt", pki::EncodeCertificatesPem(certs)},
                     {"tls.key", KeyPem(ca.key.get())}},
                    ns);
}

// Opens a keystore or truststore file of either format.
inline pki::StoreContents MustOpen(const std::string& file,
                                   const std::string& bytes,
                                   const std::string& password) {
  bool jks = file.size() > 4 && file.substr(file.size() - 4) == ".jks";
  auto c = jks ? pki::ParseJks(bytes, SecretBytes(password))
               : pki::ParsePkcs12(bytes, SecretBytes(password));
  EXPECT_TRUE(c.ok()) << file << ": " << c.status();
  if (!c.ok()) return {};
  return std::move(c).value();
}

// The leaf certificate of the stores in `s`: tls.crt, else keystore.p12 /
// keystore.jks opened with `password`.
inline pki::X509Ptr LeafOf(const api::SecretObject& s,
                           const std::string& password) {
  if (s.data.count("tls.crt")) {
    auto certs = pki::ParseCertificatesPem(s.data.at("tls.crt"));
    EXPECT_TRUE(certs.ok()) << certs.status();
    if (certs.ok()) return std::move(certs->front());
  }
  for (const char* f : {"keystore.p12", "keystore.jks"}) {
    if (!s.data.count(f)) continue;
    pki::StoreContents c = MustOpen(f, s.data.at(f), password);
    if (!c.entries.empty() && !c.entries[0].chain.empty())
      return std::move(c.entries[0].chain[0]);
  }
  ADD_FAILURE() << "no certificate in Secret " << s.metadata.name;
  return nullptr;
}

// The password of a generated-password Secret.
inline std::string PasswordOf(const api::SecretObject& s) {
  auto it = s.data.find("password");
  return it == s.data.end() ? "" : it->second;
}

inline std::string SerialOf(const api::SecretObject& s) {
  pki::X509Ptr leaf = LeafOf(s, PasswordOf(s));
  return leaf ? pki::SerialHex(leaf.get()) : "";
}

// An intermediate CA signed by `root` (the public pki API makes only roots).
inline pki::CaMaterial MustIntermediate(const pki::CaMaterial& root,
                                        const Clock& clock) {
  pki::EvpPkeyPtr key = MustKey();
  pki::DistinguishedName dn;
  dn.common_name = "Test Intermediate CA";
  auto name = pki::internal::BuildName(dn);
  EXPECT_TRUE(name.ok());
  pki::X509Ptr cert(X509_new());
  EXPECT_TRUE(pki::internal::SetBasics(cert.get(), name->get(),
                                       X509_get_subject_name(root.cert.get()),
                                       key.get(),
                                       clock.Now() - std::chrono::hours(1),
                                       clock.Now() + std::chrono::hours(20000))
                  .ok());
  EXPECT_TRUE(pki::internal::AddBasicConstraints(cert.get(), true).ok());
  EXPECT_TRUE(pki::internal::AddKeyUsage(cert.get(), KU_KEY_CERT_SIGN).ok());
  EXPECT_TRUE(
      pki::internal::AddKeyIdentifiers(cert.get(), root.cert.get()).ok());
  EXPECT_TRUE(pki::internal::Sign(cert.get(), root.key.get()).ok());
  pki::CaMaterial out;
  out.cert = std::move(cert);
  out.chain.push_back(pki::ShareCert(root.cert.get()));
  out.key = std::move(key);
  return out;
}

}  // namespace certstore::engine::testing

#endif  // CERTSTORE_TESTS_ENGINE_ENGINE_FIXTURE_H_
