#include "operator/engine/intermediate_policy.h"

#include <algorithm>
#include <cctype>

#include "operator/api/identity_pattern.h"
#include "operator/api/ip_range.h"
#include "operator/common/duration.h"
#include "operator/pki/certificate.h"

namespace certstore::engine {
namespace {

constexpr char kNs[] = "$(namespace)";

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

bool Wild(const std::string& label) {
  return label == "*" || label == "$(name)";
}

// The labels of `labels` with $(namespace) filled in, joined; "" when
// `labels` is empty, holds a wildcard, or lacks $(namespace).
std::string BoundSuffix(const std::vector<std::string>& labels, size_t from,
                        const std::string& ns) {
  std::string out;
  bool bound = false;
  if (from >= labels.size()) return "";
  for (size_t i = from; i < labels.size(); ++i) {
    if (Wild(labels[i])) return "";
    bound = bound || labels[i] == kNs;
    out += (i > from ? "." : "") + (labels[i] == kNs ? ns : labels[i]);
  }
  return bound ? out : "";
}

Status Refuse(const std::string& path, const std::string& pattern,
              const std::string& why) {
  return PermissionDeniedError(path + " \"" + pattern +
                               "\" cannot become a name constraint of an "
                               "intermediate CA: " +
                               why);
}

void AddUnique(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

// `pattern`: the DNS name pattern ("*." dropped from a wildcard entry);
// `shown`: the entry as written, for the message.
Status AddDns(const std::string& path, const std::string& pattern,
              const std::string& shown, const std::string& ns,
              pki::NameConstraints* out) {
  std::vector<std::string> labels = Split(pattern, '.');
  if (!labels.empty() && labels.back() == kNs)
    return Refuse(path, shown,
                  "$(namespace) is its last label, so the subtree would be a "
                  "top-level domain");
  size_t i = 0;
  while (i < labels.size() && Wild(labels[i])) ++i;
  for (size_t j = i; j < labels.size(); ++j)
    if (Wild(labels[j]))
      return Refuse(path, shown,
                    "a name constraint bounds a suffix, and \"" + labels[j] +
                        "\" follows a fixed label");
  std::string suffix = BoundSuffix(labels, i, ns);
  if (suffix.empty())
    return Refuse(path, shown,
                  "its suffix does not hold $(namespace), so the subtree "
                  "would admit other namespaces' names");
  AddUnique(&out->dns, suffix);
  return OkStatus();
}

Status AddHost(const std::string& path, const std::string& pattern,
               const std::string& host, const std::string& ns,
               std::vector<std::string>* out) {
  std::string bound = BoundSuffix(Split(host, '.'), 0, ns);
  if (bound.empty())
    return Refuse(path, pattern,
                  "a URI or email constraint binds only the host, which must "
                  "be fixed and hold $(namespace) (here \"" +
                      host + "\")");
  AddUnique(out, bound);
  return OkStatus();
}

std::string Idx(const std::string& field, size_t i) {
  return "spec.policy." + field + "[" + std::to_string(i) + "]";
}

// The host-like part of every pattern of `pol`, with the field path: DNS
// names (a wildcard's "*." dropped), URI hosts, email domains.
std::vector<std::pair<std::string, std::string>> HostPatterns(
    const api::IssuerPolicy& pol) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < pol.dns_names.size(); ++i)
    out.push_back({Idx("dnsNames", i), pol.dns_names[i]});
  for (size_t i = 0; i < pol.wildcard_dns_names.size(); ++i) {
    const std::string& p = pol.wildcard_dns_names[i];
    out.push_back({Idx("wildcardDnsNames", i),
                   p.compare(0, 2, "*.") == 0 ? p.substr(2) : p});
  }
  for (size_t i = 0; i < pol.uris.size(); ++i) {
    const std::string& p = pol.uris[i];
    size_t scheme = p.find("://");
    if (scheme == std::string::npos) continue;
    size_t end = p.find('/', scheme + 3);
    out.push_back(
        {Idx("uris", i),
         p.substr(scheme + 3, end == std::string::npos ? std::string::npos
                                                       : end - scheme - 3)});
  }
  for (size_t i = 0; i < pol.email_addresses.size(); ++i) {
    const std::string& p = pol.email_addresses[i];
    size_t at = p.rfind('@');
    if (at != std::string::npos)
      out.push_back({Idx("emailAddresses", i), p.substr(at + 1)});
  }
  return out;
}

// The fixed labels right of $(namespace) in `host` ("" when none).
std::vector<std::string> RightOfNamespace(const std::string& host) {
  std::vector<std::string> labels = Split(host, '.');
  auto it = std::find(labels.begin(), labels.end(), kNs);
  if (it == labels.end()) return {};
  return std::vector<std::string>(it + 1, labels.end());
}

// Labels of the cluster's own DNS zones (<svc>.<ns>.svc.cluster.local,
// <ip>.<ns>.pod.cluster.local): a namespace of that name would own a zone.
constexpr const char* kClusterDnsLabels[] = {"svc", "pod", "cluster", "local"};

// Subtrees of one namespace that could hold another namespace's names.
Status CheckOverlaps(const api::IssuerPolicy& pol, const std::string& ns) {
  auto hosts = HostPatterns(pol);
  for (const char* label : kClusterDnsLabels)
    if (ns == label)
      return PermissionDeniedError(
          "namespace " + ns +
          " is named like a label of the cluster's DNS zones (svc, pod, "
          "cluster, local): its subtrees could hold every Service's names, so "
          "it gets no intermediate");
  for (const auto& [path, host] : hosts) {
    std::vector<std::string> labels = Split(host, '.');
    if (std::count(labels.begin(), labels.end(), kNs) > 1)
      return Refuse(path, host,
                    "it holds $(namespace) more than once, so its subtree "
                    "could hold other namespaces' names");
  }
  for (const auto& [path, host] : hosts)
    for (const std::string& label : Split(host, '.'))
      if (label == ns)
        return Refuse(path, host,
                      "namespace " + ns +
                          " has the name of one of its fixed labels, so its "
                          "subtree could hold other namespaces' names");
  for (const auto& [path, host] : hosts) {
    std::vector<std::string> mine = RightOfNamespace(host);
    for (const auto& [other_path, other] : hosts) {
      std::vector<std::string> theirs = RightOfNamespace(other);
      if (other.find(kNs) == std::string::npos || theirs.size() >= mine.size())
        continue;
      if (std::equal(theirs.rbegin(), theirs.rend(), mine.rbegin()))
        return Refuse(path, host,
                      "its fixed labels after $(namespace) end with those of " +
                          other_path + " \"" + other +
                          "\", so a namespace named after one of them would "
                          "have names inside every subtree of this pattern");
    }
  }
  return OkStatus();
}

}  // namespace

