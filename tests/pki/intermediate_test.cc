// Intermediate CAs: pathLen, name constraints as OpenSSL's path validation
// enforces them, the parent's lifetime, and the chain a leaf is sent with.
#include "operator/pki/intermediate.h"

#include <gtest/gtest.h>

#include "operator/pki/certificate.h"
#include "operator/pki/verify.h"
#include "tests/pki/pki_fixture.h"

namespace certstore::pki {
namespace {

using testing::MustKey;
using testing::MustRoot;
using testing::TestNow;

NameConstraints TeamA() {
  NameConstraints nc;
  nc.dns = {"team-a.svc.cluster.local"};
  nc.ip_ranges = {"10.1.0.0/16"};
  nc.uri_hosts = {"team-a.example.com"};
  nc.email_hosts = {"team-a.example.com"};
  return nc;
}

CaMaterial MustIntermediateCa(const CaMaterial& parent, const Clock& clock,
                              std::optional<NameConstraints> nc,
                              std::optional<int> path_len = 0,
                              const std::string& cn = "team-a intermediate") {
  EvpPkeyPtr key = MustKey();
  IntermediateSpec spec;
  spec.subject.common_name = cn;
  spec.duration = std::chrono::hours(24 * 90);
  spec.path_len = path_len;
  spec.name_constraints = std::move(nc);
  auto ca = IssueIntermediateCa(parent, spec, key.get(), clock);
  EXPECT_TRUE(ca.ok()) << ca.status();
  return std::move(ca).value();
}

// Verifies a client-auth leaf with `dns`/`ip`/`cn` issued by `ca` against
// `ca`'s root, the way a peer does (the chain sent with the leaf).
Status VerifyLeaf(const CaMaterial& ca, const Clock& clock,
                  std::vector<std::string> dns, std::vector<std::string> ips,
                  const std::string& cn = "",
                  std::vector<std::string> uris = {}) {
  LeafSpec spec;
  spec.subject.common_name = cn;
  spec.dns_names = std::move(dns);
  spec.ip_addresses = std::move(ips);
  spec.uris = std::move(uris);
  spec.server_auth = false;
  spec.client_auth = true;
  EvpPkeyPtr key = MustKey();
  auto leaf = IssueLeaf(ca, spec, key.get(), clock);
  if (!leaf.ok()) return leaf.status();
  VerifyOptions opts;
  opts.purpose = Purpose::kTlsClient;
  return VerifyChain(leaf->cert.get(), ca.Intermediates(), {ca.Root()}, opts,
                     clock);
}

TEST(IntermediateCa, ChainsToItsRootWithPathLenAndConstraints) {
  FakeClock clock(TestNow());
  CaMaterial root = MustRoot(clock);
  CaMaterial im = MustIntermediateCa(root, clock, TeamA());
  EXPECT_TRUE(IsCa(im.cert.get()));
  EXPECT_TRUE(SignedBy(im.cert.get(), root.cert.get()));
  EXPECT_EQ(PathLenConstraint(im.cert.get()), 0);
  EXPECT_EQ(im.Root(), root.cert.get());
  ASSERT_EQ(im.Intermediates().size(), 1u);
  auto want = EncodeNameConstraints(TeamA());
  ASSERT_TRUE(want.ok()) << want.status();
  EXPECT_EQ(NameConstraintsDer(im.cert.get()), *want);
  EXPECT_EQ(NameConstraintsDer(root.cert.get()), "");
  EXPECT_EQ(PathLenConstraint(root.cert.get()), -1);
  EXPECT_TRUE(
      VerifyLeaf(im, clock, {"api.team-a.svc.cluster.local"}, {"10.1.2.3"})
          .ok());
}

// Each row: a leaf the intermediate's key could sign; must the peer's
// path validation accept it?
TEST(IntermediateCa, NameConstraintsBindWhatTheKeyCanSign) {
  FakeClock clock(TestNow());
  CaMaterial root = MustRoot(clock);
  CaMaterial im = MustIntermediateCa(root, clock, TeamA());
  struct Row {
    const char* what;
    std::vector<std::string> dns, ips, uris;
    std::string cn;
    bool ok;
  } rows[] = {
      {"a name in the subtree",
       {"db.team-a.svc.cluster.local"},
       {},
       {},
       "",
       true},
      {"deeper in the subtree",
       {"x.db.team-a.svc.cluster.local"},
       {},
       {},
       "",
       true},
      {"another namespace", {"db.team-b.svc.cluster.local"}, {}, {}, "", false},
      {"a suffix trick", {"evilteam-a.svc.cluster.local"}, {}, {}, "", false},
      {"one good one bad",
       {"db.team-a.svc.cluster.local", "kubernetes.default.svc"},
       {},
       {},
       "",
       false},
      {"an IP in range", {}, {"10.1.200.1"}, {}, "", true},
      {"an IP out of range", {}, {"10.2.0.1"}, {}, "", false},
      {"an IPv6 address", {}, {"fd00::1"}, {}, "", false},
      {"a host-name CN outside, no SAN", {}, {}, {}, "api.team-b.svc", false},
      {"a URI on the granted host",
       {},
       {},
       {"spiffe://team-a.example.com/sa/x"},
       "",
       true},
      {"a URI on another host",
       {},
       {},
       {"spiffe://cluster.local/ns/team-b/sa/x"},
       "",
       false},
  };
  for (const Row& r : rows) {
    Status st = VerifyLeaf(im, clock, r.dns, r.ips, r.cn, r.uris);
    EXPECT_EQ(st.ok(), r.ok) << r.what << ": " << st;
  }
}

TEST(IntermediateCa, ClosedFormsAdmitNothing) {
  FakeClock clock(TestNow());
  CaMaterial root = MustRoot(clock);
  CaMaterial im = MustIntermediateCa(root, clock, NameConstraints{});
  EXPECT_FALSE(VerifyLeaf(im, clock, {"anything.example.com"}, {}).ok());
  EXPECT_FALSE(VerifyLeaf(im, clock, {}, {"10.0.0.1"}).ok());
  EXPECT_FALSE(
      VerifyLeaf(im, clock, {}, {}, "", {"spiffe://example.com/x"}).ok());
  // Without constraints the same key signs anything (a trusted admin's CA).
  CaMaterial open = MustIntermediateCa(root, clock, std::nullopt);
  EXPECT_TRUE(VerifyLeaf(open, clock, {"anything.example.com"}, {}).ok());
}

TEST(IntermediateCa, PathLenZeroStopsFurtherCas) {
  FakeClock clock(TestNow());
  CaMaterial root = MustRoot(clock);
  CaMaterial im = MustIntermediateCa(root, clock, std::nullopt, 0);
  EvpPkeyPtr key = MustKey();
  IntermediateSpec spec;
  spec.subject.common_name = "sub";
  auto sub = IssueIntermediateCa(im, spec, key.get(), clock);
  ASSERT_FALSE(sub.ok());
  EXPECT_NE(sub.status().message().find("pathLen 0"), std::string::npos)
      << sub.status();
  // With pathLen 1 a second level works and chains (length 3 below root).
  CaMaterial im1 = MustIntermediateCa(root, clock, std::nullopt, 1);
  CaMaterial sub1 = MustIntermediateCa(im1, clock, std::nullopt, 0, "sub");
  EXPECT_EQ(sub1.Root(), root.cert.get());
  EXPECT_EQ(sub1.Intermediates().size(), 2u);
  EXPECT_TRUE(VerifyLeaf(sub1, clock, {"x.example.com"}, {}).ok());
}

TEST(IntermediateCa, NeverOutlivesItsParent) {
  FakeClock clock(TestNow());
  EvpPkeyPtr root_key = MustKey();
  RootSpec rs;
  rs.subject.common_name = "short root";
  rs.duration = std::chrono::hours(10);
  auto root = CreateSelfSignedCa(rs, root_key.get(), clock);
  ASSERT_TRUE(root.ok());
  CaMaterial im = MustIntermediateCa(*root, clock, std::nullopt);
  EXPECT_EQ(NotAfter(im.cert.get()), NotAfter(root->cert.get()));
  clock.Advance(std::chrono::hours(11));
  EvpPkeyPtr key = MustKey();
  IntermediateSpec spec;
  spec.subject.common_name = "late";
  auto late = IssueIntermediateCa(*root, spec, key.get(), clock);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition);
}

// The intermediate is no end-entity: a TLS peer refuses it as a server or
// client certificate whatever its subject says.
TEST(IntermediateCa, IsNeverATlsPeerItself) {
  FakeClock clock(TestNow());
  CaMaterial root = MustRoot(clock);
  CaMaterial im = MustIntermediateCa(root, clock, std::nullopt);
  for (Purpose p : {Purpose::kTlsServer, Purpose::kTlsClient}) {
    VerifyOptions opts;
    opts.purpose = p;
    EXPECT_FALSE(
        VerifyChain(im.cert.get(), {}, {root.cert.get()}, opts, clock).ok());
  }
  // Its subject may not repeat its parent's.
  EvpPkeyPtr key = MustKey();
  IntermediateSpec spec;
  spec.subject.common_name = "Test Root CA";
  spec.subject.organizations = {"Lab"};
  auto same = IssueIntermediateCa(root, spec, key.get(), clock);
  ASSERT_FALSE(same.ok());
  EXPECT_NE(same.status().message().find("equals its parent's"),
            std::string::npos);
}

TEST(IntermediateCa, MalformedConstraintsAreRefused) {
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "nonsense/8", "::/129"}) {
    NameConstraints nc;
    nc.ip_ranges = {bad};
    EXPECT_EQ(EncodeNameConstraints(nc).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
  for (const char* bad : {"", ".leading.dot", "a/b", "x@y"}) {
    NameConstraints nc;
    nc.dns = {bad};
    EXPECT_EQ(EncodeNameConstraints(nc).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace certstore::pki
