// Intermediate issuers: which name constraints a ClusterCertIssuer's policy
// grants a namespace (and which patterns cannot be granted), who may parent
// whom, and ResolveIssuerCa creating and re-issuing an intermediate on the
// injected clock.
#include "operator/pki/intermediate.h"

#include <gtest/gtest.h>

#include "operator/engine/intermediate_policy.h"
#include "operator/engine/issuer_ca.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT
using std::chrono::hours;

api::Issuer MustIssuer(const std::string& yaml) {
  auto is = api::ParseIssuer("apiVersion: certstore.dev/v1alpha1\n" + yaml);
  EXPECT_TRUE(is.ok()) << is.status();
  if (!is.ok()) return {};
  api::ApplyDefaults(&*is);
  EXPECT_TRUE(api::Validate(*is).empty()) << api::Validate(*is).ToStatus();
  return std::move(is).value();
}

api::Issuer ClusterRoot(const std::string& policy) {
  return MustIssuer(
      "kind: ClusterCertIssuer\nmetadata: {name: cluster-root}\nspec:\n"
      "  selfSigned: {secretName: cluster-root, commonName: Cluster Root}\n"
      "  policy:\n    namespaceSelector: {}\n" +
      policy);
}

api::Issuer TeamIntermediate(
    const std::string& parent_kind = "ClusterCertIssuer",
    const std::string& parent = "cluster-root", const std::string& extra = "") {
  api::Issuer is = MustIssuer(
      "kind: CertIssuer\nmetadata: {name: team-ca, namespace: team-a}\n"
      "spec:\n  intermediate:\n"
      "    issuerRef: {kind: " +
      parent_kind + ", name: " + parent +
      "}\n"
      "    secretName: team-ca\n    commonName: team-a intermediate\n" +
      extra);
  is.metadata.uid = "uid-team-ca";
  return is;
}

TEST(DeriveNameConstraints, GrantsOnlyNamespaceBoundSubtrees) {
  api::IssuerPolicy pol;
  pol.dns_names = {"*.$(namespace).svc.cluster.local",
                   "$(name).$(namespace).svc", "db.$(namespace).example.com",
                   "*.$(namespace).svc.cluster.local"};
  pol.wildcard_dns_names = {"*.$(namespace).apps.example.net"};
  pol.ip_addresses = {"10.1.0.0/16"};
  pol.uris = {"spiffe://$(namespace).example.com/sa/*"};
  pol.email_addresses = {"*@$(namespace).example.com"};
  auto nc = DeriveNameConstraints(pol, "team-a");
  ASSERT_TRUE(nc.ok()) << nc.status();
  EXPECT_EQ(nc->dns, (std::vector<std::string>{
                         "team-a.svc.cluster.local", "team-a.svc",
                         "db.team-a.example.com", "team-a.apps.example.net"}));
  EXPECT_EQ(nc->ip_ranges, std::vector<std::string>{"10.1.0.0/16"});
  EXPECT_EQ(nc->uri_hosts, std::vector<std::string>{"team-a.example.com"});
  EXPECT_EQ(nc->email_hosts, std::vector<std::string>{"team-a.example.com"});
  // Nothing allowed: every form closed.
  auto none = DeriveNameConstraints(api::IssuerPolicy{}, "team-a");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->dns.empty() && none->ip_ranges.empty() &&
              none->uri_hosts.empty() && none->email_hosts.empty());
}

