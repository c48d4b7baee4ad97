#include "operator/api/validate.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <regex>
#include <set>

#include "operator/api/identity_pattern.h"
#include "operator/api/ip_range.h"
#include "operator/api/label_selector.h"
#include "operator/common/duration.h"

namespace certstore::api {
namespace {

const std::regex& DnsSubdomainRe() {
  static const std::regex re(
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  return re;
}
const std::regex& SanDnsRe() {
  static const std::regex re(
      "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?"
      ")*$");
  return re;
}
const std::regex& AliasRe() {
  static const std::regex re("^[a-z0-9][a-z0-9._-]*$");
  return re;
}
const std::regex& DataKeyRe() {
  static const std::regex re("^[-._a-zA-Z0-9]+$");
  return re;
}
// A label or annotation key: an optional DNS-subdomain prefix and "/", then
// a name of at most 63 characters (the same regex as the CRD's CEL rule).
const std::regex& QualifiedNameRe() {
  static const std::regex re(
      "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
      "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");
  return re;
}
const std::regex& LabelValueRe() {
  static const std::regex re(
      "^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$");
  return re;
}
const std::regex& UriRe() {
  static const std::regex re("^[a-zA-Z][a-zA-Z0-9+.-]*:.+$");
  return re;
}
const std::regex& EmailRe() {
  static const std::regex re("^[^@\\s]+@[^@\\s]+$");
  return re;
}
const std::regex& CountryRe() {
  static const std::regex re("^[A-Z]{2}$");
  return re;
}
const std::regex& DurationRe() {
  static const std::regex re(
      "^([0-9]+(\\.[0-9]+)?(ns|us|\xC2\xB5s|ms|s|m|h))+$");
  return re;
}

std::string Idx(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}
std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

void CheckName(FieldErrors& e, const std::string& path, const std::string& v,
               bool required = true) {
  if (v.empty()) {
    if (required) e.Add(path, "Required value");
    return;
  }
  if (v.size() > 253 || !IsDnsSubdomain(v))
    e.Add(path,
          "must be a DNS-1123 subdomain (lower-case letters, digits, "
          "'-' and '.'), got " +
              Quoted(v));
}

void CheckKey(FieldErrors& e, const std::string& path, const std::string& v) {
  if (v.size() > 253 || !std::regex_match(v, DataKeyRe()))
    e.Add(path,
          "must consist of letters, digits, '-', '_' or '.', got " + Quoted(v));
}

void CheckEnum(FieldErrors& e, const std::string& path, const std::string& v,
               const std::vector<std::string>& allowed) {
  for (const auto& a : allowed)
    if (v == a) return;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + Quoted(a);
  e.Add(path,
        "Unsupported value: " + Quoted(v) + ": supported values: " + list);
}

void CheckSet(FieldErrors& e, const std::string& path,
              const std::vector<std::string>& v,
              const std::vector<std::string>& allowed, size_t min_items,
              size_t max_items) {
  if (v.size() < min_items)
    e.Add(path, "must have at least " + std::to_string(min_items) + " item");
  if (v.size() > max_items)
    e.Add(path, "must have at most " + std::to_string(max_items) + " items");
  std::set<std::string> seen;
  for (size_t i = 0; i < v.size(); ++i) {
    CheckEnum(e, Idx(path, i), v[i], allowed);
    if (!seen.insert(v[i]).second)
      e.Add(Idx(path, i), "Duplicate value: " + Quoted(v[i]));
  }
}

void CheckList(FieldErrors& e, const std::string& path,
               const std::vector<std::string>& v, size_t max_items,
               size_t max_len, bool (*ok)(const std::string&),
               const std::string& what) {
  if (v.size() > max_items)
    e.Add(path, "must have at most " + std::to_string(max_items) + " items");
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i].size() > max_len)
      e.Add(Idx(path, i),
            "must be at most " + std::to_string(max_len) + " characters");
    else if (!ok(v[i]))
      e.Add(Idx(path, i), "must be " + what + ", got " + Quoted(v[i]));
  }
}

