// CA rotation: the issuer's state machine (AdvanceRotation), what a
// CertStore takes from it (PreviousRootsFor), and the renderer keeping a
// certificate from the previous root, with its chain, while truststores
// hold both roots.
#include "operator/engine/ca_rotation.h"

#include <gtest/gtest.h>

#include "operator/common/time_format.h"
#include "operator/engine/render.h"
#include "operator/pki/certificate.h"
#include "operator/pki/pkcs12.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT
using std::chrono::seconds;

constexpr seconds kDelay{60};

class CaRotationTest : public ::testing::Test {
 protected:
  CaRotationTest()
      : clock_(TestNow()),
        old_(MustRoot(clock_, "Old Root")),
        new_(MustRoot(clock_, "New Root")),
        old_fp_(pki::FingerprintSha256(old_.cert.get())),
        new_fp_(pki::FingerprintSha256(new_.cert.get())) {}

  // The issuer status as written for the old root.
  api::ObservedStatus Recorded(const pki::CaMaterial& ca) {
    api::ObservedStatus s;
    s.ca_certificate = pki::EncodeCertificatePem(ca.cert.get());
    return s;
  }
  RotationMember Member(bool trusts_new, const std::string& signer_fp,
                        bool ready = true) {
    RotationMember m;
    m.name = "demo/app";
    m.ready = ready;
    m.trusts_issuer = true;
    m.has_keystore = true;
    m.truststore_issuer_cas = {trusts_new ? new_fp_ : old_fp_};
    if (trusts_new) m.truststore_issuer_cas.push_back(old_fp_);
    m.issuer_ca_fingerprint = signer_fp;
    return m;
  }
  // Feeds a step's rotation back as the next status (what the patch does).
  api::ObservedStatus After(const RotationStep& step) {
    api::ObservedStatus s = Recorded(new_);
    s.rotation = step.rotation;
    return s;
  }

  FakeClock clock_;
  pki::CaMaterial old_, new_;
  std::string old_fp_, new_fp_;
};

TEST_F(CaRotationTest, NoRotationWhileTheRootStaysTheSame) {
  RotationStep s =
      AdvanceRotation(Recorded(new_), new_.cert.get(), {}, TestNow(), kDelay);
  EXPECT_FALSE(s.rotation);
  EXPECT_EQ(s.event_reason, "");
  EXPECT_FALSE(s.recheck);
  // A first status (nothing recorded yet) starts nothing either.
  s = AdvanceRotation({}, new_.cert.get(), {}, TestNow(), kDelay);
  EXPECT_FALSE(s.rotation);
}

