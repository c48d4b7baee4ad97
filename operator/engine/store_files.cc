#include "operator/engine/store_files.h"

#include "operator/api/types.h"
#include "operator/engine/secret_layout.h"
#include "operator/pki/certificate.h"
#include "operator/pki/jks.h"
#include "operator/pki/key.h"

namespace certstore::engine {
namespace {

std::vector<X509*> KeystoreChain(const DesiredStores& d) {
  std::vector<X509*> out{d.leaf.get()};
  for (const auto& c : d.chain) out.push_back(c.get());
  if (d.root && d.root.get() != d.leaf.get()) out.push_back(d.root.get());
  return out;
}

std::vector<X509*> Raw(const std::vector<pki::X509Ptr>& v) {
  std::vector<X509*> out;
  for (const auto& c : v) out.push_back(c.get());
  return out;
}

std::set<std::string> Fingerprints(const std::vector<X509*>& v) {
  std::set<std::string> out;
  for (X509* c : v) out.insert(pki::FingerprintSha256Hex(c));
  return out;
}

// ca.crt is the truststore in PEM form in the Secret that carries the
// truststore (the main one unless truststore.secretName is set), whatever
// other formats are written; elsewhere it is the issuer's root. Deciding by
// the presence of truststore.p12/.jks instead dropped every trust source
// but the issuer's root when PEM was the only format.
std::string CaPem(const DesiredStores& d, bool is_main) {
  bool carries_trust = !d.trust.empty() && (!is_main || d.trust_keys.empty());
  if (carries_trust || !d.root) return pki::EncodeCertificatesPem(Raw(d.trust));
  return pki::EncodeCertificatePem(d.root.get());
}

// Checks a parsed store against what it should hold.
std::string CheckContents(const std::string& file, const pki::StoreContents& c,
                          const DesiredStores& d, bool keystore) {
  if (keystore) {
    if (c.entries.size() != 1 ||
        c.entries[0].type != pki::EntryType::kPrivateKey)
      return file + " does not hold exactly one private key entry";
    const auto& e = c.entries[0];
    if (e.alias != d.alias) return file + " alias changed";
    if (!pki::SameKey(e.key.get(), d.key.get()))
      return file + " holds a different private key";
    std::vector<X509*> got;
    for (const auto& x : e.chain) got.push_back(x.get());
    if (Fingerprints(got) != Fingerprints(KeystoreChain(d)) ||
        pki::FingerprintSha256Hex(got[0]) !=
            pki::FingerprintSha256Hex(d.leaf.get()))
      return file + " holds a different certificate chain";
    return "";
  }
  std::vector<X509*> got;
  for (const auto& e : c.entries) {
    if (e.type != pki::EntryType::kTrustedCert)
      return file + " holds an entry that is not a trusted certificate";
    got.push_back(e.chain[0].get());
  }
  if (Fingerprints(got) != Fingerprints(Raw(d.trust)))
    return file + " holds different trusted certificates";
  return "";
}

std::string TlsCrtPem(const DesiredStores& d) {
  std::vector<X509*> certs{d.leaf.get()};
  for (const auto& c : d.chain) certs.push_back(c.get());
  return pki::EncodeCertificatesPem(certs);
}

// tls-combined.pem: the private key, then the leaf and its intermediates.
StatusOr<SecretBytes> CombinedPem(const DesiredStores& d) {
  ASSIGN_OR_RETURN(SecretBytes key, pki::EncodePrivateKeyPem(d.key.get()));
  std::string out = key.reveal();
  out += TlsCrtPem(d);
  return SecretBytes(std::move(out));
}

}  // namespace

StatusOr<std::map<std::string, std::string>> EncodeStores(
    const DesiredStores& d, const std::set<std::string>& keys,
    const SecretBytes& password, pki::Pkcs12Profile profile, TimePoint now,
    bool is_main) {
  std::map<std::string, std::string> out;
  for (const std::string& k : keys) {
    if (k == api::kKeystoreP12Key) {
      ASSIGN_OR_RETURN(out[k],
                       pki::EncodePkcs12Keystore(d.key.get(), KeystoreChain(d),
                                                 d.alias, password, profile));
    } else if (k == api::kKeystoreJksKey) {
      ASSIGN_OR_RETURN(
          out[k], pki::EncodeJksKeystore(d.key.get(), KeystoreChain(d), d.alias,
                                         password, now));
    } else if (k == api::kTruststoreP12Key) {
      ASSIGN_OR_RETURN(
          out[k], pki::EncodePkcs12Truststore(Raw(d.trust), password, profile));
    } else if (k == api::kTruststoreJksKey) {
      ASSIGN_OR_RETURN(out[k],
                       pki::EncodeJksTruststore(Raw(d.trust), password, now));
    } else if (k == api::kTlsCrtKey) {
      out[k] = TlsCrtPem(d);
    } else if (k == api::kTlsKeyKey) {
      ASSIGN_OR_RETURN(SecretBytes pem, pki::EncodePrivateKeyPem(d.key.get()));
      out[k] = pem.reveal();
    } else if (k == api::kTlsCombinedPemKey) {
      ASSIGN_OR_RETURN(SecretBytes pem, CombinedPem(d));
      out[k] = pem.reveal();
    } else if (k == api::kTlsDerKey) {
      out[k] = pki::EncodeCertificateDer(d.leaf.get());
    } else if (k == api::kKeyDerKey) {
      ASSIGN_OR_RETURN(SecretBytes der, pki::EncodePrivateKeyDer(d.key.get()));
      out[k] = der.reveal();
    } else if (k == api::kCaCrtKey) {
      out[k] = CaPem(d, is_main);
    } else if (k == api::kPasswordKey) {
      out[k] = password.reveal();
    } else {
      return InternalError("unknown data key " + k);
    }
  }
  return out;
}

std::string CheckStores(const std::map<std::string, std::string>& data,
                        const std::set<std::string>& keys,
                        const DesiredStores& d, const SecretBytes& password,
                        bool is_main) {
  for (const auto& k : keys)
    if (!data.count(k)) return k + " missing";
  // Keys that are not ours (IsOperatorKey) are the user's: not checked.
  for (const auto& [k, v] : data)
    if (!keys.count(k) && IsOperatorKey(k)) return "unexpected key " + k;
  for (const std::string& k : keys) {
    const std::string& v = data.at(k);
    if (k == api::kKeystoreP12Key || k == api::kTruststoreP12Key) {
      auto c = pki::ParsePkcs12(v, password);
      if (!c.ok()) return k + " does not open with the password";
      std::string why = CheckContents(k, *c, d, k == api::kKeystoreP12Key);
      if (!why.empty()) return why;
    } else if (k == api::kKeystoreJksKey || k == api::kTruststoreJksKey) {
      auto c = pki::ParseJks(v, password);
      if (!c.ok()) return k + " does not open with the password";
      std::string why = CheckContents(k, *c, d, k == api::kKeystoreJksKey);
      if (!why.empty()) return why;
    } else if (k == api::kTlsCrtKey) {
      if (v != TlsCrtPem(d)) return "tls.crt was modified";
    } else if (k == api::kTlsCombinedPemKey) {
      auto want = CombinedPem(d);
      if (!want.ok() || v != want->reveal()) return k + " was modified";
    } else if (k == api::kTlsDerKey) {
      if (v != pki::EncodeCertificateDer(d.leaf.get()))
        return k + " was modified";
    } else if (k == api::kKeyDerKey) {
      auto want = pki::EncodePrivateKeyDer(d.key.get());
      if (!want.ok() || v != want->reveal()) return k + " was modified";
    } else if (k == api::kTlsKeyKey) {
      auto key = pki::ParsePrivateKeyPem(SecretBytes(v));
      if (!key.ok() || !pki::SameKey(key->get(), d.key.get()))
        return "tls.key was modified";
    } else if (k == api::kCaCrtKey) {
      if (v != CaPem(d, is_main)) return "ca.crt was modified";
    } else if (k == api::kPasswordKey) {
      if (v != password.reveal()) return "password was modified";
    }
  }
  return "";
}

}  // namespace certstore::engine