TEST(DeriveNameConstraints, RefusesPatternsASubtreeWouldWiden) {
  struct Row {
    const char* field;
    std::string pattern;
    const char* path;
    const char* why;
  } rows[] = {
      {"dns", "*.svc.cluster.local", "spec.policy.dnsNames[0]",
       "does not hold $(namespace)"},
      {"dns", "shared.example.com", "spec.policy.dnsNames[0]",
       "does not hold $(namespace)"},
      {"dns", "api.*.$(namespace).example.com", "spec.policy.dnsNames[0]",
       "follows a fixed label"},
      {"wild", "*.apps.example.com", "spec.policy.wildcardDnsNames[0]",
       "does not hold $(namespace)"},
      {"uri", "spiffe://cluster.local/ns/$(namespace)/sa/*",
       "spec.policy.uris[0]", "binds only the host"},
      {"uri", "spiffe://*.$(namespace).example.com/x", "spec.policy.uris[0]",
       "binds only the host"},
      {"email", "ops@example.com", "spec.policy.emailAddresses[0]",
       "binds only the host"},
      {"dns", "*.$(namespace)", "spec.policy.dnsNames[0]", "top-level domain"},
      // Namespace team-a named like a fixed label: its subtree
      // (team-a.team-a.svc) sits beside every tenant's names.
      {"dns", "*.$(namespace).team-a.svc", "spec.policy.dnsNames[0]",
       "has the name of one of its fixed labels"},
  };
  for (const Row& r : rows) {
    api::IssuerPolicy pol;
    std::string f = r.field;
    (f == "dns"    ? pol.dns_names
     : f == "wild" ? pol.wildcard_dns_names
     : f == "uri"  ? pol.uris
                   : pol.email_addresses) = {r.pattern};
    auto nc = DeriveNameConstraints(pol, "team-a");
    ASSERT_FALSE(nc.ok()) << r.pattern;
    EXPECT_EQ(nc.status().code(), StatusCode::kPermissionDenied);
    EXPECT_NE(nc.status().message().find(std::string(r.path) + " \"" +
                                         r.pattern + "\""),
              std::string::npos)
        << nc.status();
    EXPECT_NE(nc.status().message().find(r.why), std::string::npos)
        << nc.status();
  }
}

// Two patterns whose fixed tails nest: namespace "prod" under the first
// would own prod.example.com, where the second puts every namespace's
// names; such a pattern is refused for every namespace.
TEST(DeriveNameConstraints, RefusesNestedTails) {
  api::IssuerPolicy pol;
  pol.dns_names = {"*.$(namespace).example.com",
                   "*.$(namespace).prod.example.com"};
  auto nc = DeriveNameConstraints(pol, "team-a");
  ASSERT_FALSE(nc.ok());
  EXPECT_NE(nc.status().message().find(
                "spec.policy.dnsNames[1] \"*.$(namespace).prod.example.com\""),
            std::string::npos)
      << nc.status();
  EXPECT_NE(nc.status().message().find("spec.policy.dnsNames[0]"),
            std::string::npos);
  auto prod = DeriveNameConstraints(pol, "prod");
  ASSERT_FALSE(prod.ok());
  // Tails that do not nest are fine.
  pol.dns_names = {"*.$(namespace).svc", "*.$(namespace).svc.cluster.local"};
  EXPECT_TRUE(DeriveNameConstraints(pol, "team-a").ok());
}

TEST(GrantIntermediate, ClusterParentNeedsAllowIntermediatesAndBindsNames) {
  api::Issuer child = TeamIntermediate();
  PolicyVerdict served;
  auto denied = GrantIntermediate(
      ClusterRoot("    dnsNames: ['*.$(namespace).svc']\n"), child, served);
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.status().message().find("allowIntermediates"),
            std::string::npos)
      << denied.status();

  api::Issuer root = ClusterRoot(
      "    allowIntermediates: true\n    dnsNames: ['*.$(namespace).svc']\n");
  auto grant = GrantIntermediate(root, child, served);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_EQ(grant->path_len, 0);
  ASSERT_TRUE(grant->name_constraints);
  EXPECT_EQ(grant->name_constraints->dns,
            std::vector<std::string>{"team-a.svc"});

  // A namespace the parent does not serve.
  PolicyVerdict refused{false, "namespaceSelector",
                        "namespace team-a is not served"};
  auto not_served = GrantIntermediate(root, child, refused);
  ASSERT_FALSE(not_served.ok());
  EXPECT_NE(not_served.status().message().find("not served"),
            std::string::npos);

  // pathLength asked for is ignored under a ClusterCertIssuer.
  api::Issuer deep = TeamIntermediate("ClusterCertIssuer", "cluster-root",
                                      "    pathLength: 3\n");
  auto zero = GrantIntermediate(root, deep, served);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->path_len, 0);

  // Longer than maxDuration.
  api::Issuer capped = ClusterRoot(
      "    allowIntermediates: true\n    maxDuration: 720h\n"
      "    dnsNames: ['*.$(namespace).svc']\n");
  auto too_long = GrantIntermediate(capped, child, served);
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("maxDuration"), std::string::npos);

  // Its own name must not read as a host name or an IP address.
  for (const char* cn : {"api.kube-system.svc", "10.0.0.1", "localhost"}) {
    api::Issuer named = child;
    named.spec.intermediate->common_name = cn;
    auto refused_cn = GrantIntermediate(root, named, served);
    ASSERT_FALSE(refused_cn.ok()) << cn;
    EXPECT_NE(refused_cn.status().message().find("reads as a host name"),
              std::string::npos)
        << refused_cn.status();
  }

  // An unexpressible pattern refuses the intermediate, naming it.
  api::Issuer wide = ClusterRoot(
      "    allowIntermediates: true\n    dnsNames: ['*.svc.cluster.local']\n");
  auto refused_pattern = GrantIntermediate(wide, child, served);
  ASSERT_FALSE(refused_pattern.ok());
  EXPECT_NE(refused_pattern.status().message().find("*.svc.cluster.local"),
            std::string::npos);
}