TEST_F(CaRotationTest, WalksTrustThenReissueThenRemoval) {
  TimePoint t0 = TestNow();
  std::vector<RotationMember> members = {Member(false, old_fp_)};
  // 1. The root changed: a rotation starts, keeping the old root.
  RotationStep s =
      AdvanceRotation(Recorded(old_), new_.cert.get(), members, t0, kDelay);
  ASSERT_TRUE(s.rotation);
  EXPECT_EQ(s.event_reason, "CARotationStarted");
  ASSERT_EQ(s.rotation->previous_cas.size(), 1u);
  EXPECT_EQ(s.rotation->previous_cas[0].fingerprint_sha256, old_fp_);
  EXPECT_EQ(s.rotation->trust_distributed_at, "");
  EXPECT_NE(s.progress.find("waiting for 1 truststore"), std::string::npos)
      << s.progress;
  EXPECT_EQ(*s.recheck, seconds(2));

  // 2. A not-Ready CertStore does not hold the rotation up; a Ready one
  //    whose truststore lacks the new root does.
  members.push_back(Member(false, old_fp_, /*ready=*/false));
  s = AdvanceRotation(After(s), new_.cert.get(), members, t0 + seconds(1),
                      kDelay);
  EXPECT_EQ(s.rotation->trust_distributed_at, "");
  members[0] = Member(true, old_fp_);
  s = AdvanceRotation(After(s), new_.cert.get(), members, t0 + seconds(2),
                      kDelay);
  EXPECT_EQ(s.rotation->trust_distributed_at, FormatRfc3339(t0 + seconds(2)));
  EXPECT_EQ(s.event_reason, "TrustDistributed");
  EXPECT_EQ(*s.recheck, kDelay + seconds(1));

  // 3. Re-issuance waits for the propagation delay, then for every
  //    certificate to come from the new CA.
  s = AdvanceRotation(After(s), new_.cert.get(), members, t0 + seconds(30),
                      kDelay);
  EXPECT_EQ(s.rotation->reissued_at, "");
  EXPECT_NE(s.progress.find("re-issuing at"), std::string::npos) << s.progress;
  s = AdvanceRotation(After(s), new_.cert.get(), members, t0 + seconds(63),
                      kDelay);
  EXPECT_EQ(s.rotation->reissued_at, "");
  EXPECT_NE(s.progress.find("1 certificate to be re-issued"), std::string::npos)
      << s.progress;
  members[0] = Member(true, new_fp_);
  s = AdvanceRotation(After(s), new_.cert.get(), members, t0 + seconds(64),
                      kDelay);
  EXPECT_EQ(s.rotation->reissued_at, FormatRfc3339(t0 + seconds(64)));
  EXPECT_EQ(s.event_reason, "CertificatesReissued");

  // 4. The previous root stays for the delay again, then goes.
  s = AdvanceRotation(After(s), new_.cert.get(), members, t0 + seconds(100),
                      kDelay);
  ASSERT_TRUE(s.rotation);
  EXPECT_EQ(s.rotation->previous_cas.size(), 1u);
  s = AdvanceRotation(After(s), new_.cert.get(), members, t0 + seconds(124),
                      kDelay);
  EXPECT_FALSE(s.rotation);
  EXPECT_EQ(s.event_reason, "CARotationComplete");
  EXPECT_EQ(RotationJson(s.rotation), "{\"rotation\":null}");
}

TEST_F(CaRotationTest, ALaggingMemberIsNamedThenLeftBehindAfterTheDeadline) {
  TimePoint t0 = TestNow();
  RotationLimits limits;
  limits.propagation_delay = kDelay;
  limits.member_deadline = seconds(600);
  std::vector<RotationMember> members = {
      Member(true, old_fp_), Member(false, old_fp_),
      Member(false, old_fp_, /*ready=*/false)};
  // Its Secret was made immutable: Ready=False, SecretWriteFailed. Still
  // waited for (its workload would lose trust), up to the deadline.
  members[1].name = "tenant-x/stuck";
  members[1].ready = false;
  members[1].write_failing = true;
  // Not Ready for another reason (e.g. PolicyDenied): never waited for.
  members[2].name = "tenant-y/denied";
  RotationStep s =
      AdvanceRotation(Recorded(old_), new_.cert.get(), members, t0, limits);
  ASSERT_TRUE(s.rotation);
  EXPECT_EQ(s.rotation->waiting_for,
            std::vector<std::string>{"tenant-x/stuck"});
  EXPECT_EQ(s.rotation->waiting_count, 1);
  EXPECT_NE(s.progress.find("tenant-x/stuck"), std::string::npos) << s.progress;
  EXPECT_EQ(s.warning_reason, "CARotationWaiting");
  EXPECT_NE(
      RotationJson(s.rotation).find("\"waitingFor\":[\"tenant-x/stuck\"]"),
      std::string::npos);
  // Still waiting, same member: no new Warning.
  s = AdvanceRotation(After(s), new_.cert.get(), members, t0 + seconds(300),
                      limits);
  EXPECT_EQ(s.rotation->trust_distributed_at, "");
  EXPECT_EQ(s.warning_reason, "");
  // Past the deadline the step goes on without it, and says so.
  s = AdvanceRotation(After(s), new_.cert.get(), members, t0 + seconds(600),
                      limits);
  EXPECT_EQ(s.rotation->trust_distributed_at, FormatRfc3339(t0 + seconds(600)));
  EXPECT_EQ(s.warning_reason, "CARotationProceeded");
  EXPECT_NE(s.warning_message.find("tenant-x/stuck"), std::string::npos);
  EXPECT_TRUE(s.rotation->waiting_for.empty());
}

