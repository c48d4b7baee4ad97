// DecideIssuance: the ordered chain of checks and the reason each gives.
#include "operator/engine/issuance_policy.h"

#include <gtest/gtest.h>

#include <functional>

#include "operator/api/hash.h"
#include "operator/engine/conversions.h"
#include "operator/engine/renewal.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT
using std::chrono::hours;

std::string SpecText() {
  return Spec(
      "  keystore: {commonName: app, dnsNames: [app.demo.svc], usages: "
      "[serverAuth],\n"
      "             duration: 720h}\n");
}

struct World {
  FakeClock clock{TestNow()};
  pki::CaMaterial ca = MustRoot(clock);
  pki::CaMaterial other_ca = MustRoot(clock, "Other CA");
  api::CertStore cs = MakeCertStore(SpecText());
  TimePoint now = TestNow();

  // A certificate as the renderer would have issued it for `cs`.
  CurrentCertificate Current(const pki::CaMaterial& signer,
                             pki::KeySpec key_spec = {}) {
    CurrentCertificate c;
    c.key = MustKey(key_spec);
    auto spec = ToLeafSpec(*cs.spec.keystore);
    EXPECT_TRUE(spec.ok());
    c.cert = pki::testing::MustLeaf(signer, *spec, c.key.get(), clock);
    c.identity_hash = api::IdentityHash(cs);
    return c;
  }
};

TEST(IssuancePolicyTest, NothingStoredYet) {
  World w;
  IssuanceDecision fresh = DecideIssuance(nullptr, false, w.cs, w.ca, w.now);
  EXPECT_TRUE(fresh.issue);
  EXPECT_EQ(fresh.reason, kReasonInitial);
  IssuanceDecision lost = DecideIssuance(nullptr, true, w.cs, w.ca, w.now);
  EXPECT_TRUE(lost.issue);
  EXPECT_EQ(lost.reason, kReasonMissing);
}

struct PolicyCase {
  const char* name;
  std::function<void(World&, CurrentCertificate&)> change;
  bool issue;
  const char* reason;
};

std::vector<PolicyCase> Cases() {
  return {
      {"UpToDate", [](World&, CurrentCertificate&) {}, false, kReasonUpToDate},
      {"KeyMismatch", [](World&, CurrentCertificate& c) { c.key = MustKey(); },
       true, kReasonKeyMismatch},
      {"IssuerChanged",
       [](World& w, CurrentCertificate& c) { c = w.Current(w.other_ca); }, true,
       kReasonIssuerChanged},
      {"SpecChanged",
       [](World& w, CurrentCertificate&) {
         w.cs.spec.keystore->dns_names.push_back("b");
       },
       true, kReasonSpecChanged},
      {"NoIdentityAnnotation",
       [](World&, CurrentCertificate& c) { c.identity_hash = ""; }, true,
       kReasonSpecChanged},
      {"KeyTypeDiffersFromSpec",
       [](World& w, CurrentCertificate& c) {
         c = w.Current(w.ca, {pki::KeyAlgorithm::kEcdsa, 384});
       },
       true, kReasonSpecChanged},
      // Renewal is due at 2/3 of the lifetime from the (backdated)
      // notBefore, moved up to an hour earlier by the jitter: 478h is
      // before it for every certificate.
      {"BeforeRenewal",
       [](World& w, CurrentCertificate&) { w.now += hours(478); }, false,
       kReasonUpToDate},
      {"RenewalReached",
       [](World& w, CurrentCertificate&) { w.now += hours(481); }, true,
       kReasonRenewal},
      {"Expired", [](World& w, CurrentCertificate&) { w.now += hours(721); },
       true, kReasonExpired},
      // Order: a broken key pair is reported before expiry.
      {"KeyMismatchBeatsExpiry",
       [](World& w, CurrentCertificate& c) {
         c.key = MustKey();
         w.now += hours(1000);
       },
       true, kReasonKeyMismatch},
      // A renewal request: once per new value of the annotation.
      {"RenewRequested",
       [](World& w, CurrentCertificate&) {
         w.cs.metadata.annotations[kRenewRequestAnnotation] = "t1";
       },
       true, kReasonRequested},
      {"MalformedRenewRequestIsNone",
       [](World& w, CurrentCertificate&) {
         w.cs.metadata.annotations[kRenewRequestAnnotation] = "not a token";
         w.now += std::chrono::hours(1);
       },
       false, kReasonUpToDate},
      {"RenewRequestAlreadyAnswered",
       [](World& w, CurrentCertificate& c) {
         w.cs.metadata.annotations[kRenewRequestAnnotation] = "t1";
         c.renew_request = "t1";
       },
       false, kReasonUpToDate},
      {"NewRenewRequestAfterAnAnsweredOne",
       [](World& w, CurrentCertificate& c) {
         w.cs.metadata.annotations[kRenewRequestAnnotation] = "t2";
         c.renew_request = "t1";
       },
       true, kReasonRequested},
      {"RemovedRenewRequestKeeps",
       [](World&, CurrentCertificate& c) { c.renew_request = "t1"; }, false,
       kReasonUpToDate},
      // Any other reason answers the request as well; it names itself.
      {"ExpiryBeatsRequest",
       [](World& w, CurrentCertificate&) {
         w.cs.metadata.annotations[kRenewRequestAnnotation] = "t1";
         w.now += hours(721);
       },
       true, kReasonExpired},
      {"IssuerChangeBeatsSpecChange",
       [](World& w, CurrentCertificate& c) {
         c = w.Current(w.other_ca);
         c.identity_hash = "stale";
       },
       true, kReasonIssuerChanged},
  };
}

class IssuancePolicyCaseTest : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(IssuancePolicyCaseTest, Decides) {
  const PolicyCase& c = GetParam();
  World w;
  CurrentCertificate cur = w.Current(w.ca);
  c.change(w, cur);
  IssuanceDecision d = DecideIssuance(&cur, true, w.cs, w.ca, w.now);
  EXPECT_EQ(d.issue, c.issue);
  EXPECT_EQ(d.reason, c.reason);
  EXPECT_FALSE(d.message.empty());
}

INSTANTIATE_TEST_SUITE_P(Checks, IssuancePolicyCaseTest,
                         ::testing::ValuesIn(Cases()), [](const auto& info) {
                           return std::string(info.param.name);
                         });

struct RequestCase {
  const char* value;
  bool ok;
};

TEST(RenewRequestTest, ValuesArePlainTokens) {
  const RequestCase cases[] = {
      {"", true},
      {"2026-12-01T05:30:00.123456789Z", true},
      {"ticket-4711", true},
      {"a+b_c.d:e", true},
      {"1234567890123456789012345678901234567890123456789012345678901234",
       true},
      {"12345678901234567890123456789012345678901234567890123456789012345",
       false},
      {"two words", false},
      {"quote\"", false},
      {"line\nbreak", false},
      {"\xc3\xa9t\xc3\xa9", false},
  };
  for (const RequestCase& c : cases) {
    Status st = CheckRenewRequest(c.value);
    EXPECT_EQ(st.ok(), c.ok) << c.value;
    if (!st.ok()) {
      EXPECT_NE(st.message().find(kRenewRequestAnnotation), std::string::npos);
      EXPECT_EQ(st.message().find(c.value), std::string::npos)
          << "a tenant's text is not quoted back";
    }
  }
}

}  // namespace
}  // namespace certstore::engine