TEST(GrantIntermediate, CertIssuerParentsOnlyInItsNamespace) {
  api::Issuer own = MustIssuer(
      "kind: CertIssuer\nmetadata: {name: team-root, namespace: team-a}\n"
      "spec:\n  selfSigned: {secretName: team-root, commonName: Team Root}\n");
  api::Issuer child =
      TeamIntermediate("CertIssuer", "team-root", "    pathLength: 1\n");
  auto grant = GrantIntermediate(own, child, {});
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_EQ(grant->path_len, 1);
  EXPECT_FALSE(grant->name_constraints);
  api::Issuer other = own;
  other.metadata.namespace_ = "team-b";
  EXPECT_FALSE(GrantIntermediate(other, child, {}).ok());
}

// The issuer reconcile's view: parent CA and grant given.
struct Reconcile {
  FakeClock clock{TestNow()};
  pki::CaMaterial root = MustRoot(clock);
  IntermediateGrant grant;
  MapObjectSource objects;
  api::Issuer child =
      TeamIntermediate("ClusterCertIssuer", "cluster-root",
                       "    duration: 10h\n    renewBefore: 2h\n");

  Reconcile() {
    grant.path_len = 0;
    grant.name_constraints.emplace();
    grant.name_constraints->dns = {"team-a.svc"};
  }
  StatusOr<IssuerCa> Resolve(const std::string& recorded,
                             const pki::CaMaterial* parent = nullptr) {
    CaResolveOptions o;
    o.allow_create = true;
    o.allow_renew = true;
    o.parent = parent ? parent : &root;
    o.grant = &grant;
    o.recorded_fingerprint = recorded;
    return ResolveIssuerCa(child, "team-a", objects, clock, o);
  }
  // Creates the intermediate and stores its Secret; returns its fingerprint.
  std::string Create() {
    auto made = Resolve("");
    EXPECT_TRUE(made.ok() && made->created_secret) << made.status();
    objects.PutSecret(*made->created_secret);
    return pki::FingerprintSha256(made->ca.cert.get());
  }
  void Apply(const RenewedRoot& r) {
    api::SecretObject s = *objects.GetSecret("team-a", "team-ca");
    for (const auto& [k, v] : r.secret.data) s.data[k] = v;
    objects.PutSecret(s);
  }
};

TEST(ResolveIntermediate, CreatesAChainToItsParentWithTheGrant) {
  Reconcile r;
  auto made = r.Resolve("");
  ASSERT_TRUE(made.ok()) << made.status();
  ASSERT_TRUE(made->created_secret);
  const api::SecretObject& s = *made->created_secret;
  auto chain = pki::ParseCertificatesPem(s.data.at("tls.crt"));
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_TRUE(pki::SameCertificate((*chain)[1].get(), r.root.cert.get()));
  EXPECT_EQ(s.data.at("ca.crt"), pki::EncodeCertificatePem(r.root.cert.get()));
  EXPECT_EQ(pki::PathLenConstraint(made->ca.cert.get()), 0);
  EXPECT_EQ(pki::NameConstraintsDer(made->ca.cert.get()),
            *pki::EncodeNameConstraints(*r.grant.name_constraints));
  EXPECT_EQ(s.metadata.annotations.at(kIssuerUidAnnotation), "uid-team-ca");
  ASSERT_TRUE(made->renewal_time);
  // 10h lifetime, renewBefore 2h: due 8h after issuance (+ skew backdate).
  EXPECT_LE(*made->renewal_time, TestNow() + hours(8));
  EXPECT_GT(*made->renewal_time, TestNow() + hours(7));
}

