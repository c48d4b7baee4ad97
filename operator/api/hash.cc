#include "operator/api/hash.h"

#include <algorithm>

#include "operator/common/sha256.h"

namespace certstore::api {
namespace {

// Length-prefixed fields so that ("ab","c") and ("a","bc") differ.
class Canon {
 public:
  Canon& Add(const std::string& name, const std::string& v) {
    out_ += name + ":" + std::to_string(v.size()) + ":" + v + ";";
    return *this;
  }
  Canon& Add(const std::string& name, std::vector<std::string> v, bool sorted) {
    if (sorted) std::sort(v.begin(), v.end());
    out_ += name + "[" + std::to_string(v.size()) + "]";
    for (const auto& x : v) Add("", x);
    return *this;
  }
  std::string Hash() const { return Sha256Hex(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string IdentityHash(const CertStore& cs) {
  Canon c;
  c.Add("v", "1");
  c.Add("issuerKind", IssuerKindName(cs.spec.issuer_ref.kind));
  c.Add("issuerName", cs.spec.issuer_ref.name);
  if (cs.spec.keystore) {
    const KeystoreSpec& k = *cs.spec.keystore;
    c.Add("cn", k.common_name)
        .Add("o", k.subject.organizations, false)
        .Add("ou", k.subject.organizational_units, false)
        .Add("c", k.subject.countries, false)
        .Add("l", k.subject.localities, false)
        .Add("st", k.subject.provinces, false)
        .Add("dns", k.dns_names, false)
        .Add("ip", k.ip_addresses, false)
        .Add("uri", k.uris, false)
        .Add("email", k.email_addresses, false)
        .Add("usages", k.usages, true)
        .Add("keyAlgorithm", k.private_key.algorithm)
        .Add("keySize", std::to_string(k.private_key.size.value_or(0)))
        .Add("duration", k.duration);
  }
  return c.Hash();
}

std::string RenderHash(const CertStore& cs) {
  Canon c;
  c.Add("v", "1");
  c.Add("secretName", cs.spec.secret_name);
  c.Add("formats", cs.spec.formats, true);
  c.Add("profile", cs.spec.pkcs12_profile);
  if (cs.spec.password)
    c.Add("password", cs.spec.password->name + "/" + cs.spec.password->key);
  if (cs.spec.keystore) c.Add("alias", cs.spec.keystore->alias);
  // Added only when set, so that CertStores written before these fields
  // existed keep their hash (and their stores) across the upgrade.
  if (!cs.spec.additional_formats.empty())
    c.Add("additionalFormats", cs.spec.additional_formats, true);
  if (cs.spec.truststore) {
    c.Add("trustSecret", cs.spec.truststore->secret_name);
    if (const auto& pw = cs.spec.truststore->password) {
      if (pw->secret_key_ref)
        c.Add("trustPassword",
              pw->secret_key_ref->name + "/" + pw->secret_key_ref->key);
      else
        c.Add("trustPassword", "value");
    }
    for (const auto& s : cs.spec.truststore->sources)
      c.Add("source", TrustSourceTypeName(s.type))
          .Add("name", s.name)
          .Add("key", s.key)
          .Add("inline", s.inline_pem);
  }
  return c.Hash();
}

}  // namespace certstore::api