// A root renewed close to its expiry (a short renewBefore) or a member that
// lags for long: trust distribution ends early enough for certificates to
// move to the new CA before the previous root expires.
TEST_F(CaRotationTest, TrustStepNeverWaitsUntilThePreviousRootExpires) {
  TimePoint old_end = pki::NotAfter(old_.cert.get());
  TimePoint t0 = old_end - std::chrono::minutes(30);
  RotationLimits limits;
  limits.propagation_delay = kDelay;
  limits.member_deadline = std::chrono::hours(1);
  std::vector<RotationMember> members = {Member(false, old_fp_)};
  members[0].name = "tenant-x/stuck";
  RotationStep s =
      AdvanceRotation(Recorded(old_), new_.cert.get(), members, t0, limits);
  ASSERT_TRUE(s.rotation);
  // The cut-off: notAfter - 2 delays - 10 minutes = t0 + 18 minutes.
  TimePoint cutoff = old_end - 2 * kDelay - std::chrono::minutes(10);
  EXPECT_NE(s.progress.find(FormatRfc3339(cutoff)), std::string::npos)
      << s.progress;
  s = AdvanceRotation(After(s), new_.cert.get(), members, cutoff - seconds(1),
                      limits);
  EXPECT_EQ(s.rotation->trust_distributed_at, "");
  s = AdvanceRotation(After(s), new_.cert.get(), members, cutoff, limits);
  EXPECT_EQ(s.rotation->trust_distributed_at, FormatRfc3339(cutoff));
  EXPECT_EQ(s.warning_reason, "CARotationProceeded");
  EXPECT_NE(s.warning_message.find("before the previous root expires"),
            std::string::npos)
      << s.warning_message;

  // A root far from its expiry waits the whole member deadline.
  s = AdvanceRotation(Recorded(old_), new_.cert.get(), members, TestNow(),
                      limits);
  s = AdvanceRotation(After(s), new_.cert.get(), members,
                      TestNow() + std::chrono::minutes(59), limits);
  EXPECT_EQ(s.rotation->trust_distributed_at, "");
}

TEST_F(CaRotationTest, AnAdministratorCanLetTheRotationGoOnAtOnce) {
  TimePoint t0 = TestNow();
  RotationLimits limits;
  limits.propagation_delay = kDelay;
  std::vector<RotationMember> members = {Member(false, old_fp_)};
  RotationStep s =
      AdvanceRotation(Recorded(old_), new_.cert.get(), members, t0, limits);
  EXPECT_EQ(s.rotation->trust_distributed_at, "");
  limits.proceed_now = true;
  s = AdvanceRotation(After(s), new_.cert.get(), members, t0 + seconds(1),
                      limits);
  EXPECT_EQ(s.rotation->trust_distributed_at, FormatRfc3339(t0 + seconds(1)));
  EXPECT_NE(s.warning_message.find("certstore.dev/rotation-proceed"),
            std::string::npos);
}

TEST_F(CaRotationTest, RollbackAndExpiredRootsEndTheRotation) {
  // Rolled back to the old root: nothing previous is left to trust.
  RotationStep s =
      AdvanceRotation(Recorded(old_), new_.cert.get(), {}, TestNow(), kDelay);
  api::ObservedStatus back = Recorded(new_);
  back.rotation = s.rotation;
  RotationStep r =
      AdvanceRotation(back, old_.cert.get(), {}, TestNow(), kDelay);
  ASSERT_TRUE(
      r.rotation);  // a new rotation: back to the old root, keeping the new one
  EXPECT_EQ(r.rotation->previous_cas.size(), 1u);
  EXPECT_EQ(r.rotation->previous_cas[0].fingerprint_sha256, new_fp_);
  // An expired previous root is not worth trusting.
  RotationStep e =
      AdvanceRotation(After(s), new_.cert.get(), {},
                      pki::NotAfter(old_.cert.get()) + seconds(1), kDelay);
  EXPECT_FALSE(e.rotation);
  EXPECT_EQ(e.event_reason, "CARotationComplete");
}