std::optional<int> EffectivePathLen(const IntermediateGrant& grant,
                                    X509* parent_cert) {
  int parent = pki::PathLenConstraint(parent_cert);
  if (parent < 1) return grant.path_len;  // none, or 0 (refused anyway)
  if (!grant.path_len || *grant.path_len > parent - 1) return parent - 1;
  return grant.path_len;
}

StatusOr<pki::NameConstraints> DeriveNameConstraints(
    const api::IssuerPolicy& pol, const std::string& ns) {
  pki::NameConstraints out;
  RETURN_IF_ERROR(CheckOverlaps(pol, ns));
  for (size_t i = 0; i < pol.dns_names.size(); ++i)
    RETURN_IF_ERROR(AddDns(Idx("dnsNames", i), pol.dns_names[i],
                           pol.dns_names[i], ns, &out));
  for (size_t i = 0; i < pol.wildcard_dns_names.size(); ++i) {
    const std::string& p = pol.wildcard_dns_names[i];
    std::string rest = p.compare(0, 2, "*.") == 0 ? p.substr(2) : p;
    RETURN_IF_ERROR(AddDns(Idx("wildcardDnsNames", i), rest, p, ns, &out));
  }
  for (size_t i = 0; i < pol.uris.size(); ++i) {
    const std::string& p = pol.uris[i];
    size_t scheme = p.find("://");
    std::string host;
    if (scheme != std::string::npos) {
      size_t end = p.find('/', scheme + 3);
      host = p.substr(scheme + 3, end == std::string::npos ? std::string::npos
                                                           : end - scheme - 3);
    }
    RETURN_IF_ERROR(AddHost(Idx("uris", i), p, host, ns, &out.uri_hosts));
  }
  for (size_t i = 0; i < pol.email_addresses.size(); ++i) {
    const std::string& p = pol.email_addresses[i];
    size_t at = p.rfind('@');
    std::string host = at == std::string::npos ? "" : p.substr(at + 1);
    RETURN_IF_ERROR(
        AddHost(Idx("emailAddresses", i), p, host, ns, &out.email_hosts));
  }
  for (const auto& cidr : pol.ip_addresses) AddUnique(&out.ip_ranges, cidr);
  return out;
}

