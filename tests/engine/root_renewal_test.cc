// A selfSigned issuer's root renews itself (ResolveIssuerCa with
// allow_renew): at its renewal time, with a new key and the same subject,
// only in the issuer's own Secret, and only once the status records it.
// Every time here comes from the injected clock.
#include <gtest/gtest.h>

#include "operator/engine/issuer_ca.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT
using std::chrono::hours;
using std::chrono::minutes;

constexpr char kUid[] = "0b5f6c9e-issuer-uid";

api::Issuer RenewingIssuer(const std::string& renew_before) {
  std::string spec =
      "  selfSigned: {secretName: team-ca, commonName: Team Root CA,\n"
      "               subject: {organizations: [Lab]}, duration: 3h" +
      (renew_before.empty() ? std::string()
                            : ", renewBefore: " + renew_before) +
      "}\n";
  auto is = api::ParseIssuer(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\n"
      "metadata: {name: team-ca, namespace: demo}\nspec:\n" +
      spec);
  EXPECT_TRUE(is.ok()) << is.status();
  if (!is.ok()) return {};
  api::ApplyDefaults(&*is);
  EXPECT_TRUE(api::Validate(*is).empty()) << api::Validate(*is).ToStatus();
  is->metadata.uid = kUid;
  return std::move(is).value();
}

// The issuer's root as its first reconcile made it and the API server
// stored it (with a resourceVersion and a label someone added), and the
// options of a later issuer reconcile whose status records that root.
struct Made {
  api::SecretObject secret;
  std::string fingerprint;
  pki::EvpPkeyPtr key;
  TimePoint not_after;
};

Made MakeRoot(const api::Issuer& issuer, const Clock& clock) {
  MapObjectSource none;
  CaResolveOptions o;
  o.allow_create = true;
  auto first = ResolveIssuerCa(issuer, "demo", none, clock, o);
  EXPECT_TRUE(first.ok() && first->created_secret) << first.status();
  Made m;
  m.secret = *first->created_secret;
  m.secret.metadata.resource_version = "7";
  m.secret.metadata.labels["team"] = "payments";
  m.fingerprint = pki::FingerprintSha256(first->ca.cert.get());
  m.key = pki::EvpPkeyPtr(first->ca.key.get());
  EVP_PKEY_up_ref(m.key.get());
  m.not_after = pki::NotAfter(first->ca.cert.get());
  return m;
}

CaResolveOptions Renewing(const std::string& recorded) {
  CaResolveOptions o;
  o.allow_create = true;
  o.allow_renew = true;
  o.recorded_fingerprint = recorded;
  return o;
}

