// CertStores and issuers as the informer caches hold them: parsed once, the
// parse error kept for the reconcile to report, the status read back.
#include "operator/controller/cached_kinds.h"

#include <gtest/gtest.h>

#include "operator/api/defaults.h"
#include "operator/api/hash.h"
#include "operator/engine/verified_stores.h"
#include "tests/bench/api_fixtures.h"

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
  // Readers share the decode the informer made; nothing is parsed again.
  EXPECT_EQ(CertStoreOf(o).get(), cs.get());
}

// What a change of the spec would be judged by (api/hash.h).
std::string Hashes(api::CertStore cs) {
  api::ApplyDefaults(&cs);
  return api::IdentityHash(cs) + api::RenderHash(cs);
}

TEST(CachedKindsTest, AFullCertStoreDecodesTheSameFromItsPackedForm) {
  kube::CachedObject o = Cached(api::CertStoreJson());
  auto full = CertStoreOf(o);
  ASSERT_TRUE(full->certstore.ok()) << full->certstore.status();
  o.typed = CertStoreInformerOptions().decode(o);
  const auto* packed = o.As<PackedCertStore>();
  ASSERT_NE(packed, nullptr);
  // Deflated against the dictionary: a fifth of the object as sent, less
  // than half of its compact JSON.
  EXPECT_LT(packed->deflated.size(), o.json.size() / 5);
  StatusOr<std::string> compact = packed->Json();
  ASSERT_TRUE(compact.ok()) << compact.status();
  EXPECT_LT(packed->deflated.size(), compact->size() / 2);
  EXPECT_EQ(packed->deflated.capacity(), packed->deflated.size());
  kube::CachedObject fresh;  // the packed bytes alone, decoded anew
  auto copy = std::make_shared<PackedCertStore>();
  copy->deflated = packed->deflated;
  fresh.typed = copy;
  auto decoded = CertStoreOf(fresh);
  ASSERT_TRUE(decoded->certstore.ok());
  EXPECT_EQ(Hashes(*decoded->certstore), Hashes(*full->certstore));
  EXPECT_EQ(decoded->certstore->metadata.name, full->certstore->metadata.name);
  EXPECT_EQ(decoded->certstore->metadata.uid, full->certstore->metadata.uid);
  const api::ObservedStatus &a = decoded->status, &b = full->status;
  EXPECT_EQ(a.fingerprint_sha256, b.fingerprint_sha256);
  EXPECT_FALSE(a.fingerprint_sha256.empty());
  EXPECT_EQ(a.renewal_time, b.renewal_time);
  EXPECT_EQ(a.revision, b.revision);
  EXPECT_EQ(a.issuer_ca_fingerprint, b.issuer_ca_fingerprint);
  EXPECT_EQ(a.truststore_issuer_cas, b.truststore_issuer_cas);
  ASSERT_EQ(a.ready.has_value(), b.ready.has_value());
  if (a.ready) {
    EXPECT_EQ(a.ready->message, b.ready->message);
  }
}

