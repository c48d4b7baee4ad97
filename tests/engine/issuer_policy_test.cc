// The issuance policy engine, table-driven: for each row a ClusterCertIssuer
// policy, a CertStore (defaulted, as the operator sees it) in a namespace,
// and the verdict. Rows cover every field, placeholder, wildcard rule, CIDR,
// duration, usage and key constraint, including the attacks a hostile
// tenant (namespace team-a) would try against namespace payments.
#include "operator/engine/issuer_policy.h"

#include <gtest/gtest.h>

#include "operator/api/defaults.h"
#include "operator/api/parse.h"
#include "operator/api/validate.h"
#include "operator/pki/key.h"

namespace certstore::engine {
namespace {

// The policy most teams want (README "Multi-tenant clusters").
constexpr char kTypicalPolicy[] =
    "    namespaceSelector: {}\n"
    "    dnsNames: ['*.$(namespace).svc', '*.$(namespace).svc.cluster.local',\n"
    "               '$(name).$(namespace).svc', "
    "'$(name).$(namespace).svc.cluster.local']\n"
    "    wildcardDnsNames: ['*.$(namespace).example.com']\n"
    "    uris: ['spiffe://cluster.local/ns/$(namespace)/sa/*']\n"
    "    emailAddresses: ['*@$(namespace).example.com']\n"
    "    ipAddresses: [10.0.0.0/24, 'fd00::/64']\n"
    "    commonNames: ['$(name).$(namespace).svc', Lab Client, '10.9.9.*']\n"
    "    subject: {organizations: [Lab, '$(namespace)'], countries: [US]}\n"
    "    maxDuration: 2160h\n"
    "    usages: [serverAuth]\n"
    "    privateKey: {algorithms: [ECDSA, RSA], minRSASize: 3072}\n";

api::Issuer MustIssuer(
    const std::string& policy_body,
    api::IssuerKind kind = api::IssuerKind::kClusterCertIssuer) {
  std::string yaml = std::string("apiVersion: certstore.dev/v1alpha1\nkind: ") +
                     api::IssuerKindName(kind) +
                     "\nmetadata: {name: shared-ca, namespace: "
                     "team-a}\nspec:\n  ca: {secretName: "
                     "shared-ca}\n";
  if (!policy_body.empty()) yaml += "  policy:\n" + policy_body;
  auto issuer = api::ParseIssuer(yaml);
  EXPECT_TRUE(issuer.ok()) << issuer.status();
  api::ApplyDefaults(&*issuer);
  api::FieldErrors errs = api::Validate(*issuer);
  EXPECT_TRUE(errs.empty()) << errs.ToStatus();
  return std::move(issuer).value();
}

// `keystore` is the body under "  keystore:" (4-space indented fields).
api::CertStore MustCertStore(const std::string& ns, const std::string& name,
                             const std::string& keystore) {
  std::string yaml =
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: " +
      name + ", namespace: " + ns +
      "}\nspec:\n  issuerRef: {kind: ClusterCertIssuer, name: shared-ca}\n"
      "  secretName: s\n  keystore:\n" +
      keystore;
  auto cs = api::ParseCertStore(yaml);
  EXPECT_TRUE(cs.ok()) << cs.status();
  api::ApplyDefaults(&*cs);
  api::FieldErrors errs = api::Validate(*cs);
  EXPECT_TRUE(errs.empty()) << errs.ToStatus();
  return std::move(cs).value();
}

struct Case {
  const char* label;
  const char* ns;
  const char* name;
  const char* keystore;  // "    field: value\n" lines
  const char* field;     // "" = allowed; else the refusing policy field
  const char* message;   // substring of the message, when denied
};

class IssuerPolicyTest : public ::testing::TestWithParam<Case> {};

TEST_P(IssuerPolicyTest, Decides) {
  const Case& c = GetParam();
  api::Issuer issuer = MustIssuer(kTypicalPolicy);
  api::CertStore cs = MustCertStore(c.ns, c.name, c.keystore);
  PolicyVerdict v = CheckCertStore(issuer, cs);
  if (std::string(c.field).empty()) {
    EXPECT_TRUE(v.allowed) << v.message;
  } else {
    EXPECT_FALSE(v.allowed);
    EXPECT_EQ(v.field, c.field) << v.message;
    EXPECT_NE(v.message.find(c.message), std::string::npos) << v.message;
  }
}

// Usages are given explicitly (serverAuth) except where the row is about
// them, so each row tests one rule.
#define U "    usages: [serverAuth]\n"
INSTANTIATE_TEST_SUITE_P(
    Table, IssuerPolicyTest,
    ::testing::Values(
        // --- DNS names -----------------------------------------------------
        Case{"OwnService", "team-a", "api",
             "    dnsNames: [api.team-a.svc]\n" U, "", ""},
        Case{"OwnServiceClusterLocal", "team-a", "api",
             "    dnsNames: [db.team-a.svc.cluster.local]\n" U, "", ""},
        Case{"OtherNamespacesWildcard", "team-a", "api",
             "    dnsNames: ['*.payments.svc.cluster.local']\n" U, "dnsNames",
             "\"*.payments.svc.cluster.local\" is a wildcard name"},
        Case{"OtherNamespacesService", "team-a", "api",
             "    dnsNames: [payments.payments.svc]\n" U, "dnsNames",
             "spec.keystore.dnsNames[0] \"payments.payments.svc\" is not "
             "allowed"},
        Case{"SuffixIsNotEnough", "a", "api",
             "    dnsNames: [x.team-a.svc]\n" U, "dnsNames",
             "matches no pattern"},
        Case{"ExtraLabelDenied", "team-a", "api",
             "    dnsNames: [a.b.team-a.svc]\n" U, "dnsNames",
             "a.b.team-a.svc"},
        Case{"WildcardWithoutAllowance", "team-a", "api",
             "    dnsNames: ['*.team-a.svc']\n" U, "dnsNames",
             "wildcardDnsNames"},
        Case{"WildcardWithAllowance", "team-a", "api",
             "    dnsNames: ['*.team-a.example.com']\n" U, "", ""},
        Case{"WildcardOfOtherNamespace", "team-a", "api",
             "    dnsNames: ['*.payments.example.com']\n" U, "dnsNames",
             "wildcardDnsNames"},
        Case{"DottedNameUnderNamePattern", "team-a", "api.x",
             "    dnsNames: [api.x.team-a.svc]\n" U, "", ""},
        Case{"NameCannotImpersonate", "team-a", "api.x",
             "    dnsNames: [api.y.team-a.svc.cluster.local]\n" U, "dnsNames",
             "api.y.team-a.svc.cluster.local"},
        Case{"UnlistedDomain", "team-a", "api",
             "    dnsNames: [www.example.org]\n" U, "dnsNames",
             "*.$(namespace).svc"},
        // --- IP addresses --------------------------------------------------
        Case{"IpInRange", "team-a", "api", "    ipAddresses: [10.0.0.7]\n" U,
             "", ""},
        Case{"IpOutOfRange", "team-a", "api", "    ipAddresses: [10.0.1.7]\n" U,
             "ipAddresses", "lies in no range"},
        Case{"Nat64NotInV4Range", "team-a", "api",
             "    ipAddresses: ['64:ff9b::a00:5']\n" U, "ipAddresses",
             "never matches an IPv6"},
        Case{"CompatNotInV4Range", "team-a", "api",
             "    ipAddresses: ['::10.0.0.5']\n" U, "ipAddresses",
             "lies in no range"},
        Case{"V6InRange", "team-a", "api", "    ipAddresses: ['fd00::5']\n" U,
             "", ""},
        Case{"Unspecified", "team-a", "api", "    ipAddresses: [0.0.0.0]\n" U,
             "ipAddresses", "unspecified address"},
        Case{"V6Unspecified", "team-a", "api", "    ipAddresses: ['::']\n" U,
             "ipAddresses", "unspecified address"},
        // --- URIs ----------------------------------------------------------
        Case{"OwnSpiffe", "team-a", "api",
             "    uris: ['spiffe://cluster.local/ns/team-a/sa/api']\n" U, "",
             ""},
        Case{"OtherNamespacesSpiffe", "team-a", "api",
             "    uris: ['spiffe://cluster.local/ns/payments/sa/api']\n" U,
             "uris", "matches no pattern of spec.policy.uris"},
        Case{"DotDotTraversal", "team-a", "api",
             "    uris: "
             "['spiffe://cluster.local/ns/team-a/sa/x/../../payments/sa/"
             "api']\n" U,
             "uris", "\"..\""},
        Case{"EncodedSlash", "team-a", "api",
             "    uris: "
             "['spiffe://cluster.local/ns/team-a/sa/x%2F..%2Fpayments']\n" U,
             "uris", "'%'"},
        Case{"EncodedNamespace", "team-a", "api",
             "    uris: ['spiffe://cluster.local/ns/team%2Da/sa/x']\n" U,
             "uris", "'%'"},
        Case{"ExtraSegment", "team-a", "api",
             "    uris: ['spiffe://cluster.local/ns/team-a/sa/x/y']\n" U,
             "uris", "matches no pattern"},
        Case{"UriWithPort", "team-a", "api",
             "    uris: ['spiffe://cluster.local:8443/ns/team-a/sa/x']\n" U,
             "uris", "':'"},
        // --- Email ---------------------------------------------------------
        Case{"OwnEmail", "team-a", "api",
             "    emailAddresses: [ops@team-a.example.com]\n" U, "", ""},
        Case{"OtherEmail", "team-a", "api",
             "    emailAddresses: [ops@payments.example.com]\n" U,
             "emailAddresses", "matches no pattern"},
        // --- Common name and subject ---------------------------------------
        Case{"OwnCommonName", "team-a", "api",
             "    commonName: api.team-a.svc\n    dnsNames: "
             "[api.team-a.svc]\n" U,
             "", ""},
        Case{"CommonNameOfOtherService", "team-a", "api",
             "    commonName: payments.payments.svc\n"
             "    uris: ['spiffe://cluster.local/ns/team-a/sa/api']\n" U,
             "commonNames", "payments.payments.svc"},
        Case{"PlainCommonName", "team-a", "api",
             "    commonName: 'Lab Client'\n    dnsNames: [api.team-a.svc]\n" U,
             "", ""},
        Case{"CommonNameInjection", "team-a", "api",
             "    commonName: 'api,OU=admins'\n" U, "commonNames",
             "change what a distinguished name means"},
        Case{"CommonNameIpMustPassIpRules", "team-a", "x.y",
             "    commonName: '10.9.9.9'\n    dnsNames: [x.y.team-a.svc]\n" U,
             "ipAddresses",
             "a common name that reads as an IP must pass the IP rules"},
        Case{"CommonNameOutsideList", "team-a", "api",
             "    commonName: 'Admin'\n    dnsNames: [api.team-a.svc]\n" U,
             "commonNames",
             "spec.keystore.commonName \"Admin\" is not allowed"},
        Case{"OrganizationAllowed", "team-a", "api",
             "    dnsNames: [api.team-a.svc]\n    subject: {organizations: "
             "[team-a], countries: "
             "[US]}\n" U,
             "", ""},
        Case{"OrganizationOfOtherTeam", "team-a", "api",
             "    dnsNames: [api.team-a.svc]\n    subject: {organizations: "
             "[payments]}\n" U,
             "subject", "spec.keystore.subject.organizations[0] \"payments\""},
        Case{"OmittedAttributeListMeansEmpty", "team-a", "api",
             "    dnsNames: [api.team-a.svc]\n    subject: "
             "{organizationalUnits: [admins]}\n" U,
             "subject", "spec.policy.subject.organizationalUnits lists none"},
        // --- Usages, duration, keys -----------------------------------------
        Case{"DefaultedUsagesDenied", "team-a", "api",
             "    dnsNames: [api.team-a.svc]\n", "usages",
             "\"clientAuth\" is not allowed"},
        Case{"ClientAuthDenied", "team-a", "api",
             "    dnsNames: [api.team-a.svc]\n    usages: [serverAuth, "
             "clientAuth]\n",
             "usages", "spec.policy.usages allows serverAuth"},
        Case{"DurationEqualToMax", "team-a", "api",
             "    dnsNames: [api.team-a.svc]\n    duration: 2160h\n" U, "", ""},
        Case{"DurationOverMax", "team-a", "api",
             "    dnsNames: [api.team-a.svc]\n    duration: 87600h\n" U,
             "maxDuration", "\"87600h\" exceeds"},
        Case{"AlgorithmNotAllowed", "team-a", "api",
             "    dnsNames: [api.team-a.svc]\n    privateKey: {algorithm: "
             "Ed25519}\n" U,
             "privateKey", "algorithm Ed25519 is not allowed"},
        Case{"RsaTooSmall", "team-a", "api",
             "    dnsNames: [api.team-a.svc]\n    privateKey: {algorithm: RSA, "
             "size: 2048}\n" U,
             "privateKey", "minRSASize: 3072"},
        Case{"RsaBigEnough", "team-a", "api",
             "    dnsNames: [api.team-a.svc]\n    privateKey: {algorithm: RSA, "
             "size: 3072}\n" U,
             "", ""}),
    [](const auto& info) { return std::string(info.param.label); });
#undef U

TEST(IssuerPolicyNamespaceTest, ClusterIssuerWithoutPolicyServesNoNamespace) {
  api::Issuer issuer = MustIssuer("");
  std::map<std::string, std::string> labels{
      {"kubernetes.io/metadata.name", "team-a"}};
  PolicyVerdict v = CheckNamespace(issuer, "team-a", &labels);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.field, "namespaceSelector");
  EXPECT_NE(v.message.find("has no spec.policy.namespaceSelector"),
            std::string::npos);
  // The message says what to add.
  EXPECT_NE(v.message.find("kubernetes.io/metadata.name: team-a"),
            std::string::npos);
  // And nothing is allowed identity-wise either.
  api::CertStore cs =
      MustCertStore("team-a", "api", "    dnsNames: [api.team-a.svc]\n");
  EXPECT_FALSE(CheckCertStore(issuer, cs).allowed);
}

TEST(IssuerPolicyNamespaceTest, SelectorDecides) {
  api::Issuer issuer = MustIssuer(
      "    namespaceSelector:\n      matchLabels: {tier: prod}\n      "
      "matchExpressions:\n"
      "      - {key: kubernetes.io/metadata.name, operator: NotIn, values: "
      "[kube-system]}\n");
  std::map<std::string, std::string> prod{{"tier", "prod"},
                                          {"kubernetes.io/metadata.name", "a"}};
  std::map<std::string, std::string> dev{{"tier", "dev"},
                                         {"kubernetes.io/metadata.name", "b"}};
  std::map<std::string, std::string> sys{
      {"tier", "prod"}, {"kubernetes.io/metadata.name", "kube-system"}};
  EXPECT_TRUE(CheckNamespace(issuer, "a", &prod).allowed);
  PolicyVerdict v = CheckNamespace(issuer, "b", &dev);
  EXPECT_FALSE(v.allowed);
  EXPECT_NE(v.message.find("namespace b is not selected"), std::string::npos)
      << v.message;
  // The selector is the platform team's; the tenant is not shown it.
  EXPECT_EQ(v.message.find("tier"), std::string::npos) << v.message;
  EXPECT_FALSE(CheckNamespace(issuer, "kube-system", &sys).allowed);
  // Unknown namespace (not readable): deny.
  PolicyVerdict unknown = CheckNamespace(issuer, "a", nullptr);
  EXPECT_FALSE(unknown.allowed);
  EXPECT_NE(unknown.message.find("could not be read"), std::string::npos);
}

TEST(IssuerPolicyNamespaceTest, EmptySelectorAllowsEveryNamespace) {
  api::Issuer issuer = MustIssuer("    namespaceSelector: {}\n");
  std::map<std::string, std::string> none;
  EXPECT_TRUE(CheckNamespace(issuer, "anything", &none).allowed);
}

TEST(IssuerPolicyNamespacedTest, CertIssuerWithoutPolicyServesAnyIdentity) {
  api::Issuer issuer = MustIssuer("", api::IssuerKind::kCertIssuer);
  api::CertStore cs =
      MustCertStore("team-a", "api",
                    "    dnsNames: ['*.payments.svc']\n    duration: 87600h\n");
  EXPECT_EQ(EffectivePolicy(issuer), nullptr);
  EXPECT_TRUE(CheckNamespace(issuer, "team-a", nullptr).allowed);
  EXPECT_TRUE(CheckCertStore(issuer, cs).allowed);
}

TEST(IssuerPolicyNamespacedTest, CertIssuerWithPolicyAppliesTheSameRules) {
  api::Issuer issuer = MustIssuer("    dnsNames: ['*.$(namespace).svc']\n",
                                  api::IssuerKind::kCertIssuer);
  api::CertStore own =
      MustCertStore("team-a", "api", "    dnsNames: [api.team-a.svc]\n");
  api::CertStore other =
      MustCertStore("team-a", "api", "    dnsNames: [api.payments.svc]\n");
  EXPECT_TRUE(CheckCertStore(issuer, own).allowed);
  EXPECT_FALSE(CheckCertStore(issuer, other).allowed);
}

TEST(IssuerPolicyKeyTest, TheKeyAboutToBeCertifiedIsChecked) {
  api::Issuer issuer = MustIssuer(kTypicalPolicy);
  auto ec = pki::GenerateKey({pki::KeyAlgorithm::kEcdsa, 256});
  ASSERT_TRUE(ec.ok());
  EXPECT_TRUE(CheckKey(issuer, ec->get()).allowed);
  auto ed = pki::GenerateKey({pki::KeyAlgorithm::kEd25519, 0});
  ASSERT_TRUE(ed.ok());
  PolicyVerdict v = CheckKey(issuer, ed->get());
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.field, "privateKey");
  auto rsa = pki::GenerateKey({pki::KeyAlgorithm::kRsa, 2048});
  ASSERT_TRUE(rsa.ok());
  EXPECT_FALSE(CheckKey(issuer, rsa->get()).allowed);
}

}  // namespace
}  // namespace certstore::engine
