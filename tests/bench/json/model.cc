#include "tests/bench/json/model.h"

#include <openssl/evp.h>

#include <cstdio>
#include <sstream>
#include <tuple>

namespace jsonbench {

bool OwnerReference::operator==(const OwnerReference& o) const {
  return std::tie(api_version, kind, name, uid, controller,
                  block_owner_deletion) == std::tie(o.api_version, o.kind,
                                                    o.name, o.uid, o.controller,
                                                    o.block_owner_deletion);
}

bool ObjectMeta::operator==(const ObjectMeta& o) const {
  return std::tie(name, ns, uid, resource_version, creation_timestamp,
                  generation, labels, annotations, owners) ==
         std::tie(o.name, o.ns, o.uid, o.resource_version, o.creation_timestamp,
                  o.generation, o.labels, o.annotations, o.owners);
}

bool DataEntry::operator==(const DataEntry& o) const {
  return std::tie(key, size, sha256) == std::tie(o.key, o.size, o.sha256);
}

bool SecretSummary::operator==(const SecretSummary& o) const {
  return std::tie(meta, type, data) == std::tie(o.meta, o.type, o.data);
}

bool SecretListPage::operator==(const SecretListPage& o) const {
  return std::tie(resource_version, continue_token, remaining_item_count,
                  items) == std::tie(o.resource_version, o.continue_token,
                                     o.remaining_item_count, o.items);
}

bool Condition::operator==(const Condition& o) const {
  return std::tie(type, status, reason, message, last_transition_time,
                  observed_generation) ==
         std::tie(o.type, o.status, o.reason, o.message, o.last_transition_time,
                  o.observed_generation);
}

bool CertStoreSpec::operator==(const CertStoreSpec& o) const {
  return std::tie(secret_name, issuer_kind, issuer_name, alias, common_name,
                  duration, renew_before, dns_names, ip_addresses, usages,
                  organizations, key_algorithm, key_size, formats,
                  pkcs12_profile, trust_source_kinds) ==
         std::tie(o.secret_name, o.issuer_kind, o.issuer_name, o.alias,
                  o.common_name, o.duration, o.renew_before, o.dns_names,
                  o.ip_addresses, o.usages, o.organizations, o.key_algorithm,
                  o.key_size, o.formats, o.pkcs12_profile,
                  o.trust_source_kinds);
}

bool CertStoreStatus::operator==(const CertStoreStatus& o) const {
  return std::tie(observed_generation, conditions, not_before, not_after,
                  renewal_time, serial_number, fingerprint_sha256, revision,
                  truststore_certificates, truststore_earliest_not_after,
                  truststore_issuer_cas, null_fields) ==
         std::tie(o.observed_generation, o.conditions, o.not_before,
                  o.not_after, o.renewal_time, o.serial_number,
                  o.fingerprint_sha256, o.revision, o.truststore_certificates,
                  o.truststore_earliest_not_after, o.truststore_issuer_cas,
                  o.null_fields);
}

bool CertStoreObject::operator==(const CertStoreObject& o) const {
  return std::tie(meta, spec, status) == std::tie(o.meta, o.spec, o.status);
}

std::string Sha256Hex(const char* data, size_t size) {
  // Fetched once: EVP_sha256() would repeat the provider lookup per call.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (md == nullptr || EVP_Digest(data, size, out, &len, md, nullptr) != 1)
    return "digest-failed";
  static const char kHex[] = "0123456789abcdef";
  std::string hex(2 * len, '0');
  for (unsigned int i = 0; i < len; ++i) {
    hex[2 * i] = kHex[out[i] >> 4];
    hex[2 * i + 1] = kHex[out[i] & 15];
  }
  return hex;
}

SecretSummary ExpectedSummary(const SecretToWrite& s, bool digest) {
  SecretSummary out;
  out.meta.name = s.name;
  out.meta.ns = s.ns;
  out.meta.resource_version = s.resource_version;
  out.meta.labels = s.labels;
  out.meta.annotations = s.annotations;
  out.meta.owners.push_back(s.owner);
  out.type = s.type;
  for (const auto& [k, v] : s.data)
    out.data.push_back(
        {k, v.size(), digest ? Sha256Hex(v.data(), v.size()) : ""});
  return out;
}

CertStoreObject ExpectedPatchObject(const StatusPatch& p) {
  CertStoreObject out;
  out.meta.resource_version = p.resource_version;
  out.status = p.status;
  return out;
}

namespace {

// A canonical line-per-field dump; Diff reports the first differing line.
class Dumper {
 public:
  void Line(const std::string& path, const std::string& value) {
    out_ << path << "=" << Printable(value) << "\n";
  }
  void Line(const std::string& path, int64_t v) {
    out_ << path << "=" << v << "\n";
  }
  void List(const std::string& path, const std::vector<std::string>& v) {
    Line(path + ".size", static_cast<int64_t>(v.size()));
    for (size_t i = 0; i < v.size(); ++i)
      Line(path + "[" + std::to_string(i) + "]", v[i]);
  }
  void Meta(const std::string& p, const ObjectMeta& m) {
    Line(p + ".name", m.name);
    Line(p + ".namespace", m.ns);
    Line(p + ".uid", m.uid);
    Line(p + ".resourceVersion", m.resource_version);
    Line(p + ".creationTimestamp", m.creation_timestamp);
    Line(p + ".generation", m.generation);
    Line(p + ".labels.size", static_cast<int64_t>(m.labels.size()));
    for (const auto& [k, v] : m.labels) Line(p + ".labels[" + k + "]", v);
    Line(p + ".annotations.size", static_cast<int64_t>(m.annotations.size()));
    for (const auto& [k, v] : m.annotations)
      Line(p + ".annotations[" + k + "]", v);
    Line(p + ".owners.size", static_cast<int64_t>(m.owners.size()));
    for (size_t i = 0; i < m.owners.size(); ++i) {
      const auto& o = m.owners[i];
      std::string q = p + ".owners[" + std::to_string(i) + "]";
      Line(q + ".apiVersion", o.api_version);
      Line(q + ".kind", o.kind);
      Line(q + ".name", o.name);
      Line(q + ".uid", o.uid);
      Line(q + ".controller", o.controller);
      Line(q + ".blockOwnerDeletion", o.block_owner_deletion);
    }
  }
  void Secret(const std::string& p, const SecretSummary& s) {
    Meta(p + ".metadata", s.meta);
    Line(p + ".type", s.type);
    Line(p + ".data.size", static_cast<int64_t>(s.data.size()));
    for (size_t i = 0; i < s.data.size(); ++i) {
      std::string q = p + ".data[" + std::to_string(i) + "]";
      Line(q + ".key", s.data[i].key);
      Line(q + ".size", static_cast<int64_t>(s.data[i].size));
      Line(q + ".sha256", s.data[i].sha256);
    }
  }
  void CertStore(const std::string& p, const CertStoreObject& c) {
    Meta(p + ".metadata", c.meta);
    const CertStoreSpec& s = c.spec;
    Line(p + ".spec.secretName", s.secret_name);
    Line(p + ".spec.issuerRef.kind", s.issuer_kind);
    Line(p + ".spec.issuerRef.name", s.issuer_name);
    Line(p + ".spec.keystore.alias", s.alias);
    Line(p + ".spec.keystore.commonName", s.common_name);
    Line(p + ".spec.keystore.duration", s.duration);
    Line(p + ".spec.keystore.renewBefore", s.renew_before);
    List(p + ".spec.keystore.dnsNames", s.dns_names);
    List(p + ".spec.keystore.ipAddresses", s.ip_addresses);
    List(p + ".spec.keystore.usages", s.usages);
    List(p + ".spec.keystore.subject.organizations", s.organizations);
    Line(p + ".spec.keystore.privateKey.algorithm", s.key_algorithm);
    Line(p + ".spec.keystore.privateKey.size", s.key_size);
    List(p + ".spec.formats", s.formats);
    Line(p + ".spec.pkcs12.profile", s.pkcs12_profile);
    List(p + ".spec.truststore.sources", s.trust_source_kinds);
    const CertStoreStatus& t = c.status;
    Line(p + ".status.observedGeneration", t.observed_generation);
    Line(p + ".status.conditions.size",
         static_cast<int64_t>(t.conditions.size()));
    for (size_t i = 0; i < t.conditions.size(); ++i) {
      const Condition& k = t.conditions[i];
      std::string q = p + ".status.conditions[" + std::to_string(i) + "]";
      Line(q + ".type", k.type);
      Line(q + ".status", k.status);
      Line(q + ".reason", k.reason);
      Line(q + ".message", k.message);
      Line(q + ".lastTransitionTime", k.last_transition_time);
      Line(q + ".observedGeneration", k.observed_generation);
    }
    Line(p + ".status.notBefore", t.not_before);
    Line(p + ".status.notAfter", t.not_after);
    Line(p + ".status.renewalTime", t.renewal_time);
    Line(p + ".status.serialNumber", t.serial_number);
    Line(p + ".status.fingerprintSHA256", t.fingerprint_sha256);
    Line(p + ".status.revision", t.revision);
    Line(p + ".status.truststore.certificates", t.truststore_certificates);
    Line(p + ".status.truststore.earliestNotAfter",
         t.truststore_earliest_not_after);
    List(p + ".status.truststore.issuerCAs", t.truststore_issuer_cas);
    List(p + ".status.(null)", t.null_fields);
  }
  std::string str() const { return out_.str(); }

