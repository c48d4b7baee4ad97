#include "operator/pki/pkcs12.h"

#include <openssl/pkcs12.h>

#include <set>

#include "operator/pki/certificate.h"
#include "operator/pki/key.h"
#include "operator/pki/limits.h"
#include "operator/pki/openssl_error.h"
#include "operator/pki/pbe_description.h"

namespace certstore::pki {
namespace {

// Oracle's "trusted key usage" attribute; see DESIGN.md.
constexpr char kJavaTrustedKeyUsageOid[] = "2.16.840.1.113894.746875.1.1";

struct ProfileParams {
  int key_pbe;   // NID passed to the PKCS#8 encryption
  int cert_pbe;  // NID passed to the encrypted-data safe
  int iterations;
  const EVP_MD* mac_md;
};

ProfileParams Params(Pkcs12Profile p) {
  if (p == Pkcs12Profile::kLegacyDES)
    return {NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
            NID_pbe_WithSHA1And3_Key_TripleDES_CBC, kLegacyDesIterations,
            EVP_sha1()};
  // A cipher NID selects PBES2 with PBKDF2-HMAC-SHA256.
  return {NID_aes_256_cbc, NID_aes_256_cbc, kModern2023Iterations,
          EVP_sha256()};
}

// Packs the cert safe (encrypted) and optional key safe into a MACed PKCS12.
StatusOr<std::string> Assemble(SafeBagStackPtr cert_bags,
                               SafeBagStackPtr key_bags,
                               const SecretBytes& password,
                               const ProfileParams& pp) {
  const char* pass = password.reveal().c_str();
  Pkcs7StackPtr safes(sk_PKCS7_new_null());
  PKCS7* certs =
      PKCS12_pack_p7encdata_ex(pp.cert_pbe, pass, -1, nullptr, 0, pp.iterations,
                               cert_bags.get(), nullptr, nullptr);
  if (certs == nullptr) return OpenSslError("cannot encrypt certificates");
  sk_PKCS7_push(safes.get(), certs);
  if (key_bags) {
    PKCS7* keys = PKCS12_pack_p7data(key_bags.get());
    if (keys == nullptr) return OpenSslError("cannot pack key");
    sk_PKCS7_push(safes.get(), keys);
  }
  Pkcs12Ptr p12(PKCS12_add_safes_ex(safes.get(), 0, nullptr, nullptr));
  if (!p12) return OpenSslError("cannot assemble PKCS#12");
  if (!PKCS12_set_mac(p12.get(), pass, -1, nullptr, 0, pp.iterations,
                      pp.mac_md))
    return OpenSslError("cannot compute PKCS#12 MAC");
  unsigned char* der = nullptr;
  int len = i2d_PKCS12(p12.get(), &der);
  if (len <= 0) return OpenSslError("cannot encode PKCS#12");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

StatusOr<PKCS12_SAFEBAG*> CertBag(X509* cert, const std::string& alias) {
  PKCS12_SAFEBAG* bag = PKCS12_SAFEBAG_create_cert(cert);
  if (bag == nullptr) return OpenSslError("cannot create certificate bag");
  if (!alias.empty() && !PKCS12_add_friendlyname_utf8(bag, alias.c_str(), -1)) {
    PKCS12_SAFEBAG_free(bag);
    return OpenSslError("cannot set friendlyName");
  }
  return bag;
}

// Key derivation costs iterations x password length: a tenant's 1 MiB
// password would cost minutes.
Status CheckPasswordLength(const SecretBytes& password) {
  if (password.size() > kMaxPasswordBytes)
    return InvalidArgumentError(
        "the store password is " + std::to_string(password.size()) +
        " bytes, more than the limit of " + std::to_string(kMaxPasswordBytes));
  return OkStatus();
}

}  // namespace

const char* Pkcs12ProfileName(Pkcs12Profile p) {
  return p == Pkcs12Profile::kLegacyDES ? "LegacyDES" : "Modern2023";
}

StatusOr<std::string> EncodePkcs12Keystore(EVP_PKEY* key,
                                           const std::vector<X509*>& chain,
                                           const std::string& alias,
                                           const SecretBytes& password,
                                           Pkcs12Profile profile) {
  RETURN_IF_ERROR(CheckPasswordLength(password));
  if (chain.empty())
    return InvalidArgumentError(
        "a keystore needs at least the leaf certificate");
  if (!KeyMatchesCertificate(key, chain[0]))
    return InvalidArgumentError(
        "private key does not match the certificate \"" +
        SubjectText(chain[0]) + "\"");
  ClearOpenSslErrors();
  ProfileParams pp = Params(profile);
  unsigned char keyid[EVP_MAX_MD_SIZE];
  unsigned int keyid_len = 0;
  X509_digest(chain[0], EVP_sha1(), keyid, &keyid_len);

  SafeBagStackPtr cert_bags(sk_PKCS12_SAFEBAG_new_null());
  for (size_t i = 0; i < chain.size(); ++i) {
    ASSIGN_OR_RETURN(PKCS12_SAFEBAG * bag,
                     CertBag(chain[i], i == 0 ? alias : std::string()));
    sk_PKCS12_SAFEBAG_push(cert_bags.get(), bag);
    if (i == 0 &&
        !PKCS12_add_localkeyid(bag, keyid, static_cast<int>(keyid_len)))
      return OpenSslError("cannot set localKeyId");
  }

  Pkcs8PrivPtr p8(EVP_PKEY2PKCS8(key));
  if (!p8) return OpenSslError("cannot convert key to PKCS#8");
  PKCS12_SAFEBAG* kbag = PKCS12_SAFEBAG_create_pkcs8_encrypt_ex(
      pp.key_pbe, password.reveal().c_str(), -1, nullptr, 0, pp.iterations,
      p8.get(), nullptr, nullptr);
  if (kbag == nullptr) return OpenSslError("cannot encrypt private key");
  SafeBagStackPtr key_bags(sk_PKCS12_SAFEBAG_new_null());
  sk_PKCS12_SAFEBAG_push(key_bags.get(), kbag);
  if (!PKCS12_add_friendlyname_utf8(kbag, alias.c_str(), -1) ||
      !PKCS12_add_localkeyid(kbag, keyid, static_cast<int>(keyid_len)))
    return OpenSslError("cannot set key bag attributes");
  return Assemble(std::move(cert_bags), std::move(key_bags), password, pp);
}

StatusOr<std::string> EncodePkcs12Truststore(const std::vector<X509*>& certs,
                                             const SecretBytes& password,
                                             Pkcs12Profile profile) {
  RETURN_IF_ERROR(CheckPasswordLength(password));
  if (certs.empty())
    return InvalidArgumentError("a truststore needs at least one certificate");
  ClearOpenSslErrors();
  ProfileParams pp = Params(profile);
  SafeBagStackPtr bags(sk_PKCS12_SAFEBAG_new_null());
  std::set<std::string> seen;
  for (X509* c : certs) {
    if (!seen.insert(FingerprintSha256Hex(c)).second) continue;
    ASSIGN_OR_RETURN(PKCS12_SAFEBAG * bag, CertBag(c, TrustedCertAlias(c)));
    sk_PKCS12_SAFEBAG_push(bags.get(), bag);
    // With len == -1 the data is taken as an ASN1_OBJECT* and copied.
    if (!PKCS12_add1_attr_by_txt(bag, kJavaTrustedKeyUsageOid, V_ASN1_OBJECT,
                                 reinterpret_cast<const unsigned char*>(
                                     OBJ_nid2obj(NID_anyExtendedKeyUsage)),
                                 -1))
      return OpenSslError("cannot add the Java trusted-key-usage attribute");
  }
  return Assemble(std::move(bags), nullptr, password, pp);
}

}  // namespace certstore::pki