TEST(RootRenewalTest, RenewsAtItsRenewalTimeWithANewKeyAndTheSameSubject) {
  FakeClock clock(TestNow());
  api::Issuer issuer = RenewingIssuer("1h");
  Made made = MakeRoot(issuer, clock);
  MapObjectSource objects;
  objects.PutSecret(made.secret);

  // A minute before notAfter - renewBefore: the same root, and when it renews.
  clock.Advance(hours(2) - minutes(1));
  auto before = ResolveIssuerCa(issuer, "demo", objects, clock,
                                Renewing(made.fingerprint));
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_FALSE(before->renewed);
  EXPECT_TRUE(before->renewal_blocked.empty());
  EXPECT_EQ(pki::FingerprintSha256(before->ca.cert.get()), made.fingerprint);
  ASSERT_TRUE(before->renewal_time);
  EXPECT_EQ(*before->renewal_time, made.not_after - hours(1));

  clock.Advance(minutes(1));
  auto at = ResolveIssuerCa(issuer, "demo", objects, clock,
                            Renewing(made.fingerprint));
  ASSERT_TRUE(at.ok()) << at.status();
  ASSERT_TRUE(at->renewed);
  EXPECT_FALSE(at->created_secret);
  X509* root = at->ca.cert.get();
  EXPECT_NE(pki::FingerprintSha256(root), made.fingerprint);
  EXPECT_EQ(pki::SubjectText(root), "CN=Team Root CA,O=Lab");
  EXPECT_TRUE(pki::IsCa(root));
  EXPECT_TRUE(pki::IsSelfSigned(root));
  EXPECT_NE(EVP_PKEY_eq(at->ca.key.get(), made.key.get()), 1)
      << "a renewed root needs a new key";
  EXPECT_EQ(pki::NotAfter(root), clock.Now() + hours(3));
  ASSERT_TRUE(at->renewal_time);
  EXPECT_EQ(*at->renewal_time, pki::NotAfter(root) - hours(1));

  // What to merge into the Secret: only what changes, at the version read
  // (what others added to it, like the label, stays on the server).
  const RenewedRoot& r = *at->renewed;
  EXPECT_EQ(r.old_fingerprint, made.fingerprint);
  EXPECT_EQ(r.old_not_after, made.not_after);
  EXPECT_EQ(r.secret.metadata.name, "team-ca");
  EXPECT_EQ(r.secret.metadata.namespace_, "demo");
  EXPECT_EQ(r.secret.metadata.resource_version, "7");
  EXPECT_EQ(r.secret.metadata.labels.count("team"), 0u);
  EXPECT_EQ(r.secret.metadata.annotations.at(kIssuerUidAnnotation), kUid);
  EXPECT_EQ(KeysOf(r.secret), (Keys{"ca.crt", "tls.crt", "tls.key"}));
  EXPECT_EQ(r.secret.data.at("tls.crt"), CertPem(root));
  EXPECT_NE(r.secret.data.at("tls.key"), made.secret.data.at("tls.key"));
  // ca.crt: the new root, then the old one, while the rotation runs.
  EXPECT_EQ(r.secret.data.at("ca.crt"),
            CertPem(root) + made.secret.data.at("tls.crt"));

  // Written (merged): the new root is read back and is not due.
  api::SecretObject merged = made.secret;
  for (const auto& [k, v] : r.secret.data) merged.data[k] = v;
  merged.metadata.resource_version = "8";
  objects.PutSecret(merged);
  auto after = ResolveIssuerCa(issuer, "demo", objects, clock,
                               Renewing(pki::FingerprintSha256(root)));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_FALSE(after->renewed);
  EXPECT_EQ(pki::FingerprintSha256(after->ca.cert.get()),
            pki::FingerprintSha256(root));
}

TEST(RootRenewalTest, WithoutRenewBeforeARootRenewsAtTwoThirdsOfItsLife) {
  FakeClock clock(TestNow());
  api::Issuer issuer = RenewingIssuer("");
  Made made = MakeRoot(issuer, clock);
  MapObjectSource objects;
  objects.PutSecret(made.secret);
  auto now = ResolveIssuerCa(issuer, "demo", objects, clock,
                             Renewing(made.fingerprint));
  ASSERT_TRUE(now.ok() && now->renewal_time) << now.status();
  auto certs = pki::ParseCertificatesPem(made.secret.data.at("tls.crt"));
  ASSERT_TRUE(certs.ok());
  TimePoint not_before = pki::NotBefore(certs->front().get());
  EXPECT_EQ(*now->renewal_time,
            made.not_after - (made.not_after - not_before) / 3);
  clock.Advance(*now->renewal_time - clock.Now() - std::chrono::seconds(1));
  EXPECT_FALSE(ResolveIssuerCa(issuer, "demo", objects, clock,
                               Renewing(made.fingerprint))
                   ->renewed);
  clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(ResolveIssuerCa(issuer, "demo", objects, clock,
                              Renewing(made.fingerprint))
                  ->renewed);
}

