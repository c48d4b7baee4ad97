#include "operator/api/defaults.h"

#include <algorithm>

namespace certstore::api {
namespace {

void DefaultKey(PrivateKey* k, bool ca) {
  if (k->algorithm.empty()) k->algorithm = "ECDSA";
  if (!k->size) {
    if (k->algorithm == "RSA")
      k->size = ca ? 3072 : 2048;
    else if (k->algorithm == "ECDSA")
      k->size = ca ? 384 : 256;
    else if (k->algorithm == "Ed25519")
      k->size = 0;
  }
}

}  // namespace

void ApplyDefaults(CertStore* cs) {
  CertStoreSpec& s = cs->spec;
  if (s.keystore) {
    KeystoreSpec& k = *s.keystore;
    if (k.alias.empty()) k.alias = kDefaultAlias;
    // Like the API server, default only what is absent: an explicit empty
    // list stays empty and fails validation (minItems: 1).
    if (!k.usages_set && k.usages.empty())
      k.usages = {"serverAuth", "clientAuth"};
    DefaultKey(&k.private_key, false);
    if (k.private_key.rotation_policy.empty())
      k.private_key.rotation_policy = "Always";
    if (k.duration.empty()) k.duration = kDefaultLeafDuration;
  }
  if (s.truststore) {
    TruststoreSpec& t = *s.truststore;
    if (!t.sources_set && t.sources.empty()) t.sources = {TrustSource{}};
    for (auto& src : t.sources)
      if ((src.type == TrustSource::Type::kSecret ||
           src.type == TrustSource::Type::kConfigMap) &&
          src.key.empty())
        src.key = kCaCrtKey;
  }
  if (!s.formats_set && s.formats.empty()) s.formats = {"PKCS12", "PEM"};
  if (s.pkcs12_profile.empty()) s.pkcs12_profile = "Modern2023";
  if (s.password && s.password->key.empty()) s.password->key = kPasswordKey;
  if (s.truststore && s.truststore->password &&
      s.truststore->password->secret_key_ref &&
      s.truststore->password->secret_key_ref->key.empty())
    s.truststore->password->secret_key_ref->key = kPasswordKey;
  if (s.secret_type.empty()) {
    bool pem =
        std::find(s.formats.begin(), s.formats.end(), "PEM") != s.formats.end();
    s.secret_type = s.keystore && pem ? kSecretTypeTls : kSecretTypeOpaque;
  }
}

void ApplyDefaults(TrustBundle* tb) {
  for (auto& src : tb->spec.sources)
    if ((src.type == BundleSource::Type::kSecret ||
         src.type == BundleSource::Type::kConfigMap) &&
        !src.all_keys && src.key.empty())
      src.key = kCaCrtKey;
  if (!tb->spec.target) return;
  BundleTarget& t = *tb->spec.target;
  if (t.config_map && t.config_map->key.empty()) t.config_map->key = kCaCrtKey;
  if (t.secret && t.secret->formats.empty()) t.secret->formats = {"PKCS12"};
}

void ApplyDefaults(Issuer* issuer) {
  if (issuer->spec.self_signed) {
    SelfSignedIssuerSpec& ss = *issuer->spec.self_signed;
    DefaultKey(&ss.private_key, true);
    if (ss.duration.empty()) ss.duration = kDefaultCaDuration;
  }
  if (issuer->spec.intermediate) {
    IntermediateIssuerSpec& im = *issuer->spec.intermediate;
    DefaultKey(&im.private_key, true);
    if (im.duration.empty()) im.duration = kDefaultIntermediateDuration;
  }
}

}  // namespace certstore::api