TEST(ResolveIntermediate, ReissuedWhenDueParentChangedOrPolicyChanged) {
  Reconcile r;
  std::string fp = r.Create();
  // Nothing to do: loaded as it is.
  auto same = r.Resolve(fp);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_FALSE(same->renewed);
  EXPECT_EQ(pki::FingerprintSha256(same->ca.cert.get()), fp);

  // The policy changed: new constraints, new certificate (and key).
  r.grant.name_constraints->dns = {"team-a.svc", "team-a.example.com"};
  auto policy = r.Resolve(fp);
  ASSERT_TRUE(policy.ok() && policy->renewed) << policy.status();
  EXPECT_NE(policy->renewed->why.find("policy changed"), std::string::npos);
  EXPECT_EQ(pki::NameConstraintsDer(policy->ca.cert.get()),
            *pki::EncodeNameConstraints(*r.grant.name_constraints));
  r.Apply(*policy->renewed);
  fp = pki::FingerprintSha256(policy->ca.cert.get());

  // Renewal time: re-issued with a new key, same root.
  r.clock.Advance(hours(8));
  auto due = r.Resolve(fp);
  ASSERT_TRUE(due.ok() && due->renewed) << due.status();
  EXPECT_EQ(due->renewed->why, "its renewal time came");
  EXPECT_EQ(due->renewed->secret.data.at("ca.crt"),
            pki::EncodeCertificatePem(r.root.cert.get()));
  r.Apply(*due->renewed);
  fp = pki::FingerprintSha256(due->ca.cert.get());

  // The parent's CA changed (a new root): re-issued under it; ca.crt holds
  // the new root and, while the rotation runs, the old one.
  pki::CaMaterial new_root = MustRoot(r.clock, "New Root");
  auto moved = r.Resolve(fp, &new_root);
  ASSERT_TRUE(moved.ok() && moved->renewed) << moved.status();
  EXPECT_EQ(moved->renewed->why, "its parent's CA changed");
  EXPECT_EQ(moved->ca.Root(), new_root.cert.get());
  EXPECT_EQ(moved->renewed->secret.data.at("ca.crt"),
            pki::EncodeCertificatePem(new_root.cert.get()) +
                pki::EncodeCertificatePem(r.root.cert.get()));

  // A CA the status does not record (not the one it made): never
  // replaced, never used.
  auto stale_status = r.Resolve("someone-else", &new_root);
  ASSERT_FALSE(stale_status.ok());
  EXPECT_NE(stale_status.status().message().find("does not record"),
            std::string::npos)
      << stale_status.status();
}

TEST(ResolveIntermediate, NeverReplacesASecretItDoesNotOwn) {
  Reconcile r;
  std::string fp = r.Create();
  api::SecretObject s = *r.objects.GetSecret("team-a", "team-ca");
  s.metadata.annotations.erase(kIssuerUidAnnotation);
  r.objects.PutSecret(s);
  r.grant.name_constraints->dns = {"elsewhere.team-a.svc"};
  // Its constraints are wider than the policy now and it cannot be
  // replaced: not used at all (the issuer reports PolicyDenied).
  auto blocked = r.Resolve(fp);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(blocked.status().message().find("policy changed"),
            std::string::npos);
  EXPECT_NE(blocked.status().message().find("does not carry this issuer's UID"),
            std::string::npos)
      << blocked.status();
}

TEST(ResolveIntermediate, AKeyThePolicyRefusesIsNeverCertified) {
  Reconcile r;
  CaResolveOptions o;
  o.allow_create = true;
  o.parent = &r.root;
  o.grant = &r.grant;
  o.authorize_key = [](EVP_PKEY*) {
    return PermissionDeniedError("ECDSA P-384 is not allowed");
  };
  auto made = ResolveIssuerCa(r.child, "team-a", r.objects, r.clock, o);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace certstore::engine

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

// A Secret that already exists under the intermediate's name and holds a
// CA its parent did not sign (a tenant's own, say) is never used as the
// intermediate, even with the issuer's UID on it.
TEST(ResolveIntermediate, AForeignCaInItsSecretIsRefused) {
  Reconcile r;
  pki::CaMaterial own = MustRoot(r.clock, "Tenant's Own Root");
  api::SecretObject s = CaSecret("team-ca", own);
  s.metadata.namespace_ = "team-a";
  s.metadata.annotations[kIssuerUidAnnotation] = "uid-team-ca";
  r.objects.PutSecret(s);
  auto got = r.Resolve("");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(got.status().message().find("its parent's CA changed"),
            std::string::npos)
      << got.status();
  EXPECT_NE(got.status().message().find("delete that Secret"),
            std::string::npos)
      << got.status();
}

}  // namespace
}  // namespace certstore::engine

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT
using std::chrono::hours;

