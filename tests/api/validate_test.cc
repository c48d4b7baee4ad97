// Validation against the shared corpus (tests/corpus/, also fed to the real
// API server with the CRDs in crds/), plus the building-block predicates.
#include "operator/api/validate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "operator/api/defaults.h"
#include "operator/api/parse.h"
#include "operator/common/files.h"

namespace certstore::api {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> CorpusFiles(const std::string& sub) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(
           std::string(CERTSTORE_SOURCE_DIR) + "/tests/corpus/" + sub, ec))
    if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = fs::path(info.param).stem().string();
  for (char& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

// Parses, defaults and validates every document; returns the first error as
// "path: message" text, or "" when everything is valid.
std::string Check(const std::string& text) {
  auto docs = ParseDocuments(text);
  if (!docs.ok()) return docs.status().message();
  for (auto& doc : *docs) {
    FieldErrors errs;
    if (auto* cs = std::get_if<CertStore>(&doc.object)) {
      ApplyDefaults(cs);
      errs = Validate(*cs);
    } else if (auto* is = std::get_if<Issuer>(&doc.object)) {
      ApplyDefaults(is);
      errs = Validate(*is);
    } else if (auto* tb = std::get_if<TrustBundle>(&doc.object)) {
      ApplyDefaults(tb);
      errs = Validate(*tb);
    }
    if (!errs.empty()) return errs.ToStatus().message();
  }
  return "";
}

class ValidCorpusTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ValidCorpusTest, HasNoErrors) {
  auto text = ReadFile(GetParam());
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(Check(*text), "");
}

INSTANTIATE_TEST_SUITE_P(Corpus, ValidCorpusTest,
                         ::testing::ValuesIn(CorpusFiles("valid")), TestName);

class InvalidCorpusTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidCorpusTest, ReportsTheExpectedError) {
  auto text = ReadFile(GetParam());
  ASSERT_TRUE(text.ok()) << text.status();
  const std::string prefix = "# expect: ";
  ASSERT_EQ(text->compare(0, prefix.size(), prefix), 0)
      << "first line must be \"# expect: <substring>\"";
  std::string want =
      text->substr(prefix.size(), text->find('\n') - prefix.size());
  ASSERT_FALSE(want.empty());
  std::string got = Check(*text);
  ASSERT_NE(got, "") << "accepted, want an error containing \"" << want << "\"";
  EXPECT_NE(got.find(want), std::string::npos)
      << "want \"" << want << "\" in: " << got;
}

INSTANTIATE_TEST_SUITE_P(Corpus, InvalidCorpusTest,
                         ::testing::ValuesIn(CorpusFiles("invalid")), TestName);

TEST(CorpusTest, IsNotEmpty) {
  EXPECT_GE(CorpusFiles("valid").size(), 5u);
  EXPECT_GE(CorpusFiles("invalid").size(), 20u);
}

struct PredicateCase {
  std::string input;
  bool want;
};