void CheckSubject(FieldErrors& e, const std::string& path, const Subject& s) {
  auto any = [](const std::string& x) { return !x.empty(); };
  struct {
    const char* name;
    const std::vector<std::string>* v;
  } lists[] = {{"organizations", &s.organizations},
               {"organizationalUnits", &s.organizational_units},
               {"localities", &s.localities},
               {"provinces", &s.provinces}};
  for (const auto& l : lists)
    CheckList(
        e, path + "." + l.name, *l.v, 10, 64,
        +[](const std::string& x) { return !x.empty(); }, "non-empty");
  (void)any;
  CheckList(
      e, path + ".countries", s.countries, 10, 2,
      +[](const std::string& x) { return std::regex_match(x, CountryRe()); },
      "a two-letter upper-case country code");
}

// Parses a duration that must match the schema pattern; returns seconds or -1.
int64_t CheckDuration(FieldErrors& e, const std::string& path,
                      const std::string& v, bool min_one_hour) {
  if (v.size() > 64 || !std::regex_match(v, DurationRe())) {
    e.Add(path, "must be a duration such as 2160h or 90m, got " + Quoted(v));
    return -1;
  }
  auto d = ParseGoDuration(v);
  if (!d.ok() || d->count() > 2562047LL * 3600) {
    e.Add(path, "duration " + Quoted(v) + " is out of range");
    return -1;
  }
  if (min_one_hour && d->count() < 3600) {
    e.Add(path, "must be at least 1h, got " + Quoted(v));
    return -1;
  }
  return d->count();
}

void CheckPrivateKey(FieldErrors& e, const std::string& path,
                     const PrivateKey& k, bool with_rotation) {
  CheckEnum(e, path + ".algorithm", k.algorithm, {"RSA", "ECDSA", "Ed25519"});
  int size = k.size.value_or(0);
  if (k.algorithm == "RSA" && size != 2048 && size != 3072 && size != 4096)
    e.Add(path + ".size",
          "must be 2048, 3072 or 4096 for RSA, got " + std::to_string(size));
  if (k.algorithm == "ECDSA" && size != 256 && size != 384)
    e.Add(path + ".size",
          "must be 256 or 384 for ECDSA, got " + std::to_string(size));
  if (k.algorithm == "Ed25519" && size != 0)
    e.Add(path + ".size",
          "must be omitted (or 0) for Ed25519, got " + std::to_string(size));
  if (with_rotation)
    CheckEnum(e, path + ".rotationPolicy", k.rotation_policy,
              {"Always", "Never"});
}

void CheckKeystore(FieldErrors& e, const std::string& p,
                   const KeystoreSpec& k) {
  if (k.alias.size() > 64 || !std::regex_match(k.alias, AliasRe()))
    e.Add(p + ".alias",
          "must be lower-case letters, digits, '.', '_' or '-' "
          "(Java lower-cases JKS aliases), got " +
              Quoted(k.alias));
  if (k.common_name.size() > 64)
    e.Add(p + ".commonName", "must be at most 64 characters");
  CheckSubject(e, p + ".subject", k.subject);
  CheckList(e, p + ".dnsNames", k.dns_names, 100, 253, &IsSanDnsName,
            "a lower-case DNS name (a wildcard only as the first label)");
  CheckList(e, p + ".ipAddresses", k.ip_addresses, 100, 45, &IsIpAddress,
            "an IPv4 or IPv6 address");
  CheckList(
      e, p + ".uris", k.uris, 100, 2048,
      +[](const std::string& x) { return std::regex_match(x, UriRe()); },
      "an absolute URI with a scheme");
  CheckList(
      e, p + ".emailAddresses", k.email_addresses, 100, 254,
      +[](const std::string& x) { return std::regex_match(x, EmailRe()); },
      "an email address");
  if (k.common_name.empty() && k.dns_names.empty() && k.ip_addresses.empty() &&
      k.uris.empty() && k.email_addresses.empty())
    e.Add(p, "keystore needs a commonName or at least one SAN");
  CheckSet(e, p + ".usages", k.usages, {"serverAuth", "clientAuth"}, 1, 2);
  CheckPrivateKey(e, p + ".privateKey", k.private_key, true);
  int64_t dur = CheckDuration(e, p + ".duration", k.duration, true);
  if (k.renew_before && k.renew_before_percentage)
    e.Add(p + ".renewBeforePercentage",
          "renewBefore and renewBeforePercentage are mutually exclusive");
  if (k.renew_before) {
    int64_t rb = CheckDuration(e, p + ".renewBefore", *k.renew_before, false);
    if (rb >= 0 && dur >= 0 && rb >= dur)
      e.Add(p + ".renewBefore",
            "must be less than duration (" + k.duration + ")");
  }
  if (k.renew_before_percentage &&
      (*k.renew_before_percentage < 1 || *k.renew_before_percentage > 99))
    e.Add(p + ".renewBeforePercentage",
          "must be between 1 and 99, got " +
              std::to_string(*k.renew_before_percentage));
}