TEST(DeriveNameConstraints, RefusesClusterZoneNamespacesAndRepeatedNamespace) {
  api::IssuerPolicy pol;
  pol.dns_names = {"*.$(namespace).cluster.local"};
  for (const char* ns : {"svc", "pod", "cluster", "local"}) {
    auto nc = DeriveNameConstraints(pol, ns);
    ASSERT_FALSE(nc.ok()) << ns;
    EXPECT_NE(nc.status().message().find("cluster's DNS zones"),
              std::string::npos)
        << nc.status();
  }
  EXPECT_TRUE(DeriveNameConstraints(pol, "team-a").ok());
  pol.dns_names = {"*.$(namespace).$(namespace).example.com"};
  auto twice = DeriveNameConstraints(pol, "team-a");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("more than once"), std::string::npos);
}

TEST(GrantIntermediate, ATenantsIntermediateComesFromARootClusterIssuer) {
  api::Issuer mid = MustIssuer(
      "kind: ClusterCertIssuer\nmetadata: {name: platform-int}\nspec:\n"
      "  intermediate: {issuerRef: {kind: ClusterCertIssuer, name: root},"
      " secretName: platform-int, commonName: Platform Int, pathLength: 1}\n"
      "  policy:\n    namespaceSelector: {}\n    allowIntermediates: true\n"
      "    dnsNames: ['*.$(namespace).svc']\n");
  auto grant = GrantIntermediate(
      mid, TeamIntermediate("ClusterCertIssuer", "platform-int"), {});
  ASSERT_FALSE(grant.ok());
  EXPECT_NE(grant.status().message().find("is itself an intermediate"),
            std::string::npos)
      << grant.status();
  // A CN in capitals is still a host name.
  api::Issuer root = ClusterRoot(
      "    allowIntermediates: true\n    dnsNames: ['*.$(namespace).svc']\n");
  api::Issuer shouting = TeamIntermediate();
  shouting.spec.intermediate->common_name = "API.Kube-System.svc";
  EXPECT_FALSE(GrantIntermediate(root, shouting, {}).ok());
}

// An intermediate cut off at its parent's notAfter is not renewed by time
// (a new one could live no longer and would be due at once): the parent's
// renewal re-issues it.
TEST(ResolveIntermediate, NotRenewedByTimeWhenItEndsWithItsParent) {
  Reconcile r;
  pki::EvpPkeyPtr key = MustKey();
  pki::RootSpec rs;
  rs.subject.common_name = "Short Root";
  rs.duration = hours(9);  // ends before the intermediate's 10h
  auto short_root = pki::CreateSelfSignedCa(rs, key.get(), r.clock);
  ASSERT_TRUE(short_root.ok());
  auto made = r.Resolve("", &*short_root);
  ASSERT_TRUE(made.ok() && made->created_secret) << made.status();
  EXPECT_EQ(pki::NotAfter(made->ca.cert.get()),
            pki::NotAfter(short_root->cert.get()));
  r.objects.PutSecret(*made->created_secret);
  std::string fp = pki::FingerprintSha256(made->ca.cert.get());
  r.clock.Advance(hours(8) + std::chrono::minutes(50));  // past 2/3 of it
  for (int i = 0; i < 3; ++i) {
    auto again = r.Resolve(fp, &*short_root);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_FALSE(again->renewed) << "pass " << i;
  }
}

// During a CA rotation (no re-issue), a CA in its Secret that its parent did
// not sign and that the status does not record is refused.
TEST(ResolveIntermediate, AForeignCaIsRefusedDuringARotationToo) {
  Reconcile r;
  std::string fp = r.Create();
  pki::CaMaterial own = MustRoot(r.clock, "Swapped In");
  api::SecretObject s = CaSecret("team-ca", own, "team-a");
  s.metadata.annotations[kIssuerUidAnnotation] = "uid-team-ca";
  r.objects.PutSecret(s);
  CaResolveOptions o;
  o.parent = &r.root;
  o.grant = &r.grant;
  o.recorded_fingerprint = fp;  // allow_renew false: a rotation runs
  auto got = ResolveIssuerCa(r.child, "team-a", r.objects, r.clock, o);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("did not make"), std::string::npos)
      << got.status();
}

}  // namespace
}  // namespace certstore::engine