TEST(CachedKindsTest, ACertStoreIsKeptPackedWithoutWhatTheServerAdds) {
  std::string sent = kCertStore;
  sent.replace(sent.find("\"labels\""), 0,
               "\"managedFields\":[{\"manager\":\"kubectl\",\"fieldsV1\":"
               "{\"f:spec\":{}}}],\"annotations\":{\"kubectl.kubernetes.io/"
               "last-applied-configuration\":\"{}\"},\"uid\":\"u-1\","
               "\"resourceVersion\":\"77\",\"generation\":4,"
               "\"creationTimestamp\":\"2026-11-30T00:00:00Z\",");
  kube::CachedObject o = Cached(sent);
  auto full = CertStoreOf(o);  // from the JSON as sent
  o.typed = CertStoreInformerOptions().decode(o);
  o.json.clear();
  const auto* packed = o.As<PackedCertStore>();
  ASSERT_NE(packed, nullptr);
  EXPECT_EQ(o.As<CachedCertStore>(), nullptr);
  StatusOr<std::string> compact = packed->Json();
  ASSERT_TRUE(compact.ok()) << compact.status();
  for (const char* gone : {"managedFields", "last-applied", "labels",
                           "creationTimestamp", "\"team\""})
    EXPECT_EQ(compact->find(gone), std::string::npos) << gone;
  EXPECT_LT(compact->size(), sent.size() * 3 / 4);

  // Decoded again once the memo of recent decodes has moved on: the same
  // spec, status and identifying metadata as the object as sent.
  for (int i = 0; i < 200; ++i) {
    kube::CachedObject other = Cached(kCertStore);
    other.typed = CertStoreInformerOptions().decode(other);
    ASSERT_NE(CertStoreOf(other), nullptr);
  }
  auto again = CertStoreOf(o);
  ASSERT_TRUE(again->certstore.ok()) << again->certstore.status();
  EXPECT_NE(again.get(), full.get());
  EXPECT_EQ(Hashes(*again->certstore), Hashes(*full->certstore));
  EXPECT_EQ(again->certstore->metadata.uid, "u-1");
  EXPECT_EQ(again->certstore->metadata.resource_version, "77");
  EXPECT_EQ(again->certstore->metadata.generation, 4);
  EXPECT_EQ(again->certstore->metadata.namespace_, "demo");
  EXPECT_EQ(again->status.observed_generation, 3);
  EXPECT_EQ(again->status.failed_attempts, 2);
  EXPECT_EQ(again->status.not_after, "2027-01-01T00:00:00Z");
  ASSERT_TRUE(again->status.ready.has_value());
  EXPECT_EQ(again->status.ready->message, "no");
  // Readers share it while it is recent.
  EXPECT_EQ(CertStoreOf(o).get(), again.get());
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

TEST(CachedKindsTest, DamagedPackedBytesAreAnErrorTheReconcileReports) {
  kube::CachedObject o;
  auto damaged = std::make_shared<PackedCertStore>();
  damaged->deflated = std::string(40, '\xff');
  o.typed = damaged;
  auto cs = CertStoreOf(o);
  ASSERT_NE(cs, nullptr);
  ASSERT_FALSE(cs->certstore.ok());
  EXPECT_EQ(cs->certstore.status().code(), StatusCode::kInternal);
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
  ASSERT_NE(full->whole, nullptr);
  EXPECT_EQ(full->whole->data.at("tls.key"), "KEY");

  o.typed = DecodeManagedSecret(o, /*complete=*/false);
  auto cached = SecretOf(o);
  ASSERT_NE(cached, nullptr);
  EXPECT_FALSE(cached->complete);
  EXPECT_EQ(cached->whole, nullptr);  // no stores, keys or passwords
  ASSERT_NE(cached->ca_crt, nullptr);
  EXPECT_EQ(*cached->ca_crt, "PUBLIC");
  EXPECT_EQ(cached->Keys(), (std::vector<std::string>{"ca.crt", "keystore.p12",
                                                      "password", "tls.key"}));
  EXPECT_TRUE(cached->Has("keystore.p12"));
  EXPECT_FALSE(cached->Has("truststore.p12"));
  EXPECT_EQ(cached->type, "Opaque");
  // Its metadata is held once, in the cache's `meta`.
  EXPECT_EQ(o.meta.name, "app-stores");
  // The digest is of all of the data: "exactly what was written" is still
  // decidable without it.
  EXPECT_EQ(cached->data_digest, full->data_digest);
  EXPECT_EQ(cached->data_digest.Hex(), engine::DataDigest(full->whole->data));
}

TEST(CachedKindsTest, AnIssuersCaSecretIsCachedWhole) {
  kube::CachedObject o = SecretObject();
  o.typed = DecodeManagedSecret(o, /*complete=*/true);
  auto cached = SecretOf(o);
  ASSERT_NE(cached, nullptr);
  EXPECT_TRUE(cached->complete);
  ASSERT_NE(cached->whole, nullptr);
  EXPECT_EQ(cached->whole->data.size(), 4u);
  EXPECT_EQ(cached->whole->metadata.labels.at("a"), "b");
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