void CheckTruststorePassword(FieldErrors& e, const std::string& p,
                             const TruststoreSpec& t) {
  const TruststorePassword& pw = *t.password;
  if (t.secret_name.empty())
    e.Add(p,
          "needs spec.truststore.secretName: in the main Secret the "
          "truststore shares the keystore's password (spec.password)");
  if (pw.secret_key_ref.has_value() == pw.value.has_value())
    e.Add(p, "exactly one of secretKeyRef, value must be set");
  if (pw.secret_key_ref) {
    CheckName(e, p + ".secretKeyRef.name", pw.secret_key_ref->name);
    CheckKey(e, p + ".secretKeyRef.key", pw.secret_key_ref->key);
  }
  if (pw.value && (pw.value->empty() || pw.value->size() > 128))
    e.Add(p + ".value", "must be 1 to 128 characters");
}

void CheckInlinePem(FieldErrors& e, const std::string& path,
                    const std::string& pem) {
  if (pem.size() > 1048576)
    e.Add(path, "must be at most 1 MiB");
  else if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    e.Add(path, "must contain PEM certificates (-----BEGIN CERTIFICATE-----)");
}

void CheckTruststore(FieldErrors& e, const std::string& p,
                     const TruststoreSpec& t, const std::string& secret_name) {
  CheckName(e, p + ".secretName", t.secret_name, false);
  if (!t.secret_name.empty() && t.secret_name == secret_name)
    e.Add(p + ".secretName",
          "spec.truststore.secretName must differ from "
          "spec.secretName");
  if (t.password) CheckTruststorePassword(e, p + ".password", t);
  if (t.sources.empty()) e.Add(p + ".sources", "must have at least 1 item");
  if (t.sources.size() > 50)
    e.Add(p + ".sources", "must have at most 50 items");
  for (size_t i = 0; i < t.sources.size(); ++i) {
    const TrustSource& s = t.sources[i];
    std::string sp = Idx(p + ".sources", i);
    switch (s.type) {
      case TrustSource::Type::kSecret:
      case TrustSource::Type::kConfigMap: {
        std::string kp = sp + "." + TrustSourceTypeName(s.type);
        CheckName(e, kp + ".name", s.name);
        CheckKey(e, kp + ".key", s.key);
        break;
      }
      case TrustSource::Type::kInline:
        CheckInlinePem(e, sp + ".inline", s.inline_pem);
        break;
      case TrustSource::Type::kTrustBundle:
        CheckName(e, sp + ".trustBundle.name", s.name);
        break;
      default:
        break;
    }
  }
}

void CheckRenewal(FieldErrors& e, const CertStoreSpec& s) {
  const RenewalSpec& r = *s.renewal;
  const std::string p = "spec.renewal";
  if (!s.keystore)
    e.Add(p, "schedules the keystore's renewals: it requires spec.keystore");
  if (r.windows.size() > 10)
    e.Add(p + ".windows", "must have at most 10 items");
  static const std::regex kStart("([01][0-9]|2[0-3]):[0-5][0-9]");
  for (size_t i = 0; i < r.windows.size() && i < 10; ++i) {
    const RenewalWindow& w = r.windows[i];
    std::string wp = p + ".windows[" + std::to_string(i) + "]";
    if (w.start.size() > 5 || !std::regex_match(w.start, kStart))
      e.Add(wp + ".start", "must be a UTC time HH:MM such as 02:30, got " +
                               Quoted(w.start.substr(0, 16)));
    int64_t d = CheckDuration(e, wp + ".duration", w.duration, false);
    if (d >= 0 && (d < 60 || d > 24 * 3600))
      e.Add(wp + ".duration",
            "must be between 1m and 24h, got " + Quoted(w.duration));
    CheckSet(e, wp + ".days", w.days,
             {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}, 0, 7);
  }
  if (r.urgent_before) {
    int64_t u = CheckDuration(e, p + ".urgentBefore", *r.urgent_before, false);
    if (u >= 0 && u < 60)
      e.Add(p + ".urgentBefore",
            "must be at least 1m, got " + Quoted(*r.urgent_before));
    // Urgent from the renewal time on: the windows would never apply.
    auto rb = s.keystore && s.keystore->renew_before
                  ? ParseGoDuration(*s.keystore->renew_before)
                  : StatusOr<std::chrono::seconds>(NotFoundError(""));
    if (u >= 0 && rb.ok() && u >= rb->count())
      e.Add(p + ".urgentBefore",
            "must be less than spec.keystore.renewBefore (" +
                *s.keystore->renew_before +
                "), or every renewal is urgent and no window applies");
  }
}

