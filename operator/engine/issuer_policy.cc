// An ordered chain of small checks; the first refusal wins and names the
// field, the requested value and the rule, so the condition message tells a
// tenant exactly what to change (or what to ask the platform team for).
#include "operator/engine/issuer_policy.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "operator/api/identity_pattern.h"
#include "operator/api/ip_range.h"
#include "operator/api/label_selector.h"
#include "operator/common/duration.h"
#include "operator/pki/key.h"

namespace certstore::engine {
namespace {

using api::PatternKind;

PolicyVerdict Deny(const std::string& field, const std::string& message) {
  return PolicyVerdict{false, field, message};
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// At most five patterns, for a message.
std::string ListText(const std::vector<std::string>& v) {
  if (v.empty()) return "none";
  std::string out;
  for (size_t i = 0; i < v.size() && i < 5; ++i) out += (i ? ", " : "") + v[i];
  if (v.size() > 5) out += ", ... (" + std::to_string(v.size()) + " in all)";
  return out;
}

std::string PolicyPath(const std::string& field) {
  return "spec.policy." + field;
}

bool AnyMatch(PatternKind kind, const std::vector<std::string>& patterns,
              const std::string& value, const api::PatternVars& vars) {
  for (const auto& p : patterns)
    if (api::MatchPattern(kind, p, value, vars)) return true;
  return false;
}

// One requested identity against an allow-list.
PolicyVerdict CheckValue(const std::string& issuer, PatternKind kind,
                         const std::string& field, const std::string& path,
                         const std::string& value,
                         const std::vector<std::string>& patterns,
                         const api::PatternVars& vars) {
  std::string bad = api::CheckRequest(kind, value);
  if (!bad.empty())
    return Deny(field, path + " " + Quoted(value) + " " + bad + "; " + issuer +
                           " certifies only well-formed names");
  if (AnyMatch(kind, patterns, value, vars)) return {};
  return Deny(
      field,
      path + " " + Quoted(value) + " is not allowed by " + issuer + ": " +
          (patterns.empty() ? PolicyPath(field) + " lists none"
                            : "it matches no pattern of " + PolicyPath(field) +
                                  " (" + ListText(patterns) + ")") +
          " for namespace " + vars.ns + " and CertStore " + vars.name);
}

PolicyVerdict CheckDnsName(const std::string& issuer,
                           const api::IssuerPolicy& pol,
                           const std::string& path, const std::string& name,
                           const api::PatternVars& vars) {
  bool wildcard = name.compare(0, 2, "*.") == 0;
  if (!wildcard)
    return CheckValue(issuer, PatternKind::kDnsName, "dnsNames", path, name,
                      pol.dns_names, vars);
  if (AnyMatch(PatternKind::kWildcardDnsName, pol.wildcard_dns_names, name,
               vars))
    return {};
  return Deny("dnsNames", path + " " + Quoted(name) +
                              " is a wildcard name, not allowed by " + issuer +
                              ": a wildcard needs an entry of " +
                              PolicyPath("wildcardDnsNames") +
                              " that expands to exactly it (" +
                              ListText(pol.wildcard_dns_names) + ")");
}

PolicyVerdict CheckIp(const std::string& issuer, const api::IssuerPolicy& pol,
                      const std::string& path, const std::string& ip) {
  std::string bad = api::CheckRequestIp(ip);
  if (!bad.empty())
    return Deny("ipAddresses", path + " " + Quoted(ip) + ": " + bad);
  for (const auto& cidr : pol.ip_addresses)
    if (api::CidrContains(cidr, ip)) return {};
  return Deny("ipAddresses",
              path + " " + Quoted(ip) + " is not allowed by " + issuer +
                  ": it lies in no range of " + PolicyPath("ipAddresses") +
                  " (" + ListText(pol.ip_addresses) +
                  "; an IPv4 range never matches an IPv6 address)");
}

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

PolicyVerdict CheckCommonName(const std::string& issuer,
                              const api::IssuerPolicy& pol,
                              const std::string& cn,
                              const api::PatternVars& vars) {
  const std::string path = "spec.keystore.commonName";
  PolicyVerdict v = CheckValue(issuer, PatternKind::kSubjectValue,
                               "commonNames", path, cn, pol.common_names, vars);
  if (!v.allowed) return v;
  // Java compares host names case-insensitively and falls back to the CN.
  std::string lower = Lower(cn);
  if (api::CheckRequestIp(cn).empty()) {
    PolicyVerdict d = CheckIp(issuer, pol, path, cn);
    if (!d.allowed)
      d.message +=
          " (a common name that reads as an IP must pass the IP rules)";
    return d;
  }
  if (api::LooksLikeDnsName(lower)) {
    PolicyVerdict d = CheckDnsName(issuer, pol, path, lower, vars);
    if (!d.allowed)
      d.message +=
          " (a common name that reads as a host name must pass the DNS rules)";
    return d;
  }
  return {};
}

PolicyVerdict CheckSubject(const std::string& issuer,
                           const api::IssuerPolicy& pol, const api::Subject& s,
                           const api::PatternVars& vars) {
  struct Attr {
    const char* name;
    const std::vector<std::string>* requested;
    const std::vector<std::string>* allowed;
  } attrs[] = {
      {"organizations", &s.organizations, &pol.subject.organizations},
      {"organizationalUnits", &s.organizational_units,
       &pol.subject.organizational_units},
      {"countries", &s.countries, &pol.subject.countries},
      {"localities", &s.localities, &pol.subject.localities},
      {"provinces", &s.provinces, &pol.subject.provinces},
  };
  for (const Attr& a : attrs)
    for (size_t i = 0; i < a.requested->size(); ++i) {
      PolicyVerdict v = CheckValue(
          issuer, PatternKind::kSubjectValue, std::string("subject.") + a.name,
          "spec.keystore.subject." + std::string(a.name) + "[" +
              std::to_string(i) + "]",
          (*a.requested)[i], *a.allowed, vars);
      if (!v.allowed) {
        v.field = "subject";
        return v;
      }
    }
  return {};
}

PolicyVerdict CheckKeySpec(const std::string& issuer,
                           const api::PrivateKeyPolicy& kp,
                           const std::string& algorithm, int size,
                           const std::string& what) {
  if (!kp.algorithms.empty() &&
      std::find(kp.algorithms.begin(), kp.algorithms.end(), algorithm) ==
          kp.algorithms.end())
    return Deny("privateKey", what + " algorithm " + algorithm +
                                  " is not allowed by " + issuer + ": " +
                                  PolicyPath("privateKey.algorithms") +
                                  " allows " + ListText(kp.algorithms));
  int min = algorithm == "RSA"     ? kp.min_rsa_size.value_or(2048)
            : algorithm == "ECDSA" ? kp.min_ecdsa_size.value_or(256)
                                   : 0;
  if (size < min)
    return Deny("privateKey",
                what + " " + algorithm + " " + std::to_string(size) +
                    " is smaller than " + issuer + " allows (" +
                    PolicyPath(algorithm == "RSA" ? "privateKey.minRSASize"
                                                  : "privateKey.minECDSASize") +
                    ": " + std::to_string(min) + ")");
  return {};
}

}  // namespace

std::string IssuerDisplayName(const api::Issuer& issuer) {
  std::string kind = api::IssuerKindName(issuer.kind);
  if (issuer.kind == api::IssuerKind::kClusterCertIssuer)
    return kind + " " + issuer.metadata.name;
  return kind + " " + issuer.metadata.namespace_ + "/" + issuer.metadata.name;
}

const api::IssuerPolicy* EffectivePolicy(const api::Issuer& issuer) {
  static const api::IssuerPolicy kNothing;
  if (issuer.spec.policy) return &*issuer.spec.policy;
  return issuer.kind == api::IssuerKind::kClusterCertIssuer ? &kNothing
                                                            : nullptr;
}

PolicyVerdict CheckNamespace(const api::Issuer& issuer, const std::string& ns,
                             const std::map<std::string, std::string>* labels) {
  if (issuer.kind != api::IssuerKind::kClusterCertIssuer) return {};
  std::string name = IssuerDisplayName(issuer);
  const api::IssuerPolicy* pol = EffectivePolicy(issuer);
  if (!pol->namespace_selector)
    return Deny(
        "namespaceSelector",
        name +
            " serves no namespace: it has no spec.policy.namespaceSelector. An "
            "administrator must add one naming the namespaces that may use it "
            "(e.g. spec.policy.namespaceSelector.matchLabels: "
            "{kubernetes.io/metadata.name: " +
            ns +
            "}) and the identities they may request (spec.policy.dnsNames, "
            "...)");
  if (labels == nullptr)
    return Deny("namespaceSelector",
                "namespace " + ns + " could not be read, so " + name +
                    "'s spec.policy.namespaceSelector cannot admit it");
  if (!api::SelectorMatches(*pol->namespace_selector, *labels))
    // The selector itself is the platform team's business, not the tenant's.
    return Deny("namespaceSelector",
                "namespace " + ns + " is not selected by " + name +
                    "'s spec.policy.namespaceSelector: it does not serve "
                    "this namespace");
  return {};
}

PolicyVerdict CheckCertStore(const api::Issuer& issuer,
                             const api::CertStore& cs) {
  const api::IssuerPolicy* pol = EffectivePolicy(issuer);
  if (pol == nullptr || !cs.spec.keystore) return {};
  const api::KeystoreSpec& k = *cs.spec.keystore;
  const std::string name = IssuerDisplayName(issuer);
  api::PatternVars vars{cs.metadata.namespace_, cs.metadata.name};
  auto idx = [](const char* field, size_t i) {
    return std::string("spec.keystore.") + field + "[" + std::to_string(i) +
           "]";
  };
  for (size_t i = 0; i < k.dns_names.size(); ++i) {
    PolicyVerdict v =
        CheckDnsName(name, *pol, idx("dnsNames", i), k.dns_names[i], vars);
    if (!v.allowed) return v;
  }
  for (size_t i = 0; i < k.ip_addresses.size(); ++i) {
    PolicyVerdict v =
        CheckIp(name, *pol, idx("ipAddresses", i), k.ip_addresses[i]);
    if (!v.allowed) return v;
  }
  for (size_t i = 0; i < k.uris.size(); ++i) {
    PolicyVerdict v = CheckValue(name, PatternKind::kUri, "uris",
                                 idx("uris", i), k.uris[i], pol->uris, vars);
    if (!v.allowed) return v;
  }
  for (size_t i = 0; i < k.email_addresses.size(); ++i) {
    PolicyVerdict v = CheckValue(name, PatternKind::kEmail, "emailAddresses",
                                 idx("emailAddresses", i), k.email_addresses[i],
                                 pol->email_addresses, vars);
    if (!v.allowed) return v;
  }
  if (!k.common_name.empty()) {
    PolicyVerdict v = CheckCommonName(name, *pol, k.common_name, vars);
    if (!v.allowed) return v;
  }
  PolicyVerdict subject = CheckSubject(name, *pol, k.subject, vars);
  if (!subject.allowed) return subject;
  if (!pol->usages.empty())
    for (size_t i = 0; i < k.usages.size(); ++i)
      if (std::find(pol->usages.begin(), pol->usages.end(), k.usages[i]) ==
          pol->usages.end())
        return Deny(
            "usages",
            idx("usages", i) + " " + Quoted(k.usages[i]) +
                " is not allowed by " + name + ": " + PolicyPath("usages") +
                " allows " + ListText(pol->usages) +
                " (omitted usages default to serverAuth and clientAuth)");
  if (pol->max_duration) {
    auto want = ParseGoDuration(k.duration);
    auto max = ParseGoDuration(*pol->max_duration);
    if (!want.ok() || !max.ok() || *want > *max)
      return Deny("maxDuration", "spec.keystore.duration " +
                                     Quoted(k.duration) + " exceeds " + name +
                                     "'s " + PolicyPath("maxDuration") + " (" +
                                     *pol->max_duration + ")");
  }
  return CheckKeySpec(name, pol->private_key, k.private_key.algorithm,
                      k.private_key.size.value_or(0),
                      "spec.keystore.privateKey:");
}

PolicyVerdict CheckKey(const api::Issuer& issuer, EVP_PKEY* key) {
  const api::IssuerPolicy* pol = EffectivePolicy(issuer);
  if (pol == nullptr) return {};
  const std::string name = IssuerDisplayName(issuer);
  auto spec = pki::DescribeKey(key);
  if (!spec.ok())
    return Deny("privateKey", "the key to certify is not allowed by " + name +
                                  ": " + spec.status().message());
  if (!pki::RsaExponentIsF4(key))
    return Deny(
        "privateKey",
        "the RSA key to certify has a public exponent other than 65537, "
        "which " +
            name + " does not certify");
  return CheckKeySpec(name, pol->private_key,
                      pki::KeyAlgorithmName(spec->algorithm), spec->size,
                      "the key to certify:");
}

}  // namespace certstore::engine