StatusOr<IntermediateGrant> GrantIntermediate(const api::Issuer& parent,
                                              const api::Issuer& child,
                                              const PolicyVerdict& verdict) {
  const api::IntermediateIssuerSpec& im = *child.spec.intermediate;
  IntermediateGrant grant;
  grant.path_len = im.path_length.value_or(0);
  bool tenant = child.kind == api::IssuerKind::kCertIssuer;
  if (parent.kind == api::IssuerKind::kCertIssuer) {
    if (!tenant || parent.metadata.namespace_ != child.metadata.namespace_)
      return PermissionDeniedError(
          "spec.intermediate.issuerRef: a CertIssuer parents intermediates "
          "only in its own namespace");
    return grant;
  }
  if (!tenant) return grant;
  const std::string name = IssuerDisplayName(parent);
  // Its constraints come from this one policy; under an intermediate
  // ClusterCertIssuer, the root's other issuers' names could overlap them.
  if (parent.spec.intermediate)
    return PermissionDeniedError(
        name +
        " is itself an intermediate; a CertIssuer's intermediate must come "
        "from a root ClusterCertIssuer (ca or selfSigned), whose policy alone "
        "decides the names under its root");
  if (!verdict.allowed) return PermissionDeniedError(verdict.message);
  // The intermediate's own subject is outside its name constraints: it
  // must not read as a host name or IP (a peer falling back to the CN).
  std::string lower = im.common_name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (api::LooksLikeDnsName(lower) || api::CheckRequestIp(lower).empty())
    return PermissionDeniedError(
        "spec.intermediate.commonName \"" + im.common_name +
        "\" reads as a host name or IP address; an intermediate's name must "
        "not (e.g. \"team-a intermediate CA\")");

  const api::IssuerPolicy* pol = EffectivePolicy(parent);
  if (pol == nullptr || !pol->allow_intermediates)
    return PermissionDeniedError(name +
                                 " does not allow intermediate CAs: its " +
                                 "spec.policy.allowIntermediates is not true");
  if (pol->max_duration) {
    auto want = ParseGoDuration(im.duration);
    auto max = ParseGoDuration(*pol->max_duration);
    if (!want.ok() || !max.ok() || *want > *max)
      return PermissionDeniedError(
          "spec.intermediate.duration \"" + im.duration + "\" exceeds " + name +
          "'s spec.policy.maxDuration (" + *pol->max_duration + ")");
  }
  auto nc = DeriveNameConstraints(*pol, child.metadata.namespace_);
  if (!nc.ok())
    return PermissionDeniedError(name + ": " + nc.status().message());
  if (pol->max_duration) {
    auto max = ParseGoDuration(*pol->max_duration);
    if (max.ok()) grant.max_duration = *max;
  }
  grant.path_len = 0;
  grant.name_constraints = std::move(nc).value();
  return grant;
}

}  // namespace certstore::engine