void CheckCaCertificate(FieldErrors& e, const std::string& p,
                        const CaCertificateSpec& s) {
  CheckName(e, p + ".secretName", s.secret_name);
  if (s.common_name.empty())
    e.Add(p + ".commonName", "Required value");
  else if (s.common_name.size() > 64)
    e.Add(p + ".commonName", "must be at most 64 characters");
  CheckSubject(e, p + ".subject", s.subject);
  CheckPrivateKey(e, p + ".privateKey", s.private_key, false);
  int64_t dur = CheckDuration(e, p + ".duration", s.duration, true);
  if (s.renew_before) {
    int64_t rb = CheckDuration(e, p + ".renewBefore", *s.renew_before, false);
    if (rb >= 0 && rb < 300)
      e.Add(p + ".renewBefore",
            "must be at least 5m (a CA rotation needs time to distribute the "
            "new CA before the old one expires), got " +
                Quoted(*s.renew_before));
    else if (rb >= 0 && dur >= 0 && rb >= dur)
      e.Add(p + ".renewBefore",
            "must be less than duration (" + s.duration + ")");
  }
}

void CheckPatterns(FieldErrors& e, const std::string& path,
                   const std::vector<std::string>& v, PatternKind kind) {
  if (v.size() > 100) e.Add(path, "must have at most 100 items");
  for (size_t i = 0; i < v.size(); ++i) {
    std::string problem = CheckPattern(kind, v[i]);
    if (!problem.empty()) e.Add(Idx(path, i), problem);
  }
}

void CheckPolicy(FieldErrors& e, const std::string& p, const IssuerPolicy& pol,
                 IssuerKind kind) {
  if (pol.namespace_selector) {
    if (kind == IssuerKind::kCertIssuer)
      e.Add(p + ".namespaceSelector",
            "only a ClusterCertIssuer has a namespaceSelector (a CertIssuer "
            "serves its own "
            "namespace)");
    CheckLabelSelector(*pol.namespace_selector, p + ".namespaceSelector", &e);
  }
  CheckPatterns(e, p + ".dnsNames", pol.dns_names, PatternKind::kDnsName);
  CheckPatterns(e, p + ".wildcardDnsNames", pol.wildcard_dns_names,
                PatternKind::kWildcardDnsName);
  CheckPatterns(e, p + ".uris", pol.uris, PatternKind::kUri);
  CheckPatterns(e, p + ".emailAddresses", pol.email_addresses,
                PatternKind::kEmail);
  const SubjectPolicy& sp = pol.subject;
  const struct {
    const char* field;
    const std::vector<std::string>* patterns;
  } subject_values[] = {
      {"commonNames", &pol.common_names},
      {"subject.organizations", &sp.organizations},
      {"subject.organizationalUnits", &sp.organizational_units},
      {"subject.countries", &sp.countries},
      {"subject.localities", &sp.localities},
      {"subject.provinces", &sp.provinces}};
  for (const auto& v : subject_values)
    CheckPatterns(e, p + "." + v.field, *v.patterns,
                  PatternKind::kSubjectValue);
  if (pol.ip_addresses.size() > 100)
    e.Add(p + ".ipAddresses", "must have at most 100 items");
  for (size_t i = 0; i < pol.ip_addresses.size(); ++i) {
    std::string problem = CheckCidr(pol.ip_addresses[i]);
    if (!problem.empty()) e.Add(Idx(p + ".ipAddresses", i), problem);
  }
  if (pol.max_duration)
    CheckDuration(e, p + ".maxDuration", *pol.max_duration, true);
  CheckSet(e, p + ".usages", pol.usages, {"serverAuth", "clientAuth"}, 0, 2);
  CheckSet(e, p + ".privateKey.algorithms", pol.private_key.algorithms,
           {"RSA", "ECDSA", "Ed25519"}, 0, 3);
  if (pol.private_key.min_rsa_size && *pol.private_key.min_rsa_size != 2048 &&
      *pol.private_key.min_rsa_size != 3072 &&
      *pol.private_key.min_rsa_size != 4096)
    e.Add(p + ".privateKey.minRSASize", "must be 2048, 3072 or 4096");
  if (pol.private_key.min_ecdsa_size &&
      *pol.private_key.min_ecdsa_size != 256 &&
      *pol.private_key.min_ecdsa_size != 384)
    e.Add(p + ".privateKey.minECDSASize", "must be 256 or 384");
}

