#include "operator/engine/trust_bundle.h"

#include <set>

#include "operator/common/files.h"
#include "operator/common/sha256.h"
#include "operator/engine/reasons.h"
#include "operator/engine/secret_layout.h"
#include "operator/engine/store_files.h"
#include "operator/engine/trust_sources.h"
#include "operator/engine/verified_stores.h"
#include "operator/pki/certificate.h"
#include "operator/pki/limits.h"
#include "operator/pki/password.h"

namespace certstore::engine {
namespace {

constexpr char kChangeit[] = "changeit";

// The PEM text (or texts, for allKeys) a Secret / ConfigMap source names.
StatusOr<std::vector<std::pair<std::string, std::string>>> ObjectPems(
    const api::BundleSource& s, const BundleInputs& in,
    const std::string& path) {
  bool secret = s.type == api::BundleSource::Type::kSecret;
  const std::string& ns = in.source_namespace;
  std::string what =
      std::string(secret ? "Secret " : "ConfigMap ") + ns + "/" + s.name;
  if (secret && s.name == in.forbidden_secret)
    return FailedPreconditionError(path + ": " + what +
                                   " is the operator's seal key; no bundle may "
                                   "read it");
  std::optional<std::map<std::string, std::string>> data;
  if (secret) {
    if (auto o = in.objects->GetSecret(ns, s.name)) data = o->data;
  } else if (auto o = in.objects->GetConfigMap(ns, s.name)) {
    data = o->data;
  }
  if (!data) return NotFoundError(path + ": " + what + " not found");
  std::vector<std::pair<std::string, std::string>> out;
  if (s.all_keys) {
    for (const auto& [k, v] : *data)
      out.emplace_back(path + " (" + what + ", key " + k + ")", v);
    if (out.empty()) return NotFoundError(path + ": " + what + " has no keys");
    return out;
  }
  auto it = data->find(s.key);
  if (it == data->end())
    return NotFoundError(path + ": " + what + " has no key " + s.key);
  out.emplace_back(path + " (" + what + ", key " + s.key + ")", it->second);
  return out;
}

// What the stores were written for: the certificates, the password and the
// keys (a digest: the password itself is never in an annotation).
std::string ContentDigest(const BundleContent& c, const SecretBytes& password,
                          const std::set<std::string>& keys) {
  std::string in = c.pem + "\n";
  for (const auto& k : keys) in += k + "\n";
  in += Sha256Hex(password.reveal());
  return Sha256Hex(in).substr(0, 32);
}

// The annotation's value for stores written for `fingerprint` holding
// `data`: keyed with `mac_key` when there is one (then it cannot be forged
// by whoever can edit the Secret).
std::string ContentSeal(const std::string& fingerprint,
                        const std::map<std::string, std::string>& data,
                        const SecretBytes* mac_key) {
  std::string text = fingerprint + "/" + DataDigest(data);
  if (mac_key == nullptr || mac_key->empty()) return text;
  return "k1." + HmacSha256Hex(mac_key->reveal(), text).substr(0, 48);
}

std::vector<X509*> Raw(const std::vector<pki::X509Ptr>& v) {
  std::vector<X509*> out;
  for (const auto& c : v) out.push_back(c.get());
  return out;
}

}  // namespace

StatusOr<BundleContent> ResolveBundle(const api::TrustBundle& tb,
                                      const BundleInputs& in, TimePoint now) {
  BundleContent out;
  std::set<std::string> seen;
  auto add = [&](std::vector<pki::X509Ptr> certs, const std::string& where) {
    for (auto& c : certs) {
      if (!seen.insert(pki::FingerprintSha256Hex(c.get())).second) continue;
      out.certificates.push_back(std::move(c));
    }
    if (out.certificates.size() > pki::kMaxBundleCertificates)
      return InvalidArgumentError(where + ": the bundle would hold more than " +
                                  std::to_string(pki::kMaxBundleCertificates) +
                                  " certificates");
    return OkStatus();
  };
  const auto& sources = tb.spec.sources;
  for (size_t i = 0; i < sources.size(); ++i) {
    const api::BundleSource& s = sources[i];
    std::string path = "spec.sources[" + std::to_string(i) + "]." +
                       api::BundleSourceTypeName(s.type);
    std::vector<std::pair<std::string, std::string>> pems;  // where, PEM
    switch (s.type) {
      case api::BundleSource::Type::kIssuer: {
        if (!in.issuer_roots)
          return FailedPreconditionError(path + ": issuers are not available");
        auto roots = in.issuer_roots(s.name);
        if (!roots.ok()) return roots.status().WithContext(path);
        RETURN_IF_ERROR(add(std::move(roots).value(), path));
        continue;
      }
      case api::BundleSource::Type::kSecret:
      case api::BundleSource::Type::kConfigMap: {
        ASSIGN_OR_RETURN(pems, ObjectPems(s, in, path));
        break;
      }
      case api::BundleSource::Type::kInline:
        pems.emplace_back(path, s.inline_pem);
        break;
      case api::BundleSource::Type::kSystemDefaults: {
        std::string file = in.system_bundle_path.empty()
                               ? kDefaultSystemBundle
                               : in.system_bundle_path;
        auto bundle = ReadFile(file);
        if (!bundle.ok())
          return FailedPreconditionError(
              path + ": system CA bundle " + file +
              " unreadable: " + bundle.status().message());
        pems.emplace_back(path, *bundle);
        break;
      }
    }
    for (auto& [where, pem] : pems) {
      auto certs = pki::ParseCertificatesPem(pem);
      if (!certs.ok()) return certs.status().WithContext(where);
      RETURN_IF_ERROR(add(std::move(certs).value(), where));
    }
  }
  // spec.filter, reported certificate by certificate.
  std::vector<pki::X509Ptr> kept;
  for (auto& c : out.certificates) {
    std::string reason;
    if (tb.spec.filter.drop_expired && pki::NotAfter(c.get()) <= now)
      reason = "Expired";
    else if (tb.spec.filter.drop_non_ca && !pki::IsCa(c.get()))
      reason = "NotCA";
    if (!reason.empty()) {
      out.dropped.push_back(
          {pki::SubjectText(c.get()), pki::FingerprintSha256(c.get()), reason});
      continue;
    }
    TimePoint na = pki::NotAfter(c.get());
    if (!out.earliest_not_after || na < *out.earliest_not_after)
      out.earliest_not_after = na;
    kept.push_back(std::move(c));
  }
  out.certificates = std::move(kept);
  if (out.certificates.empty())
    return InvalidArgumentError(
        "spec.sources: no certificates left" +
        std::string(out.dropped.empty() ? "" : " after spec.filter"));
  out.pem = pki::EncodeCertificatesPem(Raw(out.certificates));
  return out;
}

std::map<std::string, std::string> BundleLabels(const api::TrustBundle& tb) {
  std::map<std::string, std::string> labels{
      {api::kManagedByLabel, api::kManagedByValue}};
  if (tb.metadata.name.size() <= 63)
    labels[kTrustBundleLabel] = tb.metadata.name;
  if (!tb.metadata.uid.empty() && tb.metadata.uid.size() <= 63)
    labels[kTrustBundleUidLabel] = tb.metadata.uid;
  return labels;
}

api::ConfigMapObject BundleConfigMap(const api::TrustBundle& tb,
                                     const std::string& ns,
                                     const BundleContent& content) {
  api::ConfigMapObject c;
  c.metadata.name = tb.spec.target->config_map->name;
  c.metadata.namespace_ = ns;
  c.metadata.labels = BundleLabels(tb);
  c.data[tb.spec.target->config_map->key] = content.pem;
  return c;
}

StatusOr<api::SecretObject> BundleSecret(
    const api::TrustBundle& tb, const std::string& ns,
    const BundleContent& content,
    const std::optional<api::SecretObject>& current, TimePoint now,
    const SecretBytes* mac_key) {
  const api::BundleSecretTarget& t = *tb.spec.target->secret;
  api::SecretObject s;
  s.metadata.name = t.name;
  s.metadata.namespace_ = ns;
  s.metadata.labels = BundleLabels(tb);
  s.type = api::kSecretTypeOpaque;
  // The password: Java's convention, or the one this Secret already has.
  SecretBytes password;
  if (t.password_policy == "Changeit") {
    password = SecretBytes(kChangeit);
  } else if (current && current->data.count(api::kPasswordKey) &&
             current->data.at(api::kPasswordKey).size() >= 16 &&
             current->data.at(api::kPasswordKey).size() <= 128 &&
             current->data.at(api::kPasswordKey) != kChangeit) {
    password = SecretBytes(current->data.at(api::kPasswordKey));
  } else {
    ASSIGN_OR_RETURN(password, pki::GeneratePassword());
  }
  DesiredStores d;
  for (const auto& c : content.certificates)
    d.trust.push_back(pki::ShareCert(c.get()));
  std::set<std::string> keys{api::kCaCrtKey, api::kPasswordKey};
  for (const auto& f : t.formats)
    keys.insert(f == "JKS" ? api::kTruststoreJksKey : api::kTruststoreP12Key);
  d.trust_keys = keys;
  // Kept byte for byte when it holds exactly what was written for these
  // certificates and this password (stores are salted: re-encoding every
  // pass would rewrite every namespace). Decided by digest, never by
  // opening the stores: a tenant's store is not decrypted (its iteration
  // count is theirs to choose), it is replaced.
  std::string fingerprint = ContentDigest(content, password, keys);
  std::map<std::string, std::string> ours;
  if (current)
    for (const auto& k : keys)
      if (current->data.count(k)) ours[k] = current->data.at(k);
  auto written =
      current ? current->metadata.annotations.find(kBundleContentAnnotation)
              : std::map<std::string, std::string>::const_iterator();
  if (current && ours.size() == keys.size() &&
      written != current->metadata.annotations.end() &&
      written->second == ContentSeal(fingerprint, ours, mac_key)) {
    s.data = std::move(ours);
  } else {
    ASSIGN_OR_RETURN(s.data, EncodeStores(d, keys, password,
                                          pki::Pkcs12Profile::kModern2023, now,
                                          /*is_main=*/false));
  }
  s.metadata.annotations[kBundleContentAnnotation] =
      ContentSeal(fingerprint, s.data, mac_key);
  // We own exactly our keys: a user's own keys stay.
  if (current)
    for (const auto& [k, v] : current->data)
      if (!keys.count(k) && !IsOperatorKey(k)) s.data[k] = v;
  return s;
}

}  // namespace certstore::engine
