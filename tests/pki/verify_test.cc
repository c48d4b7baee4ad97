#include "operator/pki/verify.h"

#include <gtest/gtest.h>

#include "operator/pki/cert_builder.h"
#include "operator/pki/certificate.h"
#include "tests/pki/pki_fixture.h"

namespace certstore::pki {
namespace {
using testing::MustIntermediate;
using testing::MustKey;
using testing::MustLeaf;
using testing::MustRoot;
using testing::ServerSpec;
using testing::TestNow;

TEST(VerifyTest, ReportsEachFailureInUsersWords) {
  FakeClock clock(TestNow());
  CaMaterial root = MustRoot(clock);
  CaMaterial other = MustRoot(clock, "Other Root");
  CaMaterial inter = MustIntermediate(root, clock, "Issuing CA");
  EvpPkeyPtr key = MustKey();
  X509Ptr server = MustLeaf(root, ServerSpec(), key.get(), clock);
  LeafSpec client_spec;
  client_spec.subject.common_name = "client";
  client_spec.server_auth = false;
  client_spec.client_auth = true;
  X509Ptr client = MustLeaf(root, client_spec, key.get(), clock);
  X509Ptr via_inter = MustLeaf(inter, ServerSpec(), key.get(), clock);

  struct Case {
    const char* name;
    X509* leaf;
    std::vector<X509*> intermediates;
    std::vector<X509*> anchors;
    VerifyOptions opts;
    std::chrono::hours shift;
    const char* want;  // nullptr: must verify
  } cases[] = {
      {"server ok",
       server.get(),
       {},
       {root.cert.get()},
       {Purpose::kTlsServer, "mtls-server.lab.local"},
       std::chrono::hours(0),
       nullptr},
      {"server ok by IP",
       server.get(),
       {},
       {root.cert.get()},
       {Purpose::kTlsServer, "127.0.0.1"},
       std::chrono::hours(0),
       nullptr},
      {"wildcard-free host mismatch",
       server.get(),
       {},
       {root.cert.get()},
       {Purpose::kTlsServer, "wrong.lab.local"},
       std::chrono::hours(0),
       "No subject alternative DNS name matching wrong.lab.local found"},
      {"ip mismatch",
       server.get(),
       {},
       {root.cert.get()},
       {Purpose::kTlsServer, "10.0.0.1"},
       std::chrono::hours(0),
       "No subject alternative names matching IP address 10.0.0.1 found"},
      {"client ok",
       client.get(),
       {},
       {root.cert.get()},
       {Purpose::kTlsClient, ""},
       std::chrono::hours(0),
       nullptr},
      {"client cert used as server",
       client.get(),
       {},
       {root.cert.get()},
       {Purpose::kTlsServer, ""},
       std::chrono::hours(0),
       "lacks extended key usage serverAuth"},
      {"server cert used as client",
       server.get(),
       {},
       {root.cert.get()},
       {Purpose::kTlsClient, ""},
       std::chrono::hours(0),
       "Extended key usage does not permit use for TLS client authentication"},
      {"untrusted issuer",
       server.get(),
       {},
       {other.cert.get()},
       {Purpose::kTlsServer, ""},
       std::chrono::hours(0),
       "PKIX path building failed"},
      {"empty truststore",
       server.get(),
       {},
       {},
       {Purpose::kTlsServer, ""},
       std::chrono::hours(0),
       "truststore is empty"},
      {"incomplete chain",
       via_inter.get(),
       {},
       {root.cert.get()},
       {Purpose::kTlsServer, ""},
       std::chrono::hours(0),
       "incomplete chain"},
      {"complete chain",
       via_inter.get(),
       {inter.cert.get()},
       {root.cert.get()},
       {Purpose::kTlsServer, "localhost"},
       std::chrono::hours(0),
       nullptr},
      {"expired",
       server.get(),
       {},
       {root.cert.get()},
       {Purpose::kTlsServer, ""},
       std::chrono::hours(2161),
       "certificate expired"},
      {"not yet valid",
       server.get(),
       {},
       {root.cert.get()},
       {Purpose::kTlsServer, ""},
       -std::chrono::hours(1),
       "not yet valid"},
  };
  for (const auto& c : cases) {
    clock.Set(TestNow() + c.shift);
    Status st = VerifyChain(c.leaf, c.intermediates, c.anchors, c.opts, clock);
    if (c.want == nullptr) {
      EXPECT_TRUE(st.ok()) << c.name << ": " << st;
    } else {
      EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << c.name;
      EXPECT_NE(st.message().find(c.want), std::string::npos)
          << c.name << ": " << st;
    }
  }
}

}  // namespace
}  // namespace certstore::pki
