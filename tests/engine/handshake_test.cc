// PredictMutualTls without a JVM: the checks that the integration test
// cannot put to a real Java (other Java versions, stores no JVM here would
// start with), and the order and wording of the rest. The agreement with
// real JSSE handshakes is OperatorIT.DiagnosePredictsRealJavaHandshakes.
#include "operator/engine/handshake.h"

#include <gtest/gtest.h>

#include <functional>

#include "operator/pki/pkcs12.h"
#include "tests/pki/pki_fixture.h"

namespace certstore::engine {
namespace {
using pki::testing::MustKey;
using pki::testing::MustLeaf;
using pki::testing::MustRoot;
using pki::testing::TestNow;

const char kPassword[] = "changeit";

struct Lab {
  FakeClock clock{TestNow()};
  pki::CaMaterial root = MustRoot(clock, "Lab Root");
  pki::CaMaterial other = MustRoot(clock, "Other Root");

  PeerStores Side(const std::string& role, const pki::CaMaterial& ca,
                  bool server_auth, bool client_auth,
                  pki::Pkcs12Profile profile = pki::Pkcs12Profile::kModern2023,
                  const pki::CaMaterial* trusted = nullptr) {
    pki::LeafSpec spec;
    spec.subject.common_name = role + ".test";
    spec.dns_names = {role + ".test"};
    spec.server_auth = server_auth;
    spec.client_auth = client_auth;
    pki::EvpPkeyPtr key = MustKey();
    pki::X509Ptr leaf = MustLeaf(ca, spec, key.get(), clock);
    PeerStores p;
    p.role = role;
    p.owner = "CertStore demo/" + role;
    p.password = SecretBytes(kPassword);
    p.keystore_name = "keystore.p12";
    p.keystore =
        pki::EncodePkcs12Keystore(key.get(), {leaf.get(), ca.cert.get()}, role,
                                  p.password, profile)
            .value();
    p.truststore_name = "truststore.p12";
    p.truststore =
        pki::EncodePkcs12Truststore({(trusted ? trusted : &ca)->cert.get()},
                                    p.password, profile)
            .value();
    return p;
  }
};

HandshakeOptions Options(const std::string& java = "17") {
  HandshakeOptions o;
  o.at = TestNow();
  o.java = ParseJavaVersion(java).value();
  return o;
}

const HandshakeCheck* FirstFailure(const HandshakePrediction& p) {
  for (const auto& c : p.checks)
    if (!c.ok) return &c;
  return nullptr;
}

TEST(HandshakeTest, APairFromOneRootSucceedsWithTheServersNameAsHost) {
  Lab lab;
  HandshakePrediction p =
      PredictMutualTls(lab.Side("server", lab.root, true, false),
                       lab.Side("client", lab.root, false, true), Options());
  EXPECT_TRUE(p.succeeds);
  EXPECT_EQ(FirstFailure(p), nullptr);
  EXPECT_EQ(p.host, "server.test");
  EXPECT_GE(p.checks.size(), 10u);
}

struct Case {
  const char* name;
  std::function<void(Lab&, PeerStores& server, PeerStores& client,
                     HandshakeOptions& o)>
      change;
  const char* what;         // first failing check starts with this
  const char* reported_by;  // which JVM throws
  const char* java_error;   // contained in its text
  const char* fix;          // contained in the fix
};

std::vector<Case> Cases() {
  return {
      {"Java8ReadsNoModern2023",
       [](Lab&, PeerStores&, PeerStores&, HandshakeOptions& o) {
         o = Options("8");
       },
       "server keystore", "server",
       "Integrity check failed: java.security.NoSuchAlgorithmException: "
       "Algorithm HmacPBESHA256 not available",
       "spec.pkcs12.profile: LegacyDES"},
      {"Java8ReadsLegacyDes",
       [](Lab& lab, PeerStores& s, PeerStores&, HandshakeOptions& o) {
         s = lab.Side("server", lab.root, true, false,
                      pki::Pkcs12Profile::kLegacyDES);
         o = Options("8u292");
       },
       "client keystore", "client", "Integrity check failed", "8u301"},
      {"WrongPassword",
       [](Lab&, PeerStores&, PeerStores& c, HandshakeOptions&) {
         c.password = SecretBytes("wrong");
       },
       "client keystore", "client",
       "java.io.IOException: keystore password was incorrect",
       "spec.password.secretKeyRef"},
      {"TruststoreWithoutTrustedEntries",
       [](Lab&, PeerStores&, PeerStores& c, HandshakeOptions&) {
         c.truststore = c.keystore;  // a keystore given as truststore
       },
       "client truststore", "client",
       "the trustAnchors parameter must be non-empty", "truststore"},
      {"ServerWithoutKeystore",
       [](Lab&, PeerStores& s, PeerStores&, HandshakeOptions&) {
         s.keystore_name.clear();
         s.keystore.clear();
       },
       "server keystore holds a PrivateKeyEntry", "server",
       "No available authentication scheme", "spec.keystore"},
      {"IpAddressNotInSans",
       [](Lab&, PeerStores&, PeerStores&, HandshakeOptions& o) {
         o.host = "10.0.0.1";
       },
       "server's certificate matches host 10.0.0.1", "client",
       "No subject alternative names matching IP address 10.0.0.1 found",
       "spec.keystore.ipAddresses must include 10.0.0.1"},
      {"SameNameOtherKey",
       [](Lab& lab, PeerStores&, PeerStores& c, HandshakeOptions&) {
         pki::CaMaterial imposter = MustRoot(lab.clock, "Lab Root");
         c = lab.Side("client", lab.root, false, true,
                      pki::Pkcs12Profile::kModern2023, &imposter);
       },
       "client trusts the server's certificate chain", "client",
       "PKIX path building failed", "spec.truststore.sources"},
      {"NotYetValid",
       [](Lab&, PeerStores&, PeerStores&, HandshakeOptions& o) {
         o.at = TestNow() - std::chrono::hours(2);
       },
       "client accepts the validity", "client", "validity check failed",
       "renews before notAfter"},
  };
}

class HandshakeCaseTest : public ::testing::TestWithParam<Case> {};

TEST_P(HandshakeCaseTest, FirstFailureNamesJavasErrorAndTheFix) {
  const Case& c = GetParam();
  Lab lab;
  PeerStores server = lab.Side("server", lab.root, true, false);
  PeerStores client = lab.Side("client", lab.root, false, true);
  HandshakeOptions o = Options();
  c.change(lab, server, client, o);
  HandshakePrediction p = PredictMutualTls(server, client, o);
  EXPECT_FALSE(p.succeeds);
  const HandshakeCheck* f = FirstFailure(p);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->what.rfind(c.what, 0), 0u) << f->what;
  EXPECT_EQ(f->reported_by, c.reported_by);
  EXPECT_NE(f->java_error.find(c.java_error), std::string::npos)
      << f->java_error;
  EXPECT_NE(f->fix.find(c.fix), std::string::npos) << f->fix;
  for (const auto& check : p.checks)
    EXPECT_EQ(check.detail.find("changeit"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Cases, HandshakeCaseTest, ::testing::ValuesIn(Cases()),
                         [](const auto& i) {
                           return std::string(i.param.name);
                         });

TEST(HandshakeTest, JavaVersions) {
  const struct {
    const char* text;
    bool ok, modern;
  } cases[] = {
      {"8", true, false},      {"8u292", true, false},
      {"8u301", true, true},   {"1.8.0_341", true, true},
      {"11", true, false},     {"11.0.11", true, false},
      {"11.0.12", true, true}, {"17", true, true},
      {"21", true, true},      {"7", false, false},
      {"abc", false, false},   {"8u", false, false},
      {"", false, false},
  };
  for (const auto& c : cases) {
    auto v = ParseJavaVersion(c.text);
    EXPECT_EQ(v.ok(), c.ok) << c.text;
    if (v.ok()) {
      EXPECT_EQ(v->reads_modern, c.modern) << c.text;
    } else {
      EXPECT_NE(v.status().message().find("--java"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace certstore::engine