TEST_F(CaRotationTest, RotationJsonRoundTrips) {
  RotationStep s =
      AdvanceRotation(Recorded(old_), new_.cert.get(), {}, TestNow(), kDelay);
  std::string json = "{\"status\":" + RotationJson(s.rotation) + "}";
  api::ObservedStatus back = api::ParseObservedStatus(json);
  ASSERT_TRUE(back.rotation);
  EXPECT_EQ(back.rotation->started_at, s.rotation->started_at);
  ASSERT_EQ(back.rotation->previous_cas.size(), 1u);
  EXPECT_EQ(back.rotation->previous_cas[0].certificate,
            s.rotation->previous_cas[0].certificate);
  EXPECT_EQ(RotationJson(back.rotation), RotationJson(s.rotation));
}

TEST_F(CaRotationTest, CertStoresHoldUntilTrustIsDistributedAndTheDelayPassed) {
  TimePoint t0 = TestNow();
  // The issuer's reconciler has not seen the new root yet: hold already.
  PreviousRoots p =
      PreviousRootsFor(Recorded(old_), new_.cert.get(), t0, kDelay);
  ASSERT_EQ(p.roots.size(), 1u);
  EXPECT_TRUE(p.hold);
  RotationStep s =
      AdvanceRotation(Recorded(old_), new_.cert.get(), {}, t0, kDelay);
  // Trust distributed at once (no members), then the delay.
  p = PreviousRootsFor(After(s), new_.cert.get(), t0 + seconds(10), kDelay);
  EXPECT_TRUE(p.hold);
  ASSERT_TRUE(p.hold_until);
  EXPECT_EQ(*p.hold_until, t0 + kDelay);
  p = PreviousRootsFor(After(s), new_.cert.get(), t0 + kDelay, kDelay);
  EXPECT_FALSE(p.hold);
  EXPECT_EQ(p.roots.size(), 1u);  // still trusted
  // No rotation: nothing previous.
  p = PreviousRootsFor(Recorded(new_), new_.cert.get(), t0, kDelay);
  EXPECT_TRUE(p.roots.empty());
  EXPECT_FALSE(p.hold);
}

// The issuer's status as its reconciler writes it: when it records this
// very root (the same PEM) and no rotation runs, nothing is previous,
// decided without parsing the PEM (the reconcile of every CertStore used
// to); a fingerprint alone decides nothing (the status's is of the signing
// certificate, an intermediate for some CAs), and any other root recorded
// still holds.
TEST_F(CaRotationTest, APreviousRootIsFoundFromTheRecordedCertificate) {
  TimePoint t0 = TestNow();
  PreviousRoots p =
      PreviousRootsFor(Recorded(new_), new_.cert.get(), t0, kDelay);
  EXPECT_TRUE(p.roots.empty());
  EXPECT_FALSE(p.hold);
  // The old root recorded with the new root's fingerprint beside it (a
  // status whose fingerprint is not the root's): still held.
  api::ObservedStatus old_with_new_fp = Recorded(old_);
  old_with_new_fp.fingerprint_sha256 = pki::FingerprintSha256(new_.cert.get());
  p = PreviousRootsFor(old_with_new_fp, new_.cert.get(), t0, kDelay);
  ASSERT_EQ(p.roots.size(), 1u);
  EXPECT_EQ(pki::FingerprintSha256(p.roots[0].get()),
            pki::FingerprintSha256(old_.cert.get()));
  EXPECT_TRUE(p.hold);
}

