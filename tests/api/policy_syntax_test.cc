// The syntax of spec.policy, as admission refuses it: patterns, CIDRs,
// selectors, durations, usages, key constraints. Every bad input class has a
// row; the same rules are in the CRDs (tests/corpus feeds both).
#include <gtest/gtest.h>

#include "operator/api/identity_pattern.h"
#include "operator/api/ip_range.h"
#include "operator/api/parse.h"
#include "operator/api/validate.h"

namespace certstore::api {
namespace {

struct PatternCase {
  const char* label;
  PatternKind kind;
  const char* pattern;
  const char* error;  // substring; "" = valid
};

class PatternSyntaxTest : public ::testing::TestWithParam<PatternCase> {};

TEST_P(PatternSyntaxTest, ChecksPattern) {
  const PatternCase& c = GetParam();
  std::string problem = CheckPattern(c.kind, c.pattern);
  if (std::string(c.error).empty()) {
    EXPECT_EQ(problem, "") << c.pattern;
  } else {
    EXPECT_NE(problem.find(c.error), std::string::npos)
        << c.pattern << " -> " << problem;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, PatternSyntaxTest,
    ::testing::Values(
        PatternCase{"SvcWildcard", PatternKind::kDnsName, "*.$(namespace).svc",
                    ""},
        PatternCase{"ClusterLocal", PatternKind::kDnsName,
                    "*.$(namespace).svc.cluster.local", ""},
        PatternCase{"NameAndNamespace", PatternKind::kDnsName,
                    "$(name).$(namespace).svc", ""},
        PatternCase{"Literal", PatternKind::kDnsName, "mtls-server.lab.local",
                    ""},
        PatternCase{"GluedPlaceholder", PatternKind::kDnsName,
                    "$(namespace)-*.example.com",
                    "placeholder must fill a whole label"},
        PatternCase{"GluedStar", PatternKind::kDnsName, "api-*.example.com",
                    "\"*\" must be a whole label"},
        PatternCase{"UnknownPlaceholder", PatternKind::kDnsName,
                    "$(serviceaccount).svc",
                    "unknown placeholder $(serviceaccount)"},
        PatternCase{"NameWithoutNamespace", PatternKind::kDnsName,
                    "$(name).svc", "$(name) needs $(namespace)"},
        // The namespace binds only what stands left of it (an adversarial
        // review found these).
        PatternCase{"NameRightOfNamespace", PatternKind::kDnsName,
                    "$(namespace).$(name).svc.cluster.local",
                    "only literal labels may follow"},
        PatternCase{"StarRightOfNamespace", PatternKind::kDnsName,
                    "$(namespace).*.svc", "only literal labels may follow"},
        PatternCase{"BoundTwice", PatternKind::kDnsName,
                    "$(namespace).$(name).$(namespace).svc", ""},
        PatternCase{"UriHostChosenByTenant", PatternKind::kUri,
                    "https://$(name)/ns/$(namespace)",
                    "host: $(name) needs $(namespace)"},
        PatternCase{"UriStarBeforeNamespace", PatternKind::kUri,
                    "spiffe://cluster.local/ns/*/sa/$(namespace)",
                    "only literal path segments may come before $(namespace)"},
        PatternCase{"UriNameWithoutNamespace", PatternKind::kUri,
                    "spiffe://cluster.local/x/$(name)",
                    "$(name) in a path needs"},
        PatternCase{"UriBoundHost", PatternKind::kUri,
                    "https://$(namespace).apps.example/$(name)", ""},
        PatternCase{"EmailDomainChosenByTenant", PatternKind::kEmail,
                    "$(namespace)@$(name)",
                    "domain: $(name) needs $(namespace)"},
        PatternCase{"EmailNameWithoutNamespace", PatternKind::kEmail,
                    "$(name)@example.com", "needs $(namespace) in the domain"},
        PatternCase{"SubjectStarRightOfNamespace", PatternKind::kSubjectValue,
                    "$(namespace).*", "only literal parts may follow"},
        PatternCase{"WildcardNameRightOfNamespace",
                    PatternKind::kWildcardDnsName,
                    "*.$(namespace).$(name).example.com",
                    "only literal labels may follow"},
        PatternCase{"UriStarHostWithPathBinding", PatternKind::kUri,
                    "https://*.example.com/$(namespace)/*",
                    "the host must be literal"},
        PatternCase{"SpiffeStarTrustDomain", PatternKind::kUri,
                    "spiffe://*/ns/$(namespace)/sa/*",
                    "the host must be literal"},
        PatternCase{"EmailStarDomainWithLocalBinding", PatternKind::kEmail,
                    "$(namespace)@*.example.com", "the domain must be literal"},
        PatternCase{"EmailLiteralDomainWithLocalBinding", PatternKind::kEmail,
                    "$(namespace)@example.com", ""},
        PatternCase{"UpperCase", PatternKind::kDnsName, "API.example.com",
                    "not a lower-case DNS label"},
        PatternCase{"TrailingDot", PatternKind::kDnsName, "example.com.",
                    "empty label"},
        PatternCase{"Empty", PatternKind::kDnsName, "", "must not be empty"},
        PatternCase{"Unicode", PatternKind::kDnsName,
                    "b\xC3\xBC"
                    "cher.example",
                    "punycode"},
        PatternCase{"WildcardAllowance", PatternKind::kWildcardDnsName,
                    "*.$(namespace).svc", ""},
        PatternCase{"WildcardNoStar", PatternKind::kWildcardDnsName,
                    "$(namespace).svc", "must start with \"*.\""},
        PatternCase{"WildcardInnerStar", PatternKind::kWildcardDnsName,
                    "*.*.svc", "may only be the first label"},
        PatternCase{"Spiffe", PatternKind::kUri,
                    "spiffe://cluster.local/ns/$(namespace)/sa/*", ""},
        PatternCase{"UriPercent", PatternKind::kUri,
                    "spiffe://cluster.local/ns/a%2Fb", "must not contain '%'"},
        PatternCase{"UriPort", PatternKind::kUri, "https://h.example:8443/x",
                    "must not contain ':'"},
        PatternCase{"UriDotDot", PatternKind::kUri, "spiffe://c.local/ns/../x",
                    "\"..\""},
        PatternCase{"UriEmptySegment", PatternKind::kUri,
                    "spiffe://c.local/ns//x", "must be non-empty"},
        PatternCase{"UriNoPath", PatternKind::kUri, "spiffe://c.local",
                    "path segment"},
        PatternCase{"UriGlued", PatternKind::kUri,
                    "spiffe://c.local/ns/$(namespace)x", "whole path segment"},
        PatternCase{"UriUser", PatternKind::kUri, "https://u@h.example/x",
                    "must not contain '@'"},
        PatternCase{"Email", PatternKind::kEmail, "*@$(namespace).example.com",
                    ""},
        PatternCase{"EmailTwoAt", PatternKind::kEmail, "a@b@c.example",
                    "local@domain"},
        PatternCase{"EmailGlued", PatternKind::kEmail, "ops-*@example.com",
                    "whole local part"},
        PatternCase{"CommonNamePlain", PatternKind::kSubjectValue,
                    "Lab mTLS Client", ""},
        PatternCase{"CommonNameDotted", PatternKind::kSubjectValue,
                    "$(name).$(namespace)", ""},
        PatternCase{"CommonNameComma", PatternKind::kSubjectValue,
                    "api,OU=admins", "any of ,"},
        PatternCase{"SubjectLiteralTrailingDot", PatternKind::kSubjectValue,
                    "Example Corp.", ""}),
    [](const auto& info) { return std::string(info.param.label); });

struct CidrCase {
  const char* label;
  const char* cidr;
  const char* error;
};
class CidrSyntaxTest : public ::testing::TestWithParam<CidrCase> {};
TEST_P(CidrSyntaxTest, ChecksCidr) {
  const CidrCase& c = GetParam();
  std::string problem = CheckCidr(c.cidr);
  if (std::string(c.error).empty()) {
    EXPECT_EQ(problem, "") << c.cidr;
  } else {
    EXPECT_NE(problem.find(c.error), std::string::npos)
        << c.cidr << " -> " << problem;
  }
}
INSTANTIATE_TEST_SUITE_P(
    Table, CidrSyntaxTest,
    ::testing::Values(
        CidrCase{"V4", "10.0.0.0/24", ""},
        CidrCase{"V4Host", "10.0.0.1/32", ""}, CidrCase{"V6", "fd00::/64", ""},
        CidrCase{"HostBits", "10.0.0.1/24", "host bits set"},
        CidrCase{"ZeroPrefix", "0.0.0.0/0", "/0 would allow every address"},
        CidrCase{"V6ZeroPrefix", "::/0", "/0 would allow every address"},
        CidrCase{"NoPrefix", "10.0.0.0", "must be a CIDR"},
        CidrCase{"PrefixTooLong", "10.0.0.0/33", "must be a CIDR"},
        CidrCase{"LeadingZeroPrefix", "10.0.0.0/024", "must be a CIDR"},
        CidrCase{"Garbage", "ten/8", "must be a CIDR"},
        CidrCase{"V4Mapped", "::ffff:10.0.0.0/104", "IPv4-mapped"}),
    [](const auto& info) { return std::string(info.param.label); });

// Whole issuers through Validate(): the field path names the policy entry.
struct PolicyCase {
  const char* label;
  const char* policy_yaml;  // the body under "  policy:"
  const char* path;         // "" = valid
};
class PolicyValidateTest : public ::testing::TestWithParam<PolicyCase> {};
TEST_P(PolicyValidateTest, Validates) {
  const PolicyCase& c = GetParam();
  std::string yaml =
      "apiVersion: certstore.dev/v1alpha1\nkind: ClusterCertIssuer\nmetadata: "
      "{name: x}\n"
      "spec:\n  ca: {secretName: x-ca}\n  policy:\n" +
      std::string(c.policy_yaml);
  auto issuer = ParseIssuer(yaml);
  ASSERT_TRUE(issuer.ok()) << issuer.status();
  FieldErrors errs = Validate(*issuer);
  if (std::string(c.path).empty()) {
    EXPECT_TRUE(errs.empty()) << errs.ToStatus();
  } else {
    ASSERT_FALSE(errs.empty());
    EXPECT_EQ(errs.errors()[0].path, c.path) << errs.ToStatus();
  }
}
INSTANTIATE_TEST_SUITE_P(
    Table, PolicyValidateTest,
    ::testing::Values(
        PolicyCase{
            "Typical",
            "    namespaceSelector: {matchLabels: "
            "{kubernetes.io/metadata.name: a}}\n"
            "    dnsNames: ['*.$(namespace).svc', '$(name).$(namespace).svc']\n"
            "    ipAddresses: [10.0.0.0/24]\n    maxDuration: 2160h\n"
            "    usages: [serverAuth]\n    privateKey: {algorithms: [ECDSA], "
            "minECDSASize: 256}\n",
            ""},
        PolicyCase{"GluedPattern",
                   "    dnsNames: ['$(namespace)-*.example.com']\n",
                   "spec.policy.dnsNames[0]"},
        PolicyCase{"BadCidr", "    ipAddresses: [10.0.0.1/24]\n",
                   "spec.policy.ipAddresses[0]"},
        PolicyCase{"BadDuration", "    maxDuration: 90d\n",
                   "spec.policy.maxDuration"},
        PolicyCase{"ShortDuration", "    maxDuration: 30m\n",
                   "spec.policy.maxDuration"},
        PolicyCase{"BadUsage", "    usages: [codeSigning]\n",
                   "spec.policy.usages[0]"},
        PolicyCase{"BadAlgorithm", "    privateKey: {algorithms: [DSA]}\n",
                   "spec.policy.privateKey.algorithms[0]"},
        PolicyCase{"BadRsaMin", "    privateKey: {minRSASize: 1024}\n",
                   "spec.policy.privateKey.minRSASize"},
        PolicyCase{
            "BadOperator",
            "    namespaceSelector: {matchExpressions: [{key: a, operator: "
            "Equals, "
            "values: [b]}]}\n",
            "spec.policy.namespaceSelector.matchExpressions[0].operator"},
        PolicyCase{"InWithoutValues",
                   "    namespaceSelector: {matchExpressions: [{key: a, "
                   "operator: In}]}\n",
                   "spec.policy.namespaceSelector.matchExpressions[0].values"},
        PolicyCase{"BadUri", "    uris: ['spiffe://c.local/ns/%2e%2e']\n",
                   "spec.policy.uris[0]"},
        PolicyCase{"BadSubject", "    subject: {organizations: ['Lab;DROP']}\n",
                   "spec.policy.subject.organizations[0]"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(PolicyParseTest, UnknownPolicyFieldIsAParseError) {
  auto issuer = ParseIssuer(
      "apiVersion: certstore.dev/v1alpha1\nkind: ClusterCertIssuer\nmetadata: "
      "{name: x}\n"
      "spec:\n  ca: {secretName: x-ca}\n  policy:\n    dnsName: [a.example]\n");
  ASSERT_FALSE(issuer.ok());
  EXPECT_NE(
      issuer.status().message().find("spec.policy.dnsName: unknown field"),
      std::string::npos)
      << issuer.status();
}

TEST(PolicyParseTest, NamespaceSelectorOnACertIssuerIsRefused) {
  auto issuer = ParseIssuer(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: {name: "
      "x}\n"
      "spec:\n  ca: {secretName: x-ca}\n  policy:\n    namespaceSelector: "
      "{}\n");
  ASSERT_TRUE(issuer.ok()) << issuer.status();
  FieldErrors errs = Validate(*issuer);
  ASSERT_FALSE(errs.empty());
  EXPECT_EQ(errs.errors()[0].path, "spec.policy.namespaceSelector");
}

TEST(OwnerReferenceParseTest, ControllerReferenceIsRead) {
  auto s = ParseSecret(
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  ownerReferences:\n"
      "  - {apiVersion: certstore.dev/v1alpha1, kind: CertStore, name: a, uid: "
      "u-1, "
      "controller: true}\n  - {apiVersion: v1, kind: ConfigMap, name: b, uid: "
      "u-2}\n");
  ASSERT_TRUE(s.ok()) << s.status();
  const OwnerReference* c = ControllerOf(s->metadata);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->uid, "u-1");
  EXPECT_EQ(c->kind, "CertStore");
  EXPECT_EQ(s->metadata.owner_references.size(), 2u);
}

}  // namespace
}  // namespace certstore::api
