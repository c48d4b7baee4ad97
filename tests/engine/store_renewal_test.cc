// Renewal through the renderer: time moves on a FakeClock, never by sleeping.
#include <gtest/gtest.h>

#include "operator/common/time_format.h"
#include "operator/engine/render.h"
#include "operator/engine/renewal.h"
#include "operator/engine/renewal_window.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT
using std::chrono::hours;
using std::chrono::seconds;

std::string KeystoreWith(const std::string& rotation) {
  return Spec(
      "  keystore:\n    commonName: app\n    dnsNames: [app.demo.svc]\n"
      "    usages: [serverAuth]\n    duration: 720h\n"
      "    privateKey: {rotationPolicy: " +
      rotation + "}\n");
}

pki::EvpPkeyPtr KeyOf(const api::SecretObject& s) {
  auto k = pki::ParsePrivateKeyPem(SecretBytes(s.data.at("tls.key")));
  EXPECT_TRUE(k.ok()) << k.status();
  return k.ok() ? std::move(k).value() : nullptr;
}

class StoreRenewalTest : public ::testing::Test {
 protected:
  StoreRenewalTest() : clock_(TestNow()), ca_(MustRoot(clock_)) {}

  RenderResult RenderAndStore(const api::CertStore& cs) {
    RenderResult r = MustRender(cs, ca_, objects_, clock_);
    Store(r, &objects_);
    return r;
  }

  FakeClock clock_;
  pki::CaMaterial ca_;
  MapObjectSource objects_;
};

TEST_F(StoreRenewalTest, RenewsAtTheRenewalTimeAndNotBefore) {
  api::CertStore cs = MakeCertStore(KeystoreWith("Always"));
  RenderResult first = RenderAndStore(cs);
  TimePoint renew = *first.summary.renewal_time;
  // Default: one third of the lifetime (720h plus the 5 minute backdating),
  // moved earlier by a jitter of less than 10% of the time until then.
  TimePoint plain = *first.summary.not_after -
                    (*first.summary.not_after - *first.summary.not_before) / 3;
  EXPECT_LE(renew, plain);
  EXPECT_GT(renew, plain - (plain - *first.summary.not_before) / 10);
  EXPECT_EQ(renew, JitteredRenewalTime(
                       *first.summary.not_before, *first.summary.not_after,
                       *cs.spec.keystore, first.summary.fingerprint_sha256));

  clock_.Set(renew - seconds(1));
  RenderResult early = RenderAndStore(cs);
  EXPECT_FALSE(early.decision.issue) << early.decision.reason;
  EXPECT_EQ(early.summary.serial_hex, first.summary.serial_hex);

  clock_.Set(renew);
  RenderResult renewed = RenderAndStore(cs);
  EXPECT_TRUE(renewed.decision.issue);
  EXPECT_EQ(renewed.decision.reason, kReasonRenewal);
  EXPECT_NE(renewed.summary.serial_hex, first.summary.serial_hex);
  EXPECT_EQ(renewed.summary.revision, 2);
  EXPECT_EQ(*renewed.summary.not_after, renew + hours(720));
  EXPECT_GT(*renewed.summary.renewal_time, renew);
  EXPECT_EQ(SerialOf(renewed.secrets[0]), renewed.summary.serial_hex);
}

TEST_F(StoreRenewalTest, ExpiredCertificateIsReissued) {
  api::CertStore cs = MakeCertStore(KeystoreWith("Always"));
  RenderResult first = RenderAndStore(cs);
  clock_.Set(*first.summary.not_after + seconds(1));
  RenderResult r = RenderAndStore(cs);
  EXPECT_TRUE(r.decision.issue);
  EXPECT_EQ(r.decision.reason, kReasonExpired);
  EXPECT_GT(*r.summary.not_after, clock_.Now());
}

