#include "operator/engine/sealed_render.h"

#include "operator/api/hash.h"
#include "operator/common/sha256.h"
#include "operator/common/time_format.h"
#include "operator/engine/conversions.h"
#include "operator/engine/export.h"
#include "operator/engine/issuance_policy.h"
#include "operator/engine/reasons.h"
#include "operator/engine/renewal.h"
#include "operator/engine/secret_layout.h"
#include "operator/engine/store_password.h"
#include "operator/engine/trust_sources.h"
#include "operator/engine/verified_stores.h"
#include "operator/pki/certificate.h"

namespace certstore::engine {
namespace {

std::string Time(const std::optional<TimePoint>& t) {
  return t ? FormatRfc3339(*t) : std::string();
}

// The status facts a Secret's seal covers, as the status shows them: the
// certificate's (for the Secret with the keystore) and the truststore's
// (for the Secret that carries it).
struct StatusFacts {
  std::string not_before, not_after, renewal, serial, fingerprint, revision,
      issuer_ca;
  std::string trust_count, trust_earliest;
  std::vector<std::string> issuer_cas;
};

StatusFacts FactsOf(const RenderSummary& s) {
  return {Time(s.not_before),
          Time(s.not_after),
          Time(s.renewal_time),
          s.serial_hex,
          s.fingerprint_sha256,
          std::to_string(s.revision),
          s.issuer_ca_fingerprint,
          std::to_string(s.truststore_certificates),
          Time(s.truststore_earliest_not_after),
          s.truststore_issuer_cas};
}

// Length-prefixed, so no two different fact lists read the same.
std::string SummaryText(const StatusFacts& f, bool leaf, bool trust) {
  std::string out;
  auto add = [&out](const std::string& v) {
    out += std::to_string(v.size()) + ":" + v + ";";
  };
  add(leaf ? "leaf" : "-");
  if (leaf)
    for (const std::string* v :
         {&f.not_before, &f.not_after, &f.renewal, &f.serial, &f.fingerprint,
          &f.revision, &f.issuer_ca})
      add(*v);
  add(trust ? "trust" : "-");
  if (trust) {
    add(f.trust_count);
    add(f.trust_earliest);
    add(std::to_string(f.issuer_cas.size()));
    for (const auto& c : f.issuer_cas) add(c);
  }
  return out;
}

std::vector<std::string> Fingerprints(const std::vector<pki::X509Ptr>& certs) {
  std::vector<std::string> out;
  for (const auto& c : certs) out.push_back(pki::FingerprintSha256(c.get()));
  return out;
}

// Which parts a Secret of `cs` holds.
struct Part {
  bool is_main, leaf, trust;
};

Part PartOf(const api::CertStore& cs, bool is_main) {
  bool separate = HasSeparateTruststore(cs);
  bool has_trust = cs.spec.truststore.has_value();
  if (is_main)
    return {true, cs.spec.keystore.has_value(), has_trust && !separate};
  return {false, false, true};
}

// The part of `content` that Secret `p` holds.
SealContent ContentFor(const SealContent& all, const Part& p,
                       const std::set<std::string>& keys) {
  SealContent c;
  c.keys = keys;
  c.profile = all.profile;
  c.password = all.password;
  if (p.is_main) {
    c.alias = all.alias;
    c.leaf = all.leaf;
    c.chain = all.chain;
    c.root = all.root;
  }
  if (p.trust) c.trust = all.trust;
  return c;
}

std::string PasswordFact(const api::CertStore& cs, const SecretBytes& pw) {
  return cs.spec.password ? Sha256Hex(pw.reveal()) : std::string("generated");
}

// The same for the separate truststore Secret's own password.
std::string TrustPasswordFact(const api::CertStore& cs, const SecretBytes& pw) {
  return cs.spec.truststore->password ? Sha256Hex(pw.reveal())
                                      : std::string("generated");
}

// True when `have` carries every label and annotation of `want` (its seal
// aside) with the same value, and the same type: what WriteSecret would
// leave unchanged.
bool MetadataMatches(const api::SecretObject& want, const SecretOutline& have) {
  if (have.type != want.type) return false;
  for (const auto& [k, v] : want.metadata.labels) {
    auto it = have.metadata.labels.find(k);
    if (it == have.metadata.labels.end() || it->second != v) return false;
  }
  for (const auto& [k, v] : want.metadata.annotations) {
    auto it = have.metadata.annotations.find(k);
    if (it == have.metadata.annotations.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> TruststoreIssuerCas(
    const api::CertStore& cs, X509* root,
    const std::vector<X509*>& previous_roots) {
  std::vector<std::string> cas;
  if (!cs.spec.truststore) return cas;
  for (const api::TrustSource& src : cs.spec.truststore->sources) {
    if (src.type != api::TrustSource::Type::kIssuer) continue;
    cas.push_back(pki::FingerprintSha256(root));
    for (X509* r : previous_roots) cas.push_back(pki::FingerprintSha256(r));
    break;
  }
  return cas;
}

void SealRenderedSecrets(const api::CertStore& cs, const DesiredStores& desired,
                         const SecretBytes& password,
                         const SecretBytes& trust_password, const SealKey& key,
                         RenderResult* result) {
  const RenderSummary& sum = result->summary;
  if (sum.held_for_rotation || !sum.warning.empty()) return;
  SealContent all;
  all.alias = desired.alias;
  all.profile = static_cast<int>(ToPkcs12Profile(cs.spec.pkcs12_profile));
  if (desired.leaf) all.leaf = pki::FingerprintSha256(desired.leaf.get());
  all.chain = Fingerprints(desired.chain);
  if (desired.root) all.root = pki::FingerprintSha256(desired.root.get());
  all.trust = Fingerprints(desired.trust);
  all.password = PasswordFact(cs, password);
  StatusFacts facts = FactsOf(sum);
  std::string identity_hash = api::IdentityHash(cs),
              render_hash = api::RenderHash(cs);
  for (auto& sec : result->secrets) {
    Part p = PartOf(cs, sec.metadata.name == cs.spec.secret_name);
    SealFacts f;
    f.ns = cs.metadata.namespace_;
    f.secret = sec.metadata.name;
    f.owner_uid = cs.metadata.uid;
    f.is_main = p.is_main;
    f.type = sec.type;
    f.data_digest = DataDigest(sec.data);
    f.identity_hash = identity_hash;
    f.render_hash = render_hash;
    f.content =
        ContentFor(all, p, p.is_main ? desired.main_keys : desired.trust_keys);
    if (!p.is_main) f.content.password = TrustPasswordFact(cs, trust_password);
    f.summary = SummaryText(facts, p.leaf, p.trust);
    std::string seal = key.Seal(f);
    if (seal.empty()) continue;  // not sealed: checked in full next time
    sec.metadata.annotations[kSealAnnotation] = std::move(seal);
  }
}

std::optional<RenderResult> SealedRender(const api::CertStore& cs,
                                         const pki::CaMaterial& ca,
                                         const ObjectSource& objects,
                                         TimePoint now,
                                         const RenderOptions& options) {
  if (!options.seal || !options.status || options.freeze_keystore ||
      options.hold_previous)
    return std::nullopt;
  const api::ObservedStatus& st = *options.status;
  const api::CertStoreSpec& spec = cs.spec;
  const std::string& ns = cs.metadata.namespace_;

  // Every Secret it writes, as cached (no data read), sealed and with the
  // labels, annotations and type a write would give it: the cheap checks
  // first.
  std::vector<std::pair<api::SecretObject, SecretOutline>> secrets;
  auto main = objects.OutlineSecret(ns, spec.secret_name);
  if (!main) return std::nullopt;
  // A renewal request the stored certificate has not answered: the shell
  // does not match, and the full render issues.
  if (!RenewRequestProblem(cs).empty()) return std::nullopt;  // to report
  std::string request = spec.keystore ? RenewRequest(cs) : "";
  if (request.empty()) {
    auto it = main->metadata.annotations.find(kRenewRequestAnnotation);
    if (it != main->metadata.annotations.end() &&
        CheckRenewRequest(it->second).ok())
      request = it->second;
  }
  secrets.emplace_back(MainSecretShell(cs, st.revision, request),
                       std::move(*main));
  if (HasSeparateTruststore(cs)) {
    auto trust = objects.OutlineSecret(ns, spec.truststore->secret_name);
    if (!trust) return std::nullopt;
    secrets.emplace_back(TrustSecretShell(cs), std::move(*trust));
  }
  for (const auto& [want, have] : secrets)
    if (!MetadataMatches(want, have) ||
        !have.metadata.annotations.count(kSealAnnotation))
      return std::nullopt;
  if (spec.keystore && (st.not_before.empty() || st.not_after.empty() ||
                        st.renewal_time.empty() || st.serial_number.empty() ||
                        st.fingerprint_sha256.empty()))
    return std::nullopt;

  // What the stores are made from now.
  SealContent all;
  all.profile = static_cast<int>(ToPkcs12Profile(spec.pkcs12_profile));
  all.password = "generated";
  if (spec.password) {
    auto pw = ResolveStorePassword(cs, std::nullopt, objects);
    if (!pw.ok()) return std::nullopt;
    all.password = PasswordFact(cs, *pw);
  }
  std::string trust_password = "generated";
  if (HasSeparateTruststore(cs) && spec.truststore->password) {
    auto pw =
        ResolveTruststorePassword(cs, std::nullopt, SecretBytes(), objects);
    if (!pw.ok()) return std::nullopt;
    trust_password = TrustPasswordFact(cs, *pw);
  }
  // The certificate's facts as status states them (strings, not parsed: a
  // tenant may write status; nothing is computed from it before the seal
  // proves the operator wrote it).
  StatusFacts facts;
  facts.revision = std::to_string(st.revision);
  if (spec.keystore) {
    facts.not_before = st.not_before;
    facts.not_after = st.not_after;
    facts.renewal = st.renewal_time;
    facts.serial = st.serial_number;
    facts.fingerprint = st.fingerprint_sha256;
    all.alias = spec.keystore->alias;
    all.leaf = st.fingerprint_sha256;
    for (X509* c : ca.Intermediates())
      all.chain.push_back(pki::FingerprintSha256(c));
    all.root = pki::FingerprintSha256(ca.Root());
    facts.issuer_ca = all.root;
  }
  RenderResult r;
  RenderSummary& sum = r.summary;
  std::vector<pki::X509Ptr> trust;
  if (spec.truststore) {
    auto resolved = ResolveTrustSources(
        cs, ca.Root(), objects,
        options.system_bundle_path.empty() ? kDefaultSystemBundle
                                           : options.system_bundle_path,
        options.previous_roots, options.trust_bundles);
    if (!resolved.ok() || resolved->empty()) return std::nullopt;
    trust = std::move(resolved).value();
    all.trust = Fingerprints(trust);
    sum.truststore_issuer_cas =
        TruststoreIssuerCas(cs, ca.Root(), options.previous_roots);
    sum.truststore_certificates = static_cast<int>(trust.size());
    for (const auto& c : trust) {
      TimePoint na = pki::NotAfter(c.get());
      if (!sum.truststore_earliest_not_after ||
          na < *sum.truststore_earliest_not_after)
        sum.truststore_earliest_not_after = na;
    }
    facts.trust_count = std::to_string(sum.truststore_certificates);
    facts.trust_earliest = Time(sum.truststore_earliest_not_after);
    facts.issuer_cas = sum.truststore_issuer_cas;
  }

  SecretLayout layout = LayoutFor(cs);
  std::string identity_hash = api::IdentityHash(cs),
              render_hash = api::RenderHash(cs);
  for (const auto& [want, have] : secrets) {
    Part p = PartOf(cs, want.metadata.name == spec.secret_name);
    SealFacts f;
    f.ns = ns;
    f.secret = want.metadata.name;
    f.owner_uid = cs.metadata.uid;
    f.is_main = p.is_main;
    f.type = want.type;
    f.data_digest = have.data_digest;
    f.identity_hash = identity_hash;
    f.render_hash = render_hash;
    f.content =
        ContentFor(all, p, p.is_main ? layout.main_keys : layout.trust_keys);
    if (!p.is_main) f.content.password = trust_password;
    f.summary = SummaryText(facts, p.leaf, p.trust);
    if (!options.seal->Verifies(f,
                                have.metadata.annotations.at(kSealAnnotation)))
      return std::nullopt;
  }

  // Sealed: the status facts are the operator's own. Renewal as the full
  // render decides it (a changed renewBefore moves the time: full render).
  r.decision = {false, kReasonUpToDate, "certificate is up to date"};
  sum.revision = st.revision;
  sum.renew_request = std::move(request);
  if (spec.keystore) {
    auto nb = ParseRfc3339(st.not_before), na = ParseRfc3339(st.not_after);
    if (!nb.ok() || !na.ok()) return std::nullopt;
    sum.not_before = *nb;
    sum.not_after = *na;
    sum.fingerprint_sha256 = st.fingerprint_sha256;
    sum.serial_hex = st.serial_number;
    sum.issuer_ca_fingerprint = facts.issuer_ca;
    sum.renewal_time =
        JitteredRenewalTime(*nb, *na, *spec.keystore, sum.fingerprint_sha256);
    if (FormatRfc3339(*sum.renewal_time) != st.renewal_time ||
        now >= *sum.not_after || now >= *sum.renewal_time)
      return std::nullopt;  // the full render renews or reports it
  }
  // The export as it must be, from the ConfigMap's own leaf when that is the
  // sealed certificate; otherwise the full render makes it.
  if (spec.export_spec) {
    auto current = objects.GetConfigMap(ns, spec.export_spec->config_map_name);
    if (!current) return std::nullopt;
    r.export_config_map = ExportFromCurrent(cs, *current, st.fingerprint_sha256,
                                            ca.Intermediates(), ca.Root());
    if (!r.export_config_map) return std::nullopt;
  }
  // What the metrics inventory reads instead of opening the truststore.
  for (const auto& [want, have] : secrets) {
    if (!PartOf(cs, want.metadata.name == spec.secret_name).trust) continue;
    VerifiedEntry e;
    e.data_digest = have.data_digest;
    e.trust = pki::ShareCerts(trust);
    r.verified.emplace_back(ns + "/" + want.metadata.name, std::move(e));
  }
  return r;
}

}  // namespace certstore::engine