void CheckTemplateMap(FieldErrors& e, const std::string& p,
                      const std::map<std::string, std::string>& m,
                      bool labels) {
  if (m.size() > 64) e.Add(p, "must have at most 64 entries");
  size_t bytes = 0;
  for (const auto& [k, v] : m) {
    bytes += k.size() + v.size();
    if (k.size() > 317 || !std::regex_match(k, QualifiedNameRe()))
      e.Add(p, Quoted(k) +
                   " is not a valid key (an optional DNS-subdomain prefix and "
                   "'/', then at most 63 letters, digits, '-', '_' or '.')");
    else if (k.rfind("certstore.dev/", 0) == 0)
      e.Add(p,
            Quoted(k) + ": keys under certstore.dev/ are the operator's own");
    else if (k == "kubectl.kubernetes.io/last-applied-configuration")
      e.Add(p, Quoted(k) +
                   ": kubectl.kubernetes.io/last-applied-configuration is "
                   "kubectl's own");
    if (labels && !std::regex_match(v, LabelValueRe()))
      e.Add(p + "." + k,
            "must be at most 63 letters, digits, '-', '_' or '.', beginning "
            "and ending with a letter or digit");
  }
  if (!labels && bytes > 65536) e.Add(p, "must be at most 64 KiB in all");
}

void CheckSecretShape(FieldErrors& e, const CertStoreSpec& s) {
  bool pem =
      std::find(s.formats.begin(), s.formats.end(), "PEM") != s.formats.end();
  CheckEnum(e, "spec.secretType", s.secret_type,
            {kSecretTypeOpaque, kSecretTypeTls});
  if (s.secret_type == kSecretTypeTls && (!s.keystore || !pem))
    e.Add("spec.secretType",
          "kubernetes.io/tls needs tls.crt and tls.key in the Secret: it "
          "requires spec.keystore and PEM in spec.formats");
  CheckSet(e, "spec.additionalFormats", s.additional_formats,
           {"CombinedPEM", "DER"}, 0, 2);
  if (!s.additional_formats.empty() && !s.keystore)
    e.Add("spec.additionalFormats",
          "CombinedPEM and DER hold the keystore's key and certificate: they "
          "require spec.keystore");
  if (s.export_spec) {
    CheckName(e, "spec.export.configMapName", s.export_spec->config_map_name);
    if (!s.keystore)
      e.Add("spec.export",
            "exports the keystore's certificate: it requires spec.keystore");
    if (s.truststore)
      for (const auto& src : s.truststore->sources)
        if (src.type == TrustSource::Type::kConfigMap &&
            src.name == s.export_spec->config_map_name)
          e.Add("spec.export.configMapName",
                "is a trust source of this CertStore; choose another name");
  }
  if (s.renewal) CheckRenewal(e, s);
  if (s.secret_template) {
    CheckTemplateMap(e, "spec.secretTemplate.labels", s.secret_template->labels,
                     true);
    CheckTemplateMap(e, "spec.secretTemplate.annotations",
                     s.secret_template->annotations, false);
  }
}

}  // namespace