TEST_F(StoreRenewalTest, RenewRequestIssuesOncePerValue) {
  api::CertStore cs = MakeCertStore(KeystoreWith("Always"));
  RenderResult first = RenderAndStore(cs);
  EXPECT_TRUE(first.summary.renew_request.empty());

  cs.metadata.annotations[kRenewRequestAnnotation] = "r1";
  // Within the minimum interval after an issue: not yet.
  RenderResult early = RenderAndStore(cs);
  EXPECT_FALSE(early.decision.issue);
  ASSERT_TRUE(early.decision.recheck_at.has_value());
  EXPECT_EQ(*early.decision.recheck_at,
            clock_.Now() + std::chrono::seconds(60));
  EXPECT_EQ(early.summary.serial_hex, first.summary.serial_hex);
  clock_.Advance(std::chrono::seconds(60));
  RenderResult requested = RenderAndStore(cs);
  EXPECT_TRUE(requested.decision.issue);
  EXPECT_EQ(requested.decision.reason, kReasonRequested);
  EXPECT_NE(requested.summary.serial_hex, first.summary.serial_hex);
  EXPECT_EQ(requested.summary.renew_request, "r1");
  EXPECT_EQ(
      requested.secrets[0].metadata.annotations.at(kRenewRequestAnnotation),
      "r1");

  // The same request again: answered, nothing issued, nothing re-encoded.
  RenderResult again = RenderAndStore(cs);
  EXPECT_FALSE(again.decision.issue) << again.decision.reason;
  EXPECT_FALSE(again.reencoded);
  EXPECT_EQ(again.summary.serial_hex, requested.summary.serial_hex);
  EXPECT_EQ(again.summary.renew_request, "r1");

  // The annotation removed: the Secret still says what it answered.
  cs.metadata.annotations.erase(kRenewRequestAnnotation);
  RenderResult removed = RenderAndStore(cs);
  EXPECT_FALSE(removed.decision.issue);
  EXPECT_EQ(removed.summary.renew_request, "r1");

  // A normal renewal in between still answers r1: re-applying r1 later
  // issues nothing.
  cs.metadata.annotations[kRenewRequestAnnotation] = "r2";
  clock_.Advance(std::chrono::seconds(60));
  RenderResult second = RenderAndStore(cs);
  EXPECT_EQ(second.decision.reason, kReasonRequested);
  EXPECT_NE(second.summary.serial_hex, requested.summary.serial_hex);
  EXPECT_EQ(second.summary.revision, 3);
}

TEST_F(StoreRenewalTest, MalformedRenewRequestIsIgnoredAndSaidSo) {
  api::CertStore cs = MakeCertStore(KeystoreWith("Always"));
  RenderResult first = RenderAndStore(cs);
  clock_.Advance(std::chrono::hours(1));
  cs.metadata.annotations[kRenewRequestAnnotation] = "not a token";
  RenderResult r = RenderAndStore(cs);  // renders: renewals go on
  EXPECT_FALSE(r.decision.issue);
  EXPECT_EQ(r.summary.serial_hex, first.summary.serial_hex);
  EXPECT_NE(r.summary.warning.find(kRenewRequestAnnotation), std::string::npos)
      << r.summary.warning;
  EXPECT_EQ(r.summary.warning.find("not a token"), std::string::npos);
  // A malformed value on the Secret (anyone who may edit it) is no answer.
  api::SecretObject stored = r.secrets[0];
  stored.metadata.annotations[kRenewRequestAnnotation] = "bad value\x1b[2J";
  objects_.PutSecret(stored);
  cs.metadata.annotations.clear();
  RenderResult again = RenderAndStore(cs);
  EXPECT_EQ(again.summary.renew_request, "");
}

TEST_F(StoreRenewalTest, RotationPolicyNeverKeepsTheKey) {
  api::CertStore cs = MakeCertStore(KeystoreWith("Never"));
  RenderResult first = RenderAndStore(cs);
  pki::EvpPkeyPtr key1 = KeyOf(first.secrets[0]);
  clock_.Set(*first.summary.renewal_time + hours(1));
  RenderResult renewed = RenderAndStore(cs);
  EXPECT_EQ(renewed.decision.reason, kReasonRenewal);
  EXPECT_NE(renewed.summary.serial_hex, first.summary.serial_hex);
  pki::EvpPkeyPtr key2 = KeyOf(renewed.secrets[0]);
  EXPECT_EQ(EVP_PKEY_eq(key1.get(), key2.get()), 1);
  EXPECT_EQ(renewed.secrets[0].data.at("tls.key"),
            first.secrets[0].data.at("tls.key"));
}

TEST_F(StoreRenewalTest, RotationPolicyAlwaysChangesTheKey) {
  api::CertStore cs = MakeCertStore(KeystoreWith("Always"));
  RenderResult first = RenderAndStore(cs);
  pki::EvpPkeyPtr key1 = KeyOf(first.secrets[0]);
  clock_.Set(*first.summary.renewal_time + hours(1));
  RenderResult renewed = RenderAndStore(cs);
  EXPECT_EQ(renewed.decision.reason, kReasonRenewal);
  pki::EvpPkeyPtr key2 = KeyOf(renewed.secrets[0]);
  EXPECT_NE(EVP_PKEY_eq(key1.get(), key2.get()), 1);
}