// Due, and still not renewed: each row says why, and whether the status
// must say so (a renewal that waits for something else says nothing).
TEST(RootRenewalTest, ADueRootIsRenewedOnlyByItsIssuerInItsOwnSecret) {
  struct Case {
    const char* name;
    std::function<void(api::SecretObject*, CaResolveOptions*)> change;
    const char* blocked;  // in renewal_blocked; "" for none
  } cases[] = {
      {"a CertStore's reconcile (no allow_renew)",
       [](auto*, CaResolveOptions* o) { o->allow_renew = false; }, ""},
      {"status not caught up with this root",
       [](auto*, CaResolveOptions* o) { o->recorded_fingerprint = "AA:BB"; },
       ""},
      {"no recorded root at all",
       [](auto*, CaResolveOptions* o) { o->recorded_fingerprint.clear(); }, ""},
      {"Secret without the issuer UID annotation",
       [](api::SecretObject* s, auto*) {
         s->metadata.annotations.erase(kIssuerUidAnnotation);
       },
       "does not carry this issuer's UID in annotation "
       "certstore.dev/issuer-uid, so its root is not replaced: annotate it "
       "with certstore.dev/issuer-uid=0b5f6c9e-issuer-uid"},
      {"Secret of another issuer",
       [](api::SecretObject* s, auto*) {
         s->metadata.annotations[kIssuerUidAnnotation] = "someone-else";
       },
       "Secret demo/team-ca does not carry this issuer's UID"},
      {"immutable Secret",
       [](api::SecretObject* s, auto*) { s->immutable = true; },
       "Secret demo/team-ca is immutable, so its root cannot be replaced"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock(TestNow());
    api::Issuer issuer = RenewingIssuer("1h");
    Made made = MakeRoot(issuer, clock);
    CaResolveOptions options = Renewing(made.fingerprint);
    c.change(&made.secret, &options);
    MapObjectSource objects;
    objects.PutSecret(made.secret);
    clock.Advance(hours(2) + minutes(5));
    auto r = ResolveIssuerCa(issuer, "demo", objects, clock, options);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_FALSE(r->renewed);
    EXPECT_FALSE(r->created_secret);
    EXPECT_EQ(pki::FingerprintSha256(r->ca.cert.get()), made.fingerprint)
        << "the old root goes on signing until it is replaced";
    if (*c.blocked)
      EXPECT_NE(r->renewal_blocked.find(c.blocked), std::string::npos)
          << r->renewal_blocked;
    else
      EXPECT_EQ(r->renewal_blocked, "");
  }
}

TEST(RootRenewalTest, AnExpiredRootIsStillRenewedByItsIssuer) {
  FakeClock clock(TestNow());
  api::Issuer issuer = RenewingIssuer("1h");
  Made made = MakeRoot(issuer, clock);
  MapObjectSource objects;
  objects.PutSecret(made.secret);
  clock.Advance(hours(4));  // the operator was down past notAfter

  // A CertStore's reconcile cannot use it.
  CaResolveOptions read_only;
  read_only.recorded_fingerprint = made.fingerprint;
  auto expired = ResolveIssuerCa(issuer, "demo", objects, clock, read_only);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().code(), StatusCode::kFailedPrecondition);

  auto renewed = ResolveIssuerCa(issuer, "demo", objects, clock,
                                 Renewing(made.fingerprint));
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  ASSERT_TRUE(renewed->renewed);
  EXPECT_EQ(pki::NotAfter(renewed->ca.cert.get()), clock.Now() + hours(3));

  // Expired and not the issuer's Secret: the error says both.
  made.secret.metadata.annotations.erase(kIssuerUidAnnotation);
  objects.PutSecret(made.secret);
  auto blocked = ResolveIssuerCa(issuer, "demo", objects, clock,
                                 Renewing(made.fingerprint));
  ASSERT_FALSE(blocked.ok());
  EXPECT_NE(blocked.status().message().find("expired"), std::string::npos)
      << blocked.status();
  EXPECT_NE(blocked.status().message().find("does not carry this issuer's UID"),
            std::string::npos)
      << blocked.status();
}

}  // namespace
}  // namespace certstore::engine