// The renderer during a rotation: a held certificate keeps its old chain
// (keystore and ca.crt), the truststore holds both roots (new first), and
// once the hold ends the certificate is re-issued from the new CA.
TEST_F(CaRotationTest, RendererKeepsTheOldCertificateWhileHeld) {
  MapObjectSource objects;
  api::CertStore cs =
      MakeCertStore(Spec(KeystoreYaml() + "  truststore: {}\n"));
  RenderResult first = MustRender(cs, old_, objects, clock_);
  Store(first, &objects);

  RenderOptions held;
  held.previous_roots = {old_.cert.get()};
  held.hold_previous = true;
  RenderResult r = MustRender(cs, new_, objects, clock_, held);
  EXPECT_FALSE(r.decision.issue) << r.decision.reason;
  EXPECT_TRUE(r.summary.held_for_rotation);
  EXPECT_EQ(r.summary.serial_hex, first.summary.serial_hex);
  EXPECT_EQ(r.summary.issuer_ca_fingerprint, old_fp_);
  EXPECT_EQ(r.summary.truststore_issuer_cas,
            (std::vector<std::string>{new_fp_, old_fp_}));
  EXPECT_TRUE(r.reencoded);  // the truststore gained the new root
  const auto& data = r.secrets[0].data;
  std::string password = data.at("password");
  auto ts = pki::ParsePkcs12(data.at("truststore.p12"), SecretBytes(password));
  ASSERT_TRUE(ts.ok()) << ts.status();
  ASSERT_EQ(ts->entries.size(), 2u);
  auto ks = pki::ParsePkcs12(data.at("keystore.p12"), SecretBytes(password));
  ASSERT_TRUE(ks.ok()) << ks.status();
  ASSERT_EQ(ks->entries[0].chain.size(), 2u);  // leaf + the old root
  EXPECT_EQ(pki::FingerprintSha256(ks->entries[0].chain[1].get()), old_fp_);
  Store(r, &objects);

  // Again, still held: nothing changes (no write).
  RenderResult again = MustRender(cs, new_, objects, clock_, held);
  EXPECT_FALSE(again.reencoded) << again.reencode_reason;

  // The hold ends: re-issued from the new CA, both roots still trusted.
  held.hold_previous = false;
  RenderResult reissued = MustRender(cs, new_, objects, clock_, held);
  EXPECT_TRUE(reissued.decision.issue);
  EXPECT_EQ(reissued.decision.reason, kReasonIssuerChanged);
  EXPECT_EQ(reissued.summary.issuer_ca_fingerprint, new_fp_);
  EXPECT_EQ(reissued.summary.truststore_issuer_cas.size(), 2u);
  Store(reissued, &objects);

  // The rotation completes: only the new root.
  RenderResult done = MustRender(cs, new_, objects, clock_);
  EXPECT_FALSE(done.decision.issue);
  EXPECT_EQ(done.summary.truststore_issuer_cas,
            (std::vector<std::string>{new_fp_}));
  EXPECT_EQ(done.summary.truststore_certificates, 1);
}

// Held or not, other reasons still re-issue: an expired certificate from
// the old root is replaced from the new CA at once.
TEST_F(CaRotationTest, HoldDoesNotKeepAnExpiredCertificate) {
  MapObjectSource objects;
  api::CertStore cs = MakeCertStore(Spec(KeystoreYaml()));
  RenderResult first = MustRender(cs, old_, objects, clock_);
  Store(first, &objects);
  clock_.Set(*first.summary.not_after + seconds(1));
  RenderOptions held;
  held.previous_roots = {old_.cert.get()};
  held.hold_previous = true;
  RenderResult r = MustRender(cs, new_, objects, clock_, held);
  EXPECT_TRUE(r.decision.issue);
  EXPECT_EQ(r.decision.reason, kReasonExpired);
  EXPECT_EQ(r.summary.issuer_ca_fingerprint, new_fp_);
}

}  // namespace
}  // namespace certstore::engine