 private:
  // Non-printable and non-ASCII bytes as \xNN, so a mangled UTF-8 sequence
  // shows in the report.
  static std::string Printable(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        out += static_cast<char>(c);
      } else {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\x%02x", c);
        out += buf;
      }
    }
    if (out.size() > 160)
      out = out.substr(0, 150) + "...(" + std::to_string(s.size()) + " bytes)";
    return out + "\"";
  }
  std::ostringstream out_;
};

std::string FirstDifference(const std::string& want, const std::string& got) {
  std::istringstream a(want), b(got);
  std::string la, lb;
  while (true) {
    bool ha = static_cast<bool>(std::getline(a, la));
    bool hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "";
    if (!ha) return "unexpected " + lb;
    if (!hb) return "missing " + la;
    if (la != lb) return "want " + la + " got " + lb;
  }
}

}  // namespace

std::string Diff(const SecretListPage& want, const SecretListPage& got) {
  Dumper a, b;
  for (Dumper* d : {&a, &b}) {
    const SecretListPage& p = d == &a ? want : got;
    d->Line("metadata.resourceVersion", p.resource_version);
    d->Line("metadata.continue", p.continue_token);
    d->Line("metadata.remainingItemCount", p.remaining_item_count);
    d->Line("items.size", static_cast<int64_t>(p.items.size()));
    for (size_t i = 0; i < p.items.size(); ++i)
      d->Secret("items[" + std::to_string(i) + "]", p.items[i]);
  }
  return FirstDifference(a.str(), b.str());
}

std::string Diff(const SecretSummary& want, const SecretSummary& got) {
  Dumper a, b;
  a.Secret("secret", want);
  b.Secret("secret", got);
  return FirstDifference(a.str(), b.str());
}

std::string Diff(const CertStoreObject& want, const CertStoreObject& got) {
  Dumper a, b;
  a.CertStore("certstore", want);
  b.CertStore("certstore", got);
  return FirstDifference(a.str(), b.str());
}

}  // namespace jsonbench
