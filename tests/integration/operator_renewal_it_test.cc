// Renewal against the real API server: a certificate is renewed at its
// renewalTime (scheduled with a delayed work-queue key, not by polling),
// with a new key under rotationPolicy Always and the same key under Never.
#include <openssl/pem.h>

#include <map>

#include "operator/common/time_format.h"
#include "operator/pki/certificate.h"
#include "operator/pki/key.h"
#include "operator/pki/pkcs12.h"
#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

std::string PublicKeyPem(const std::string& tls_crt) {
  auto chain = pki::ParseCertificatesPem(tls_crt);
  if (!chain.ok() || chain->empty()) return "";
  EVP_PKEY* key = X509_get0_pubkey(chain->front().get());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

TEST_F(OperatorIT, RenewsAtRenewalTimeRotatingTheKeyOnlyWhenAsked) {
  // 1h certificates renewed 59m50s before they expire: about 10 s after issue.
  auto store = [](const std::string& name, const std::string& policy) {
    return "---\napiVersion: certstore.dev/v1alpha1\nkind: "
           "CertStore\nmetadata: {name: " +
           name + "}\nspec:\n  issuerRef: {name: team}\n  secretName: " + name +
           "-stores\n  keystore:\n    commonName: " + name +
           "\n    duration: 1h\n    renewBefore: 59m50s\n    privateKey: "
           "{rotationPolicy: " +
           policy + "}\n  formats: [PEM]\n";
  };
  Apply(Issuer("team") + store("always", "Always") + store("never", "Never"));
  ASSERT_TRUE(WaitReady("always", "True")) << OperatorLog();
  ASSERT_TRUE(WaitReady("never", "True")) << OperatorLog();
  std::map<std::string, std::string> serial, key, renewal;
  for (const char* n : {"always", "never"}) {
    serial[n] = CertStoreField(n, "{.status.serialNumber}");
    renewal[n] = CertStoreField(n, "{.status.renewalTime}");
    auto s = Secret(std::string(n) + "-stores");
    ASSERT_TRUE(s.has_value());
    key[n] = PublicKeyPem(s->data["tls.crt"]);
    ASSERT_FALSE(key[n].empty());
  }
  // Watch both Secrets until each holds its first renewed certificate
  // (revision 2), then check when it was issued: notBefore is backdated by
  // the 5-minute clock-skew allowance.
  std::map<std::string, api::SecretObject> renewed;
  ASSERT_TRUE(Eventually(
      [&] {
        for (const char* n : {"always", "never"}) {
          if (renewed.count(n)) continue;
          auto s = Secret(std::string(n) + "-stores");
          if (s && s->metadata.annotations["certstore.dev/revision"] == "2")
            renewed[n] = *s;
        }
        return renewed.size() == 2;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(100)))
      << OperatorLog();
  for (const char* n : {"always", "never"}) {
    auto due = ParseRfc3339(renewal[n]);
    ASSERT_TRUE(due.ok()) << renewal[n];
    auto chain = pki::ParseCertificatesPem(renewed[n].data["tls.crt"]);
    ASSERT_TRUE(chain.ok());
    EXPECT_NE(pki::SerialHex(chain->front().get()), serial[n]);
    TimePoint issued =
        pki::NotBefore(chain->front().get()) + std::chrono::minutes(5);
    EXPECT_GE(issued, *due - std::chrono::seconds(1)) << n << " renewed early";
    EXPECT_LE(issued, *due + std::chrono::seconds(3)) << n << " renewed late";
    std::string new_key = PublicKeyPem(renewed[n].data["tls.crt"]);
    if (std::string(n) == "always")
      EXPECT_NE(new_key, key[n]) << "rotationPolicy Always makes a new key";
    else
      EXPECT_EQ(new_key, key[n]) << "rotationPolicy Never keeps the key";
  }
  std::string events = EventsMentioning({"(Renewal: "});
  EXPECT_NE(events.find("(Renewal: "), std::string::npos) << events;
  // Stop the 10-second renewal cycle.
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "delete", "certstore.certstore.dev",
                            "always", "never"})
                  .ok());
}

}  // namespace
}  // namespace certstore
