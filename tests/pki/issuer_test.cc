#include "operator/pki/issuer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "operator/pki/certificate.h"
#include "operator/pki/verify.h"
#include "tests/pki/pki_fixture.h"

namespace certstore::pki {
namespace {
using testing::MustKey;
using testing::MustRoot;
using testing::ServerSpec;
using testing::TestNow;

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

TEST(CaTest, SelfSignedRootIsACa) {
  FakeClock clock(TestNow());
  CaMaterial ca = MustRoot(clock);
  CertificateInfo info = DescribeCertificate(ca.cert.get());
  EXPECT_TRUE(info.is_ca);
  EXPECT_TRUE(Has(info.key_usage, "keyCertSign"));
  EXPECT_TRUE(IsSelfSigned(ca.cert.get()));
  EXPECT_EQ(ca.Root(), ca.cert.get());
  EXPECT_TRUE(ca.Intermediates().empty());
  EXPECT_EQ(NotBefore(ca.cert.get()), TestNow() - kClockSkewAllowance);
}

// Found by tests/fuzz (regressions/der/null-public-key.der): OpenSSL parses a
// certificate whose EC point is off the curve but has no key for it, and
// describing it (`kubectl-certstore inspect`) dereferenced null.
TEST(CaTest, DescribesACertificateWhoseKeyCannotBeDecoded) {
  FakeClock clock(TestNow());
  CaMaterial ca = MustRoot(clock);
  std::string der = EncodeCertificateDer(ca.cert.get());
  // The P-256 subjectPublicKey: BIT STRING, 66 bytes, no unused bits, 0x04.
  size_t point = der.find(std::string("\x03\x42\x00\x04", 4));
  ASSERT_NE(point, std::string::npos);
  der[point + 4 + 63] ^= 0x01;  // the last byte of y: now off the curve
  auto cert = ParseCertificateDer(der);
  ASSERT_TRUE(cert.ok()) << cert.status();
  ASSERT_EQ(X509_get0_pubkey(cert->get()), nullptr);
  CertificateInfo info = DescribeCertificate(cert->get());
  EXPECT_EQ(info.key, "unreadable id-ecPublicKey key");
  EXPECT_EQ(info.subject, "CN=Test Root CA,O=Lab");
}

TEST(IssuerTest, LeafHasEverythingAskedFor) {
  FakeClock clock(TestNow());
  CaMaterial ca = MustRoot(clock);
  for (KeySpec spec :
       {KeySpec{KeyAlgorithm::kRsa, 2048}, KeySpec{KeyAlgorithm::kEcdsa, 256},
        KeySpec{KeyAlgorithm::kEd25519, 0}}) {
    EvpPkeyPtr key = MustKey(spec);
    LeafSpec ls = ServerSpec();
    ls.subject.organizations = {"Lab"};
    ls.subject.organizational_units = {"Platform"};
    ls.subject.countries = {"US"};
    ls.subject.localities = {"Springfield"};
    ls.subject.provinces = {"IL"};
    ls.uris = {"spiffe://lab/server"};
    ls.email_addresses = {"ops@lab.local"};
    ls.client_auth = true;
    auto issued = IssueLeaf(ca, ls, key.get(), clock);
    ASSERT_TRUE(issued.ok()) << issued.status();
    X509* c = issued->cert.get();
    CertificateInfo info = DescribeCertificate(c);
    EXPECT_EQ(
        info.subject,
        "CN=mtls-server.lab.local,OU=Platform,O=Lab,L=Springfield,ST=IL,C=US");
    EXPECT_TRUE(Has(info.sans, "DNS:mtls-server.lab.local"));
    EXPECT_TRUE(Has(info.sans, "IP:127.0.0.1"));
    EXPECT_TRUE(Has(info.sans, "URI:spiffe://lab/server"));
    EXPECT_TRUE(Has(info.sans, "email:ops@lab.local"));
    EXPECT_TRUE(Has(info.extended_key_usage, "serverAuth"));
    EXPECT_TRUE(Has(info.extended_key_usage, "clientAuth"));
    EXPECT_FALSE(info.is_ca);
    EXPECT_TRUE(Has(info.key_usage, "digitalSignature"));
    EXPECT_EQ(Has(info.key_usage, "keyEncipherment"),
              spec.algorithm == KeyAlgorithm::kRsa);
    EXPECT_EQ(NotBefore(c), TestNow() - kClockSkewAllowance);
    EXPECT_EQ(NotAfter(c), TestNow() + std::chrono::hours(2160));
    EXPECT_TRUE(issued->warning.empty());
    // 128-bit random serial: 32 hex digits (top bit clear, second set).
    EXPECT_EQ(info.serial_hex.size(), 32u);
    EXPECT_TRUE(X509_get_ext_by_NID(c, NID_subject_key_identifier, -1) >= 0);
    EXPECT_TRUE(X509_get_ext_by_NID(c, NID_authority_key_identifier, -1) >= 0);
    EXPECT_TRUE(VerifyChain(c, {}, {ca.cert.get()},
                            {Purpose::kTlsServer, "mtls-server.lab.local"},
                            clock)
                    .ok());
  }
}

TEST(IssuerTest, SerialsAreUnique) {
  FakeClock clock(TestNow());
  CaMaterial ca = MustRoot(clock);
  EvpPkeyPtr key = MustKey();
  auto a = IssueLeaf(ca, ServerSpec(), key.get(), clock);
  auto b = IssueLeaf(ca, ServerSpec(), key.get(), clock);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(SerialHex(a->cert.get()), SerialHex(b->cert.get()));
}

TEST(IssuerTest, NotAfterIsClampedToCaAndSaysSo) {
  FakeClock clock(TestNow());
  EvpPkeyPtr cakey = MustKey();
  RootSpec rs;
  rs.subject.common_name = "Short CA";
  rs.duration = std::chrono::hours(24);
  auto ca = CreateSelfSignedCa(rs, cakey.get(), clock);
  ASSERT_TRUE(ca.ok());
  EvpPkeyPtr key = MustKey();
  auto issued = IssueLeaf(*ca, ServerSpec(), key.get(), clock);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(NotAfter(issued->cert.get()), NotAfter(ca->cert.get()));
  EXPECT_NE(issued->warning.find("clamped"), std::string::npos);
}

TEST(IssuerTest, BadSpecsAreRejectedByName) {
  FakeClock clock(TestNow());
  CaMaterial ca = MustRoot(clock);
  EvpPkeyPtr key = MustKey();
  struct Case {
    const char* name;
    void (*mutate)(LeafSpec&);
    const char* want;
  } cases[] = {
      {"no usage", [](LeafSpec& s) { s.server_auth = s.client_auth = false; },
       "usages"},
      {"no names", [](LeafSpec& s) { s = LeafSpec(); },
       "commonName or at least one SAN"},
      {"bad ip", [](LeafSpec& s) { s.ip_addresses = {"300.1.1.1"}; },
       "ipAddresses entry \"300.1.1.1\""},
      {"bad uri", [](LeafSpec& s) { s.uris = {"no-scheme"}; }, "uris entry"},
      {"bad email", [](LeafSpec& s) { s.email_addresses = {"a@b@c"}; },
       "emailAddresses entry"},
      {"bad dns", [](LeafSpec& s) { s.dns_names = {"has space.lab"}; },
       "dnsNames entry"},
      {"bad country", [](LeafSpec& s) { s.subject.countries = {"USA"}; },
       "two-letter"},
      {"long cn",
       [](LeafSpec& s) { s.subject.common_name = std::string(65, 'a'); },
       "longer than 64"},
      {"zero duration",
       [](LeafSpec& s) { s.duration = std::chrono::seconds(0); }, "duration"},
  };
  for (const auto& c : cases) {
    LeafSpec s = ServerSpec();
    c.mutate(s);
    auto issued = IssueLeaf(ca, s, key.get(), clock);
    ASSERT_FALSE(issued.ok()) << c.name;
    EXPECT_EQ(issued.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(issued.status().message().find(c.want), std::string::npos)
        << c.name << ": " << issued.status();
  }
}

TEST(IssuerTest, ExpiredCaRefusesToIssue) {
  FakeClock clock(TestNow());
  CaMaterial ca = MustRoot(clock);
  clock.Advance(std::chrono::hours(87601));
  EvpPkeyPtr key = MustKey();
  auto issued = IssueLeaf(ca, ServerSpec(), key.get(), clock);
  EXPECT_EQ(issued.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(issued.status().message().find("expired"), std::string::npos);
}

}  // namespace
}  // namespace certstore::pki