bool IsDnsSubdomain(const std::string& s) {
  return !s.empty() && s.size() <= 253 && std::regex_match(s, DnsSubdomainRe());
}

bool IsSanDnsName(const std::string& s) {
  return !s.empty() && std::regex_match(s, SanDnsRe());
}

// CEL's isIP() is Go's netip.ParseAddr minus zones and IPv4-mapped IPv6
// (::ffff:a.b.c.d, in either spelling). glibc's inet_pton agrees with Go on
// the rest: no leading zeros in IPv4 (also when embedded in IPv6), no zones,
// "::" standing for at least one group. Other embedded-IPv4 forms such as
// ::1.2.3.4 or 64:ff9b::1.2.3.4 are valid in both.
bool IsIpAddress(const std::string& s) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return true;
  if (inet_pton(AF_INET6, s.c_str(), buf) != 1) return false;
  static const unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0,    0,
                                                  0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(buf, kMappedPrefix, sizeof(kMappedPrefix)) != 0;
}

FieldErrors CrossNamespaceRefs(const CertStore& cs) {
  FieldErrors e;
  const std::string& own = cs.metadata.namespace_;
  auto check = [&](const std::string& path, const std::string& ns) {
    if (ns.empty() || ns == own) return;
    e.Add(path, "\"" + ns +
                    "\" is another namespace: a CertStore reads Secrets and "
                    "ConfigMaps " +
                    "only from its own namespace" +
                    (own.empty() ? "" : " (" + own + ")") +
                    "; copy the object into it or remove the namespace field");
  };
  if (cs.spec.truststore) {
    const auto& sources = cs.spec.truststore->sources;
    for (size_t i = 0; i < sources.size(); ++i)
      if (sources[i].type == TrustSource::Type::kSecret ||
          sources[i].type == TrustSource::Type::kConfigMap)
        check(Idx("spec.truststore.sources", i) + "." +
                  TrustSourceTypeName(sources[i].type) + ".namespace",
              sources[i].ns);
  }
  if (cs.spec.password)
    check("spec.password.secretKeyRef.namespace", cs.spec.password->ns);
  if (cs.spec.truststore && cs.spec.truststore->password &&
      cs.spec.truststore->password->secret_key_ref)
    check("spec.truststore.password.secretKeyRef.namespace",
          cs.spec.truststore->password->secret_key_ref->ns);
  return e;
}

FieldErrors Validate(const CertStore& cs) {
  FieldErrors e = CrossNamespaceRefs(cs);
  const CertStoreSpec& s = cs.spec;
  CheckName(e, "spec.issuerRef.name", s.issuer_ref.name);
  CheckName(e, "spec.secretName", s.secret_name);
  if (!s.keystore && !s.truststore)
    e.Add("spec",
          "at least one of spec.keystore or spec.truststore is required");
  if (s.keystore) CheckKeystore(e, "spec.keystore", *s.keystore);
  if (s.truststore)
    CheckTruststore(e, "spec.truststore", *s.truststore, s.secret_name);
  CheckSet(e, "spec.formats", s.formats, {"PKCS12", "JKS", "PEM"}, 1, 3);
  CheckEnum(e, "spec.pkcs12.profile", s.pkcs12_profile,
            {"Modern2023", "LegacyDES"});
  if (s.password) {
    CheckName(e, "spec.password.secretKeyRef.name", s.password->name);
    CheckKey(e, "spec.password.secretKeyRef.key", s.password->key);
  }
  CheckSecretShape(e, s);
  // A password read from a Secret the operator writes feeds on its own
  // output: each write changes the password it is read from (a loop that
  // re-issues on every pass).
  auto own = [&](const std::string& name) {
    return name == s.secret_name ||
           (s.truststore && !s.truststore->secret_name.empty() &&
            name == s.truststore->secret_name);
  };
  const char kOwnSecret[] =
      "must name a Secret the operator does not write (not spec.secretName "
      "or spec.truststore.secretName)";
  if (s.password && own(s.password->name))
    e.Add("spec.password.secretKeyRef.name", kOwnSecret);
  if (s.truststore && s.truststore->password &&
      s.truststore->password->secret_key_ref &&
      own(s.truststore->password->secret_key_ref->name))
    e.Add("spec.truststore.password.secretKeyRef.name", kOwnSecret);
  return e;
}

