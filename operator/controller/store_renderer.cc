#include "operator/controller/store_renderer.h"

#include <algorithm>
#include <set>

#include "operator/api/hash.h"
#include "operator/controller/conversions.h"
#include "operator/controller/renewal.h"
#include "operator/controller/store_check.h"
#include "operator/controller/trust_sources.h"
#include "operator/pki/certificate.h"
#include "operator/pki/issuer.h"
#include "operator/pki/jks.h"
#include "operator/pki/key.h"
#include "operator/pki/limits.h"
#include "operator/pki/password.h"
#include "operator/pki/pkcs12.h"

namespace certstore::controller {
namespace {

bool Has(const std::vector<std::string>& v, const char* x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The value of Secret ns/name key `key` with trailing line breaks removed
// (people create these with `echo`); nullopt when the key is absent or empty.
std::optional<SecretBytes> PasswordFromSecret(const ObjectSource& objects,
                                              const std::string& ns,
                                              const std::string& name,
                                              const std::string& key) {
  auto s = objects.GetSecret(ns, name);
  if (!s) return std::nullopt;
  auto it = s->data.find(key);
  if (it == s->data.end() || it->second.empty()) return std::nullopt;
  std::string pw = it->second;
  while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
  return SecretBytes(std::move(pw));
}

// The password: from the referenced Secret, else the one already stored,
// else a new one.
StatusOr<SecretBytes> ResolvePassword(
    const api::CertStore& cs, const std::optional<api::SecretObject>& current,
    const ObjectSource& objects) {
  const std::string& ns = cs.metadata.namespace_;
  if (cs.spec.password) {
    const auto& ref = *cs.spec.password;
    if (auto pw = PasswordFromSecret(objects, ns, ref.name, ref.key)) {
      if (pw->size() > pki::kMaxPasswordBytes)
        return InvalidArgumentError(
            "spec.password.secretKeyRef: Secret " + ns + "/" + ref.name +
            " key " + ref.key + " holds " + std::to_string(pw->size()) +
            " bytes, more than the limit of " +
            std::to_string(pki::kMaxPasswordBytes) + " for a store password");
      return std::move(*pw);
    }
    if (!objects.GetSecret(ns, ref.name))
      return NotFoundError("spec.password.secretKeyRef: Secret " + ns + "/" +
                           ref.name + " not found");
    return NotFoundError("spec.password.secretKeyRef: Secret " + ns + "/" +
                         ref.name + " has no non-empty key " + ref.key);
  }
  if (current) {
    auto it = current->data.find(api::kPasswordKey);
    if (it != current->data.end() && !it->second.empty())
      return SecretBytes(it->second);
  }
  return pki::GeneratePassword();
}

// Reads the certificate and key currently stored: PEM first, then PKCS12,
// then JKS. nullopt when none is readable.
std::optional<CurrentCertificate> ReadCurrent(const api::SecretObject& s,
                                              const SecretBytes& password) {
  CurrentCertificate c;
  auto ann = s.metadata.annotations.find(kIdentityHashAnnotation);
  if (ann != s.metadata.annotations.end()) c.identity_hash = ann->second;
  auto crt = s.data.find(api::kTlsCrtKey);
  auto key = s.data.find(api::kTlsKeyKey);
  if (crt != s.data.end() && key != s.data.end()) {
    auto certs = pki::ParseCertificatesPem(crt->second);
    auto k = pki::ParsePrivateKeyPem(SecretBytes(key->second));
    if (certs.ok() && k.ok()) {
      for (size_t i = 1; i < certs->size(); ++i)
        c.chain.push_back(std::move((*certs)[i]));
      c.cert = std::move(certs->front());
      c.key = std::move(k).value();
      return c;
    }
  }
  for (const char* store : {api::kKeystoreP12Key, api::kKeystoreJksKey}) {
    auto it = s.data.find(store);
    if (it == s.data.end()) continue;
    auto contents = std::string(store) == api::kKeystoreP12Key
                        ? pki::ParsePkcs12(it->second, password)
                        : pki::ParseJks(it->second, password);
    if (!contents.ok()) continue;
    for (auto& e : contents->entries) {
      if (e.type == pki::EntryType::kPrivateKey && !e.chain.empty()) {
        c.key = std::move(e.key);
        for (size_t i = 1; i < e.chain.size(); ++i)
          c.chain.push_back(std::move(e.chain[i]));
        c.cert = std::move(e.chain.front());
        return c;
      }
    }
  }
  return std::nullopt;
}

// Passwords the stores in `s` may have been written with: its own generated
// `password`, and the value behind the password reference recorded when it
// was written.
std::vector<SecretBytes> PreviousPasswords(const api::SecretObject& s,
                                           const ObjectSource& objects) {
  std::vector<SecretBytes> out;
  auto own = s.data.find(api::kPasswordKey);
  if (own != s.data.end() && !own->second.empty())
    out.emplace_back(own->second);
  auto ref = s.metadata.annotations.find(kPasswordRefAnnotation);
  if (ref != s.metadata.annotations.end()) {
    size_t slash = ref->second.find('/');
    if (slash != std::string::npos) {
      auto pw = PasswordFromSecret(objects, s.metadata.namespace_,
                                   ref->second.substr(0, slash),
                                   ref->second.substr(slash + 1));
      if (pw) out.push_back(std::move(*pw));
    }
  }
  return out;
}

int64_t Revision(const std::optional<api::SecretObject>& s) {
  if (!s) return 0;
  auto it = s->metadata.annotations.find(kRevisionAnnotation);
  if (it == s->metadata.annotations.end()) return 0;
  return std::strtoll(it->second.c_str(), nullptr, 10);
}

api::SecretObject NewSecret(const api::CertStore& cs, const std::string& name) {
  api::SecretObject s;
  s.metadata.name = name;
  s.metadata.namespace_ = cs.metadata.namespace_;
  s.metadata.labels[api::kManagedByLabel] = api::kManagedByValue;
  s.metadata.annotations[kCertStoreAnnotation] = cs.metadata.name;
  s.metadata.annotations["certstore.dev/issuer"] =
      std::string(api::IssuerKindName(cs.spec.issuer_ref.kind)) + "/" +
      cs.spec.issuer_ref.name;
  s.type = "Opaque";
  return s;
}

std::vector<X509*> Raw(const std::vector<pki::X509Ptr>& v) {
  std::vector<X509*> out;
  for (const auto& c : v) out.push_back(c.get());
  return out;
}

// PolicyDenied: the stored Secret with its keystore files as they are; the
// truststore files it carries are re-encoded only when their sources
// changed (e.g. a CA rotation added a root).
StatusOr<api::SecretObject> FrozenMainSecret(
    const api::CertStore& cs, const api::SecretObject& current,
    const DesiredStores& desired, bool separate_trust,
    const SecretBytes& password, pki::Pkcs12Profile profile, TimePoint now,
    RenderResult* result) {
  api::SecretObject main = NewSecret(cs, current.metadata.name);
  main.data = current.data;
  for (const auto& [k, v] : current.metadata.annotations)
    main.metadata.annotations[k] = v;
  main.metadata.annotations[kCertStoreAnnotation] = cs.metadata.name;
  if (separate_trust || !cs.spec.truststore) return main;
  std::map<std::string, std::string> trust_now;
  std::set<std::string> trust_keys;
  for (const char* k :
       {api::kTruststoreP12Key, api::kTruststoreJksKey, api::kCaCrtKey}) {
    if (!desired.main_keys.count(k)) continue;
    trust_keys.insert(k);
    auto it = current.data.find(k);
    if (it != current.data.end()) trust_now[k] = it->second;
  }
  std::string why =
      CheckStores(trust_now, trust_keys, desired, password, /*is_main=*/true);
  if (why.empty()) return main;
  ASSIGN_OR_RETURN(auto fresh, EncodeStores(desired, trust_keys, password,
                                            profile, now, /*is_main=*/true));
  for (auto& [k, v] : fresh) main.data[k] = std::move(v);
  result->reencoded = true;
  result->reencode_reason = "truststore: " + why;
  return main;
}

}  // namespace

StatusOr<RenderResult> RenderCertStore(const api::CertStore& cs,
                                       const pki::CaMaterial& ca,
                                       const ObjectSource& objects,
                                       const Clock& clock,
                                       const RenderOptions& options) {
  const api::CertStoreSpec& spec = cs.spec;
  const std::string& ns = cs.metadata.namespace_;
  TimePoint now = clock.Now();
  RenderResult result;
  std::optional<api::SecretObject> current =
      objects.GetSecret(ns, spec.secret_name);
  bool separate_trust =
      spec.truststore && !spec.truststore->secret_name.empty();
  std::optional<api::SecretObject> current_trust;
  if (separate_trust)
    current_trust = objects.GetSecret(ns, spec.truststore->secret_name);

  ASSIGN_OR_RETURN(SecretBytes password, ResolvePassword(cs, current, objects));
  bool frozen_without_certificate = false;
  pki::Pkcs12Profile profile = ToPkcs12Profile(spec.pkcs12_profile);
  bool want_p12 = Has(spec.formats, "PKCS12");
  bool want_jks = Has(spec.formats, "JKS");
  bool want_pem = Has(spec.formats, "PEM");

  // 1. The certificate: keep or issue.
  DesiredStores desired;
  desired.alias = spec.keystore ? spec.keystore->alias : "";
  int64_t revision = Revision(current);
  if (spec.keystore) {
    std::optional<CurrentCertificate> cur;
    if (current && options.verified) {
      // Written (or checked) by this process byte for byte: no decryption.
      auto e = options.verified->Find(ns + "/" + spec.secret_name,
                                      DataDigest(current->data));
      if (e && e->cert && e->key) {
        CurrentCertificate c;
        c.cert = pki::ShareCert(e->cert.get());
        EVP_PKEY_up_ref(e->key.get());
        c.key.reset(e->key.get());
        for (const auto& x : e->chain)
          c.chain.push_back(pki::ShareCert(x.get()));
        auto ann = current->metadata.annotations.find(kIdentityHashAnnotation);
        if (ann != current->metadata.annotations.end())
          c.identity_hash = ann->second;
        cur = std::move(c);
      }
    }
    if (current && !cur) {
      cur = ReadCurrent(*current, password);
      // The stores may be locked with the previous password (it just
      // changed): try it, so a password change re-encodes instead of
      // re-issuing.
      for (const SecretBytes& old : PreviousPasswords(*current, objects)) {
        if (cur) break;
        cur = ReadCurrent(*current, old);
      }
    }
    std::vector<X509*> held;
    if (options.hold_previous) held = options.previous_roots;
    result.decision = DecideIssuance(cur ? &*cur : nullptr, current.has_value(),
                                     cs, ca, now, held);
    if (options.freeze_keystore) {
      result.decision = {false, engine::kReasonPolicyDenied,
                         "the issuer's policy refuses the spec; the stored "
                         "certificate is kept"};
      if (!cur) {
        // Nothing certified to keep: no main Secret is written.
        frozen_without_certificate = true;
      } else {
        // Whatever it chains to is what it keeps.
        held = options.previous_roots;
      }
    }
    if (result.decision.issue) {
      ASSIGN_OR_RETURN(pki::LeafSpec leaf_spec, ToLeafSpec(*spec.keystore));
      ASSIGN_OR_RETURN(pki::KeySpec key_spec,
                       ToKeySpec(spec.keystore->private_key));
      pki::EvpPkeyPtr key;
      bool keep_key =
          cur && spec.keystore->private_key.rotation_policy == "Never" &&
          pki::KeyMatchesCertificate(cur->key.get(), cur->cert.get());
      if (keep_key) {
        auto have = pki::DescribeKey(cur->key.get());
        keep_key = have.ok() && *have == key_spec;
      }
      if (keep_key && options.authorize) {
        engine::PolicyVerdict v = options.authorize(cur->key.get());
        // A stored key the policy refuses is replaced, never certified; any
        // other refusal (or a failed re-read) stops here, keeping the key.
        if (!v.allowed && v.field != "privateKey")
          return PermissionDeniedError(
              std::string(engine::kReasonPolicyDenied) + ": " + v.message);
        keep_key = v.allowed;
      }
      if (keep_key) {
        key = std::move(cur->key);
      } else {
        ASSIGN_OR_RETURN(key, pki::GenerateKey(key_spec));
      }
      if (options.authorize) {
        engine::PolicyVerdict v = options.authorize(key.get());
        if (!v.allowed)
          return PermissionDeniedError(
              std::string(engine::kReasonPolicyDenied) + ": " + v.message);
      }
      ASSIGN_OR_RETURN(pki::IssuedCertificate issued,
                       pki::IssueLeaf(ca, leaf_spec, key.get(), clock));
      result.summary.warning = issued.warning;
      desired.key = std::move(key);
      desired.leaf = std::move(issued.cert);
      ++revision;
    }
    X509* old_root = nullptr;
    bool kept_chain = false;
    bool root_unknown = false;  // frozen, from another root, stored without it
    if (!result.decision.issue && cur) {
      // Kept. During a CA rotation it may still come from a previous root,
      // and a frozen (PolicyDenied) one from any root: then it keeps the
      // chain it was stored with.
      if (!held.empty() && SigningRoot(*cur, {ca.cert.get()}) == nullptr)
        old_root = SigningRoot(*cur, held);
      bool frozen_elsewhere = options.freeze_keystore && !old_root &&
                              SigningRoot(*cur, {ca.Root()}) == nullptr;
      root_unknown = frozen_elsewhere && cur->chain.empty();
      frozen_elsewhere = frozen_elsewhere && !root_unknown;
      desired.key = std::move(cur->key);
      desired.leaf = std::move(cur->cert);
      if (old_root) {
        for (auto& c : cur->chain)
          if (X509_cmp(c.get(), old_root) != 0)
            desired.chain.push_back(std::move(c));
        desired.root = pki::ShareCert(old_root);
        result.summary.held_for_rotation = true;
        kept_chain = true;
      } else if (frozen_elsewhere) {
        for (auto& c : cur->chain) desired.chain.push_back(std::move(c));
        desired.root = std::move(desired.chain.back());
        desired.chain.pop_back();
        kept_chain = true;
      }
    }
    if (!kept_chain) {
      for (X509* c : ca.Intermediates())
        desired.chain.push_back(pki::ShareCert(c));
      desired.root = pki::ShareCert(ca.Root());
    }
    if (!root_unknown)
      result.summary.issuer_ca_fingerprint =
          pki::FingerprintSha256(desired.root.get());
  }

  // 2. The trust bundle.
  if (spec.truststore) {
    ASSIGN_OR_RETURN(desired.trust,
                     ResolveTrustSources(cs, ca.Root(), objects,
                                         options.system_bundle_path.empty()
                                             ? kDefaultSystemBundle
                                             : options.system_bundle_path,
                                         options.previous_roots));
    for (const api::TrustSource& src : spec.truststore->sources) {
      if (src.type != api::TrustSource::Type::kIssuer) continue;
      result.summary.truststore_issuer_cas.push_back(
          pki::FingerprintSha256(ca.Root()));
      for (X509* r : options.previous_roots)
        result.summary.truststore_issuer_cas.push_back(
            pki::FingerprintSha256(r));
      break;
    }
    if (desired.trust.empty())
      return InvalidArgumentError(
          "spec.truststore.sources: no certificates found");
  }

  // 3. The file layout of each Secret.
  desired.main_keys.clear();
  if (spec.keystore) {
    if (want_p12) desired.main_keys.insert(api::kKeystoreP12Key);
    if (want_jks) desired.main_keys.insert(api::kKeystoreJksKey);
    if (want_pem) {
      desired.main_keys.insert(api::kTlsCrtKey);
      desired.main_keys.insert(api::kTlsKeyKey);
      desired.main_keys.insert(api::kCaCrtKey);
    }
  }
  std::set<std::string>& trust_keys =
      separate_trust ? desired.trust_keys : desired.main_keys;
  if (spec.truststore) {
    if (want_p12) trust_keys.insert(api::kTruststoreP12Key);
    if (want_jks) trust_keys.insert(api::kTruststoreJksKey);
    if (want_pem) trust_keys.insert(api::kCaCrtKey);
  }
  bool generated_password = !spec.password.has_value();
  if (generated_password && (want_p12 || want_jks)) {
    desired.main_keys.insert(api::kPasswordKey);
    if (separate_trust) desired.trust_keys.insert(api::kPasswordKey);
  }

  // 4. Keep the stored bytes when they already hold exactly this; otherwise
  //    encode afresh.
  std::string render_hash = api::RenderHash(cs);
  std::string identity_hash = api::IdentityHash(cs);
  auto reuse = [&](const std::optional<api::SecretObject>& s,
                   const std::set<std::string>& keys,
                   bool is_main) -> std::string {
    if (!s) return "Secret missing";
    auto rh = s->metadata.annotations.find(kRenderHashAnnotation);
    if (rh == s->metadata.annotations.end() || rh->second != render_hash)
      return "store settings changed";
    if (options.verified) {
      auto e = options.verified->Find(ns + "/" + s->metadata.name,
                                      DataDigest(s->data));
      if (e && e->desired_digest ==
                   DesiredDigest(desired, keys, password, profile, is_main))
        return "";
    }
    return CheckStores(s->data, keys, desired, password, is_main);
  };

  if (options.freeze_keystore) {
    if (frozen_without_certificate || !current)
      return result;  // nothing to keep: no writes
    ASSIGN_OR_RETURN(api::SecretObject main,
                     FrozenMainSecret(cs, *current, desired, separate_trust,
                                      password, profile, now, &result));
    result.secrets.push_back(std::move(main));
  } else {
    api::SecretObject main = NewSecret(cs, spec.secret_name);
    std::string why_main = result.decision.issue
                               ? "new certificate"
                               : reuse(current, desired.main_keys, true);
    if (why_main.empty()) {
      main.data = current->data;
    } else {
      ASSIGN_OR_RETURN(main.data, EncodeStores(desired, desired.main_keys,
                                               password, profile, now,
                                               /*is_main=*/true));
      result.reencoded = true;
      result.reencode_reason = why_main;
    }
    main.metadata.annotations[kIdentityHashAnnotation] = identity_hash;
    main.metadata.annotations[kRenderHashAnnotation] = render_hash;
    main.metadata.annotations[kRevisionAnnotation] = std::to_string(revision);
    if (spec.password)
      main.metadata.annotations[kPasswordRefAnnotation] =
          spec.password->name + "/" + spec.password->key;
    result.secrets.push_back(std::move(main));
  }

  if (separate_trust) {
    api::SecretObject trust = NewSecret(cs, spec.truststore->secret_name);
    std::string why = reuse(current_trust, desired.trust_keys, false);
    if (why.empty()) {
      trust.data = current_trust->data;
    } else {
      ASSIGN_OR_RETURN(trust.data, EncodeStores(desired, desired.trust_keys,
                                                password, profile, now,
                                                /*is_main=*/false));
      result.reencoded = true;
      if (result.reencode_reason.empty()) result.reencode_reason = why;
    }
    trust.metadata.annotations[kRenderHashAnnotation] = render_hash;
    result.secrets.push_back(std::move(trust));
  }

  // 5. What to remember once written.
  if (options.verified) {
    for (const auto& sec : result.secrets) {
      bool is_main = sec.metadata.name == spec.secret_name;
      VerifiedEntry e;
      e.data_digest = DataDigest(sec.data);
      e.desired_digest = DesiredDigest(
          desired, is_main ? desired.main_keys : desired.trust_keys, password,
          profile, is_main);
      if (is_main && desired.leaf && desired.key) {
        e.cert = pki::ShareCert(desired.leaf.get());
        EVP_PKEY_up_ref(desired.key.get());
        e.key.reset(desired.key.get());
        for (const auto& c : desired.chain)
          e.chain.push_back(pki::ShareCert(c.get()));
        if (desired.root) e.chain.push_back(pki::ShareCert(desired.root.get()));
      }
      bool carries_trust = spec.truststore && (!is_main || !separate_trust);
      if (carries_trust)
        for (const auto& c : desired.trust)
          e.trust.push_back(pki::ShareCert(c.get()));
      result.verified.emplace_back(ns + "/" + sec.metadata.name, std::move(e));
    }
  }

  // 6. What status reports.
  RenderSummary& sum = result.summary;
  sum.revision = revision;
  if (desired.leaf) {
    X509* leaf = desired.leaf.get();
    sum.not_before = pki::NotBefore(leaf);
    sum.not_after = pki::NotAfter(leaf);
    sum.renewal_time =
        JitteredRenewalTime(*sum.not_before, *sum.not_after, *spec.keystore,
                            pki::FingerprintSha256(leaf));
    sum.serial_hex = pki::SerialHex(leaf);
    sum.fingerprint_sha256 = pki::FingerprintSha256(leaf);
  }
  sum.truststore_certificates = static_cast<int>(desired.trust.size());
  for (const auto& c : desired.trust) {
    TimePoint na = pki::NotAfter(c.get());
    if (!sum.truststore_earliest_not_after ||
        na < *sum.truststore_earliest_not_after)
      sum.truststore_earliest_not_after = na;
  }
  (void)Raw;
  return result;
}

}  // namespace certstore::controller
