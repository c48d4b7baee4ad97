// CertStores and issuers as the informer caches hold them: parsed once, the
// parse error kept for the reconcile to report, the status read back.
#include "operator/controller/cached_kinds.h"

#include <gtest/gtest.h>

#include "operator/engine/verified_stores.h"

namespace certstore::controller {
namespace {

const char kCertStore[] =
    "{\"apiVersion\":\"certstore.dev/v1alpha1\",\"kind\":\"CertStore\","
    "\"metadata\":{\"name\":\"app\",\"namespace\":\"demo\",\"labels\":{"
    "\"team\":\"a\"}},"
    "\"spec\":{\"issuerRef\":{\"name\":\"team-ca\"},\"secretName\":\"app-s\"},"
    "\"status\":{\"observedGeneration\":3,\"notAfter\":\"2027-01-01T00:00:"
    "00Z\","
    "\"failedIssuanceAttempts\":2,\"conditions\":[{\"type\":\"Ready\","
    "\"status\":\"False\",\"reason\":\"PolicyDenied\",\"message\":\"no\","
    "\"lastTransitionTime\":\"2026-11-30T00:00:00Z\"}]}}";

kube::CachedObject Cached(const std::string& json) {
  kube::CachedObject o;
  o.meta.ns = "demo";
  o.meta.name = "app";
  o.json = json;
  return o;
}

TEST(CachedKindsTest, ACertStoreIsParsedWithTheStatusTheOperatorReadsBack) {
  kube::CachedObject o = Cached(kCertStore);
  o.typed = CertStoreInformerOptions().decode(o);
  o.json.clear();  // as the informer drops it
  auto cs = CertStoreOf(o);
  ASSERT_TRUE(cs->certstore.ok()) << cs->certstore.status();
  EXPECT_EQ(cs->certstore->spec.secret_name, "app-s");
  EXPECT_EQ(cs->certstore->spec.issuer_ref.name, "team-ca");
  EXPECT_EQ(cs->status.observed_generation, 3);
  EXPECT_EQ(cs->status.failed_attempts, 2);
  EXPECT_EQ(cs->status.not_after, "2027-01-01T00:00:00Z");
  ASSERT_TRUE(cs->status.ready.has_value());
  EXPECT_EQ(cs->status.ready->reason, "PolicyDenied");
  EXPECT_EQ(cs->status.ready->last_transition_time, "2026-11-30T00:00:00Z");
  EXPECT_EQ(cs->certstore->metadata.name, "app");
  EXPECT_TRUE(cs->certstore->metadata.labels.empty());  // in o.meta once
  // Readers share the cache's object; nothing is parsed again.
  EXPECT_EQ(cs.get(), o.As<CachedCertStore>());
  EXPECT_EQ(CertStoreOf(o).get(), cs.get());
}

TEST(CachedKindsTest, ACacheWithoutTheDecoderIsReadFromItsJson) {
  auto cs = CertStoreOf(Cached(kCertStore));
  ASSERT_TRUE(cs->certstore.ok());
  EXPECT_EQ(cs->certstore->spec.secret_name, "app-s");
  EXPECT_EQ(cs->status.failed_attempts, 2);
}

TEST(CachedKindsTest, AnUnparseableSpecIsKeptAsTheErrorWithItsStatus) {
  std::string bad = kCertStore;
  bad.replace(bad.find("\"secretName\":\"app-s\""), 20,
              "\"secretName\":42");  // a number where a string belongs
  kube::CachedObject o = Cached(bad);
  o.typed = CertStoreInformerOptions().decode(o);
  auto cs = CertStoreOf(o);
  ASSERT_FALSE(cs->certstore.ok());
  EXPECT_NE(cs->certstore.status().message().find("spec.secretName"),
            std::string::npos)
      << cs->certstore.status();
  // The status written before is still known (its attempt count goes on).
  EXPECT_EQ(cs->status.failed_attempts, 2);
}

TEST(CachedKindsTest, AnIssuerKeepsItsCaRotationState) {
  kube::CachedObject o = Cached(
      "{\"apiVersion\":\"certstore.dev/v1alpha1\",\"kind\":\"CertIssuer\","
      "\"metadata\":{\"name\":\"team-ca\",\"namespace\":\"demo\"},"
      "\"spec\":{\"ca\":{\"secretName\":\"team-ca-key\"}},"
      "\"status\":{\"rotation\":{\"startedAt\":\"2026-11-30T00:00:00Z\","
      "\"waitingFor\":[\"demo/app\"],\"waitingCount\":1}}}");
  o.typed = IssuerInformerOptions().decode(o);
  auto issuer = IssuerOf(o);
  ASSERT_TRUE(issuer->issuer.ok()) << issuer->issuer.status();
  ASSERT_TRUE(issuer->issuer->spec.ca.has_value());
  EXPECT_EQ(issuer->issuer->spec.ca->secret_name, "team-ca-key");
  ASSERT_TRUE(issuer->status.rotation.has_value());
  EXPECT_EQ(issuer->status.rotation->waiting_count, 1);
  EXPECT_EQ(issuer->status.rotation->waiting_for,
            std::vector<std::string>{"demo/app"});
  // A CertStore decoder's result is not an issuer: read from JSON instead
  // (here: none left), never misread.
  EXPECT_EQ(o.As<CachedCertStore>(), nullptr);
}

kube::CachedObject SecretObject() {
  kube::CachedObject o;
  o.meta.ns = "demo";
  o.meta.name = "app-stores";
  // base64: "PUBLIC" "KEY" "STORE" "PW"
  o.json =
      "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
      "\"app-stores\",\"namespace\":\"demo\",\"labels\":{\"a\":\"b\"}},"
      "\"type\":\"Opaque\","
      "\"data\":{\"ca.crt\":\"UFVCTElD\",\"tls.key\":\"S0VZ\","
      "\"keystore.p12\":\"U1RPUkU=\",\"password\":\"UFc=\"}}";
  return o;
}

TEST(CachedKindsTest, AManagedSecretIsCachedAsADigestWithoutItsKeysOrStores) {
  kube::CachedObject o = SecretObject();
  auto full = SecretOf(o);  // no decoder: read whole from the JSON
  ASSERT_NE(full, nullptr);
  ASSERT_TRUE(full->complete);
  EXPECT_EQ(full->secret.data.at("tls.key"), "KEY");

  o.typed = DecodeManagedSecret(o, /*complete=*/false);
  auto cached = SecretOf(o);
  ASSERT_NE(cached, nullptr);
  EXPECT_FALSE(cached->complete);
  EXPECT_EQ(cached->secret.data,
            (std::map<std::string, std::string>{{"ca.crt", "PUBLIC"}}));
  EXPECT_EQ(cached->keys, (std::vector<std::string>{"ca.crt", "keystore.p12",
                                                    "password", "tls.key"}));
  EXPECT_TRUE(cached->Has("keystore.p12"));
  EXPECT_FALSE(cached->Has("truststore.p12"));
  EXPECT_EQ(cached->secret.type, "Opaque");
  // Its metadata is held once, in the cache's `meta`.
  EXPECT_EQ(o.meta.name, "app-stores");
  EXPECT_TRUE(cached->secret.metadata.name.empty());
  EXPECT_TRUE(cached->secret.metadata.uid.empty());
  EXPECT_TRUE(cached->secret.metadata.labels.empty());
  // The digest is of all of the data: "exactly what was written" is still
  // decidable without it.
  EXPECT_EQ(cached->data_digest, full->data_digest);
  EXPECT_EQ(cached->data_digest, engine::DataDigest(full->secret.data));
}

TEST(CachedKindsTest, AnIssuersCaSecretIsCachedWhole) {
  kube::CachedObject o = SecretObject();
  o.typed = DecodeManagedSecret(o, /*complete=*/true);
  auto cached = SecretOf(o);
  ASSERT_NE(cached, nullptr);
  EXPECT_TRUE(cached->complete);
  EXPECT_EQ(cached->secret.data.size(), 4u);
  EXPECT_EQ(cached->secret.metadata.labels.at("a"), "b");
}

TEST(CachedKindsTest, ASecretWithoutItsDataIsNotDecoded) {
  kube::CachedObject o = SecretObject();
  o.partial = true;  // a PayloadFilter refused it
  EXPECT_EQ(DecodeManagedSecret(o, false), nullptr);
  EXPECT_EQ(SecretOf(o), nullptr);
  o.partial = false;
  o.json = "{\"kind\":\"Secret\",\"data\":{\"a\":\"not base64!\"}}";
  EXPECT_EQ(DecodeManagedSecret(o, false), nullptr);  // the JSON stays
}

}  // namespace
}  // namespace certstore::controller