void CheckBundleTarget(FieldErrors& e, const std::string& p,
                       const BundleTarget& t) {
  if (t.namespace_selector)
    CheckLabelSelector(*t.namespace_selector, p + ".namespaceSelector", &e);
  if (!t.config_map && !t.secret)
    e.Add(p, "at least one of configMap or secret is required");
  if (t.config_map) {
    CheckName(e, p + ".configMap.name", t.config_map->name);
    CheckKey(e, p + ".configMap.key", t.config_map->key);
  }
  if (t.secret) {
    CheckName(e, p + ".secret.name", t.secret->name);
    CheckSet(e, p + ".secret.formats", t.secret->formats, {"PKCS12", "JKS"}, 1,
             2);
    if (t.secret->password_policy.empty())
      e.Add(p + ".secret.passwordPolicy",
            "Required value: \"Changeit\" (Java's cacerts convention) or "
            "\"Generated\" (a random password per namespace)");
    else
      CheckEnum(e, p + ".secret.passwordPolicy", t.secret->password_policy,
                {"Changeit", "Generated"});
  }
}

FieldErrors Validate(const TrustBundle& tb) {
  FieldErrors e;
  const TrustBundleSpec& s = tb.spec;
  if (s.sources.empty()) e.Add("spec.sources", "must have at least 1 item");
  if (s.sources.size() > 50)
    e.Add("spec.sources", "must have at most 50 items");
  for (size_t i = 0; i < s.sources.size(); ++i) {
    const BundleSource& src = s.sources[i];
    std::string sp =
        Idx("spec.sources", i) + "." + BundleSourceTypeName(src.type);
    switch (src.type) {
      case BundleSource::Type::kIssuer:
        CheckName(e, sp + ".name", src.name);
        break;
      case BundleSource::Type::kSecret:
      case BundleSource::Type::kConfigMap:
        CheckName(e, sp + ".name", src.name);
        if (src.all_keys && !src.key.empty())
          e.Add(sp, "key and allKeys are mutually exclusive");
        else if (!src.all_keys)
          CheckKey(e, sp + ".key", src.key);
        break;
      case BundleSource::Type::kInline:
        CheckInlinePem(e, sp, src.inline_pem);
        break;
      case BundleSource::Type::kSystemDefaults:
        break;
    }
  }
  if (s.target) CheckBundleTarget(e, "spec.target", *s.target);
  return e;
}

FieldErrors Validate(const Issuer& issuer) {
  FieldErrors e;
  const IssuerSpec& s = issuer.spec;
  if (s.ca.has_value() + s.self_signed.has_value() +
          s.intermediate.has_value() !=
      1)
    e.Add("spec",
          "exactly one of spec.ca, spec.selfSigned or spec.intermediate must "
          "be set");
  if (s.ca) CheckName(e, "spec.ca.secretName", s.ca->secret_name);
  if (s.self_signed) CheckCaCertificate(e, "spec.selfSigned", *s.self_signed);
  if (s.intermediate) {
    const IntermediateIssuerSpec& im = *s.intermediate;
    const std::string p = "spec.intermediate";
    CheckCaCertificate(e, p, im);
    CheckName(e, p + ".issuerRef.name", im.issuer_ref.name);
    if (issuer.kind == IssuerKind::kClusterCertIssuer &&
        im.issuer_ref.kind != IssuerKind::kClusterCertIssuer)
      e.Add(p + ".issuerRef.kind",
            "a ClusterCertIssuer's parent must be a ClusterCertIssuer");
    if (im.issuer_ref.kind == issuer.kind &&
        im.issuer_ref.name == issuer.metadata.name)
      e.Add(p + ".issuerRef.name", "an issuer cannot be its own parent");
    if (im.path_length && (*im.path_length < 0 || *im.path_length > 8))
      e.Add(p + ".pathLength",
            "must be between 0 and 8, got " + std::to_string(*im.path_length));
  }
  if (s.policy) CheckPolicy(e, "spec.policy", *s.policy, issuer.kind);
  return e;
}

}  // namespace certstore::api