TEST(PredicateTest, IsDnsSubdomain) {
  const PredicateCase cases[] = {
      {"a", true},
      {"my-secret", true},
      {"a.b-c.d", true},
      {"0abc", true},
      {"legacy-client.stores", true},
      {std::string(253, 'a'), true},
      {"", false},
      {"-a", false},
      {"a-", false},
      {"A", false},
      {"a_b", false},
      {"a..b", false},
      {".a", false},
      {"a.", false},
      {"*.a", false},
      {std::string(254, 'a'), false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(IsDnsSubdomain(c.input), c.want) << c.input;
}

TEST(PredicateTest, IsSanDnsName) {
  const PredicateCase cases[] = {
      {"api.example.com", true},
      {"localhost", true},
      {"*.apps.example.com", true},
      {"*.a", true},
      {"xn--bcher-kva.example", true},
      {"", false},
      {"*", false},
      {"*.", false},
      {"api.*.example.com", false},
      {"a*.example.com", false},
      {"API.example.com", false},
      {"bad_host.example.com", false},
      {"a..b", false},
      {"a.b.", false},
      {"-a.b", false},
      {"**.a", false},
      {"a b", false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(IsSanDnsName(c.input), c.want) << c.input;
}

// Go's netip.ParseAddr as CEL's isIP() uses it: no leading zeros in IPv4,
// no zones, no IPv4-mapped IPv6.
TEST(PredicateTest, IsIpAddressFollowsGo) {
  const PredicateCase cases[] = {
      {"10.0.0.1", true},
      {"0.0.0.0", true},
      {"255.255.255.255", true},
      {"127.0.0.1", true},
      {"::", true},
      {"::1", true},
      {"fd00::10", true},
      {"2001:db8::1", true},
      {"2001:DB8::1", true},
      {"fe80::1:2:3:4", true},
      {"1:2:3:4:5:6:7:8", true},
      {"0001:2::3", true},
      {"::1.2.3.4", true},
      {"64:ff9b::192.0.2.1", true},
      {"", false},
      {"localhost", false},
      {"1.2.3", false},
      {"1.2.3.4.5", false},
      {"256.1.1.1", false},
      {"300.1.2.3", false},
      {"01.2.3.4", false},
      {"1.2.3.04", false},
      {"00.0.0.0", false},
      {"1.2.3.4:80", false},
      {"1.2.3.4/32", false},
      {" 1.2.3.4", false},
      {"1.2.3.4 ", false},
      {"fe80::1%eth0", false},
      {"fe80::1%1", false},
      {"::ffff:1.2.3.4", false},
      {"::FFFF:1.2.3.4", false},
      {"::ffff:102:304", false},
      {"::ffff:01.2.3.4", false},
      {"1:2:3:4:5:6:7:8:9", false},
      {"1:2:3:4:5:6:7::8", false},
      {"12345::1", false},
      {"::1::2", false},
      {"[::1]", false},
      {":::", false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(IsIpAddress(c.input), c.want) << c.input;
}

// Paths in messages are the ones the API server would name.
TEST(ValidateTest, ReportsEveryErrorWithItsPath) {
  CertStore cs;
  cs.spec.issuer_ref.name = "Bad_Issuer";
  cs.spec.secret_name = "stores";
  cs.spec.keystore.emplace();
  cs.spec.keystore->dns_names = {"ok.example.com", "not ok"};
  cs.spec.keystore->ip_addresses = {"::ffff:10.0.0.1"};
  cs.spec.truststore.emplace();
  cs.spec.truststore->sources_set = true;
  TrustSource s;
  s.type = TrustSource::Type::kSecret;
  s.name = "partner";
  s.key = "bad key";
  cs.spec.truststore->sources = {TrustSource{}, s};
  ApplyDefaults(&cs);
  std::string msg = Validate(cs).ToStatus().message();
  for (const char* want :
       {"spec.issuerRef.name: must be a DNS-1123 subdomain",
        "spec.keystore.dnsNames[1]: must be a lower-case DNS name",
        "spec.keystore.ipAddresses[0]: must be an IPv4 or IPv6 address",
        "spec.truststore.sources[1].secret.key: must consist of"})
    EXPECT_NE(msg.find(want), std::string::npos) << want << " in: " << msg;
  EXPECT_EQ(msg.find("dnsNames[0]"), std::string::npos) << msg;
}

}  // namespace
}  // namespace certstore::api

namespace certstore::api {
namespace {

// What the API server cannot see (metadata against spec): C++ only.
TEST(ValidateTest, IntermediateParentRules) {
  struct Row {
    const char* yaml;
    const char* error;  // "" when valid
  } rows[] = {
      {"kind: CertIssuer\nmetadata: {name: a, namespace: team}\nspec:\n"
       "  intermediate: {issuerRef: {name: a}, secretName: s, commonName: c}\n",
       "spec.intermediate.issuerRef.name: an issuer cannot be its own parent"},
      {"kind: ClusterCertIssuer\nmetadata: {name: a}\nspec:\n"
       "  intermediate: {issuerRef: {kind: ClusterCertIssuer, name: a},"
       " secretName: s, commonName: c}\n",
       "an issuer cannot be its own parent"},
      {"kind: CertIssuer\nmetadata: {name: a, namespace: team}\nspec:\n"
       "  intermediate: {issuerRef: {kind: ClusterCertIssuer, name: a},"
       " secretName: s, commonName: c}\n",
       ""},
      {"kind: CertIssuer\nmetadata: {name: a, namespace: team}\nspec:\n"
       "  intermediate: {issuerRef: {name: b}, secretName: s, commonName: c,"
       " duration: 2h, renewBefore: 3h}\n",
       "spec.intermediate.renewBefore: must be less than duration"},
  };
  for (const Row& r : rows) {
    auto is = ParseIssuer(std::string("apiVersion: certstore.dev/v1alpha1\n") +
                          r.yaml);
    ASSERT_TRUE(is.ok()) << is.status();
    ApplyDefaults(&*is);
    std::string got = Validate(*is).ToStatus().message();
    if (std::string(r.error).empty()) {
      EXPECT_TRUE(Validate(*is).empty()) << got;
      EXPECT_EQ(is->spec.intermediate->duration, "8760h");  // defaulted
    } else {
      EXPECT_NE(got.find(r.error), std::string::npos) << r.yaml << got;
    }
  }
}

}  // namespace
}  // namespace certstore::api