// Never keeps the key only while it still fits the spec.
TEST_F(StoreRenewalTest, RotationPolicyNeverStillChangesAKeyOfTheWrongType) {
  RenderResult first = RenderAndStore(MakeCertStore(KeystoreWith("Never")));
  pki::EvpPkeyPtr key1 = KeyOf(first.secrets[0]);
  api::CertStore p384 = MakeCertStore(
      Spec("  keystore:\n    commonName: app\n    dnsNames: [app.demo.svc]\n"
           "    usages: [serverAuth]\n    duration: 720h\n"
           "    privateKey: {size: 384, rotationPolicy: Never}\n"));
  RenderResult r = RenderAndStore(p384);
  EXPECT_EQ(r.decision.reason, kReasonSpecChanged);
  pki::EvpPkeyPtr key2 = KeyOf(r.secrets[0]);
  EXPECT_EQ(pki::KeyDescription(key2.get()), "ECDSA P-384");
  EXPECT_NE(EVP_PKEY_eq(key1.get(), key2.get()), 1);
}

TEST_F(StoreRenewalTest, RenewBeforeMovesTheRenewalTime) {
  api::CertStore cs = MakeCertStore(
      Spec("  keystore:\n    commonName: app\n    usages: [serverAuth]\n"
           "    duration: 720h\n    renewBefore: 24h\n"));
  RenderResult first = RenderAndStore(cs);
  // 24h before notAfter, minus a jitter of at most an hour.
  EXPECT_LE(*first.summary.renewal_time, *first.summary.not_after - hours(24));
  EXPECT_GT(*first.summary.renewal_time, *first.summary.not_after - hours(25));
  clock_.Set(*first.summary.not_after - hours(25));
  EXPECT_FALSE(RenderAndStore(cs).decision.issue);
  clock_.Set(*first.summary.not_after - hours(23));
  EXPECT_EQ(RenderAndStore(cs).decision.reason, kReasonRenewal);
}

// spec.renewal.windows: a due renewal outside every window keeps the
// certificate, says until when, and reports that time as the renewal time;
// it renews inside the next window, or once urgent.
TEST_F(StoreRenewalTest, ADueRenewalWaitsForTheMaintenanceWindow) {
  auto with_windows = [](const std::string& urgent) {
    return MakeCertStore(
        Spec("  keystore:\n    commonName: app\n    duration: 720h\n"
             "  renewal:\n    windows:\n    - {start: \"02:00\", duration: 1h, "
             "days: [Sat]}\n" +
             urgent));
  };
  // Urgent only a day before expiry: the next Saturday comes first.
  api::CertStore cs = with_windows("    urgentBefore: 24h\n");
  RenderResult first = RenderAndStore(cs);
  TimePoint renew = *first.summary.renewal_time;
  clock_.Set(renew);
  RenderResult waiting = RenderAndStore(cs);
  EXPECT_FALSE(waiting.decision.issue);
  EXPECT_EQ(waiting.decision.reason, kReasonWaitingForWindow);
  EXPECT_EQ(waiting.summary.serial_hex, first.summary.serial_hex);
  ASSERT_TRUE(waiting.decision.recheck_at);
  TimePoint window = *waiting.decision.recheck_at;
  EXPECT_GT(window, renew);
  EXPECT_LE(window, renew + hours(24 * 7));
  // Inside the window's first half (spread by fingerprint).
  std::string at = FormatRfc3339(window).substr(10);
  EXPECT_GE(at, "T02:00:00Z");
  EXPECT_LT(at, "T02:30:00Z");
  EXPECT_EQ(*waiting.summary.renewal_time, window)
      << "status reports when the renewal will happen";
  EXPECT_NE(waiting.decision.message.find(FormatRfc3339(window)),
            std::string::npos)
      << waiting.decision.message;

  // kubectl certstore renew does not wait for a window.
  api::CertStore requested = cs;
  requested.metadata.annotations[kRenewRequestAnnotation] = "r1";
  RenderResult asked = MustRender(requested, ca_, objects_, clock_);
  EXPECT_TRUE(asked.decision.issue) << asked.decision.message;

  clock_.Set(window);
  RenderResult inside = RenderAndStore(cs);
  EXPECT_TRUE(inside.decision.issue);
  EXPECT_EQ(inside.decision.reason, kReasonRenewal);
  EXPECT_NE(inside.decision.message.find("inside a maintenance window"),
            std::string::npos)
      << inside.decision.message;

  // Urgent from the start (urgentBefore longer than what is left): renews
  // outside the window and says so.
  api::CertStore urgent = with_windows("    urgentBefore: 700h\n");
  clock_.Set(*inside.summary.renewal_time);
  WindowState w = WindowAt(urgent.spec.renewal->windows, clock_.Now());
  if (w.open) clock_.Set(*w.next_open + hours(2));  // make sure: outside
  RenderResult forced = RenderAndStore(urgent);
  EXPECT_TRUE(forced.decision.issue);
  EXPECT_NE(forced.decision.message.find("urgent"), std::string::npos)
      << forced.decision.message;
}

}  // namespace
}  // namespace certstore::engine
