// ParsePkcs12: reads a PKCS#12 file bag by bag, keeping per-bag attributes
// (friendlyName, localKeyId, Java's trusted-key-usage) that PKCS12_parse()
// throws away, and classifies entries the way Java's KeyStore does.
#include <openssl/pkcs12.h>

#include <map>

#include "operator/pki/certificate.h"
#include "operator/pki/limits.h"
#include "operator/pki/openssl_error.h"
#include "operator/pki/pbe_description.h"
#include "operator/pki/pkcs12.h"

namespace certstore::pki {
namespace {

constexpr char kJavaTrustedKeyUsageOid[] = "2.16.840.1.113894.746875.1.1";

struct RawCert {
  X509Ptr cert;
  std::string alias;
  std::string local_key_id;
  bool java_trusted = false;
  bool used = false;
};
struct RawKey {
  EvpPkeyPtr key;
  std::string alias;
  std::string local_key_id;
};

std::string FriendlyName(const PKCS12_SAFEBAG* bag) {
  char* name = PKCS12_get_friendlyname(const_cast<PKCS12_SAFEBAG*>(bag));
  if (name == nullptr) return "";
  std::string out(name);
  OPENSSL_free(name);
  return out;
}

std::string LocalKeyId(const PKCS12_SAFEBAG* bag) {
  const ASN1_TYPE* t = PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID);
  if (t == nullptr || t->type != V_ASN1_OCTET_STRING) return "";
  return std::string(reinterpret_cast<const char*>(
                         ASN1_STRING_get0_data(t->value.octet_string)),
                     ASN1_STRING_length(t->value.octet_string));
}

bool HasJavaTrust(const PKCS12_SAFEBAG* bag) {
  const STACK_OF(X509_ATTRIBUTE)* attrs = PKCS12_SAFEBAG_get0_attrs(bag);
  for (int i = 0; i < sk_X509_ATTRIBUTE_num(attrs); ++i) {
    char oid[80];
    OBJ_obj2txt(oid, sizeof(oid),
                X509_ATTRIBUTE_get0_object(sk_X509_ATTRIBUTE_value(attrs, i)),
                1);
    if (std::string(oid) == kJavaTrustedKeyUsageOid) return true;
  }
  return false;
}

// Refuses a key derivation the file asks for before it is performed: one
// above the per-derivation cap, or one that would take the whole file past
// its budget (`spent` so far).
Status CheckIterations(const char* what, std::optional<int64_t> iterations,
                       const Pkcs12Limits& limits, int64_t* spent) {
  if (!iterations)
    return InvalidArgumentError(
        std::string("PKCS#12 ") + what +
        ": unreadable or unsupported key-derivation parameters");
  if (*iterations > limits.per_derivation)
    return InvalidArgumentError(
        std::string("PKCS#12 ") + what + " asks for " +
        std::to_string(*iterations) +
        " key-derivation iterations, more than the limit of " +
        std::to_string(limits.per_derivation) +
        " (Java writes 10,000; OpenSSL 2,048); not read");
  *spent += *iterations;
  if (*spent > limits.per_file)
    return InvalidArgumentError(
        std::string("PKCS#12 ") + what + " would take the file to " +
        std::to_string(*spent) +
        " key-derivation iterations in all, more than the limit of " +
        std::to_string(limits.per_file) +
        " per file (too many encrypted safes or key bags); not read");
  return OkStatus();
}

}  // namespace

StatusOr<StoreContents> ParsePkcs12(const std::string& bytes,
                                    const SecretBytes& password,
                                    const Pkcs12Limits& limits) {
  ClearOpenSslErrors();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(bytes.size())));
  if (!p12) {
    ClearOpenSslErrors();
    return InvalidArgumentError("not a PKCS#12 file");
  }
  if (password.size() > kMaxPasswordBytes)
    return InvalidArgumentError(
        "the store password is " + std::to_string(password.size()) +
        " bytes, more than the limit of " + std::to_string(kMaxPasswordBytes));
  const char* pass = password.reveal().c_str();
  size_t bag_count = 0;
  StoreContents out;
  out.format = "PKCS12";
  std::string mac = "no MAC";
  int64_t spent = 0;  // key-derivation iterations so far
  if (PKCS12_mac_present(p12.get())) {
    const ASN1_INTEGER* mac_iter = nullptr;
    PKCS12_get0_mac(nullptr, nullptr, nullptr, &mac_iter, p12.get());
    int64_t mac_count = 1;  // absent: the default of 1
    if (mac_iter != nullptr &&
        ASN1_INTEGER_get_int64(&mac_count, mac_iter) != 1)
      mac_count = -1;
    RETURN_IF_ERROR(CheckIterations(
        "MAC",
        mac_count >= 1 ? std::optional<int64_t>(mac_count) : std::nullopt,
        limits, &spent));
    if (!PKCS12_verify_mac(p12.get(), pass, -1)) {
      ClearOpenSslErrors();
      return PermissionDeniedError(
          "wrong password or corrupted store (PKCS#12 MAC verification "
          "failed)");
    }
    const X509_ALGOR* macalg = nullptr;
    const ASN1_INTEGER* iter = nullptr;
    PKCS12_get0_mac(nullptr, &macalg, nullptr, &iter, p12.get());
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, macalg);
    mac = std::string("MAC ") + OBJ_nid2sn(OBJ_obj2nid(obj)) + ", " +
          std::to_string(iter ? ASN1_INTEGER_get(iter) : 1) + " iterations";
  }

  Pkcs7StackPtr safes(PKCS12_unpack_authsafes(p12.get()));
  if (!safes)
    return OpenSslError("cannot read PKCS#12 contents",
                        StatusCode::kInvalidArgument);
  std::vector<RawCert> certs;
  std::vector<RawKey> keys;
  std::string cert_pbe = "unencrypted", key_pbe = "none";
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* p7 = sk_PKCS7_value(safes.get(), i);
    SafeBagStackPtr bags;
    int nid = OBJ_obj2nid(p7->type);
    if (nid == NID_pkcs7_data) {
      bags.reset(PKCS12_unpack_p7data(p7));
    } else if (nid == NID_pkcs7_encrypted) {
      const X509_ALGOR* alg = p7->d.encrypted->enc_data->algorithm;
      RETURN_IF_ERROR(CheckIterations("encrypted safe", PbeIterations(alg),
                                      limits, &spent));
      cert_pbe = DescribePbe(alg);
      bags.reset(PKCS12_unpack_p7encdata(p7, pass, -1));
    } else {
      return InvalidArgumentError("unsupported PKCS#12 safe type " +
                                  std::string(OBJ_nid2sn(nid)));
    }
    if (!bags)
      return OpenSslError(
          "cannot decrypt PKCS#12 safe (needs the "
          "legacy provider, or a wrong password)",
          StatusCode::kInvalidArgument);
    bag_count +=
        static_cast<size_t>(std::max(0, sk_PKCS12_SAFEBAG_num(bags.get())));
    if (bag_count > kMaxStoreEntries)
      return InvalidArgumentError("PKCS#12 file holds more than " +
                                  std::to_string(kMaxStoreEntries) +
                                  " bags (the limit per store); not read");
    for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags.get()); ++j) {
      const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags.get(), j);
      int type = PKCS12_SAFEBAG_get_nid(bag);
      if (type == NID_pkcs8ShroudedKeyBag || type == NID_keyBag) {
        Pkcs8PrivPtr p8;
        const PKCS8_PRIV_KEY_INFO* p8_view = nullptr;
        if (type == NID_pkcs8ShroudedKeyBag) {
          const X509_SIG* sig = PKCS12_SAFEBAG_get0_pkcs8(bag);
          const X509_ALGOR* alg = nullptr;
          X509_SIG_get0(sig, &alg, nullptr);
          RETURN_IF_ERROR(
              CheckIterations("key bag", PbeIterations(alg), limits, &spent));
          key_pbe = DescribePbe(alg);
          p8.reset(PKCS12_decrypt_skey(bag, pass, -1));
          p8_view = p8.get();
        } else {
          key_pbe = "unencrypted";
          p8_view = PKCS12_SAFEBAG_get0_p8inf(bag);
        }
        if (p8_view == nullptr)
          return OpenSslError("cannot decrypt private key",
                              StatusCode::kInvalidArgument);
        EVP_PKEY* k = EVP_PKCS82PKEY(p8_view);
        if (k == nullptr)
          return OpenSslError("cannot read private key",
                              StatusCode::kInvalidArgument);
        keys.push_back({EvpPkeyPtr(k), FriendlyName(bag), LocalKeyId(bag)});
      } else if (type == NID_certBag &&
                 PKCS12_SAFEBAG_get_bag_nid(bag) == NID_x509Certificate) {
        X509* c = PKCS12_SAFEBAG_get1_cert(bag);
        if (c == nullptr)
          return OpenSslError("cannot read certificate bag",
                              StatusCode::kInvalidArgument);
        certs.push_back({X509Ptr(c), FriendlyName(bag), LocalKeyId(bag),
                         HasJavaTrust(bag), false});
      }
    }
  }
  out.protection =
      "keys: " + key_pbe + "; certificates: " + cert_pbe + "; " + mac;

  // Key entries: the leaf shares the key's localKeyId; the chain follows
  // issuer names, as Java's PKCS12KeyStore does.
  for (auto& k : keys) {
    StoreEntry e;
    e.type = EntryType::kPrivateKey;
    e.alias = k.alias;
    e.key = std::move(k.key);
    RawCert* cur = nullptr;
    for (auto& c : certs)
      if (!k.local_key_id.empty() && c.local_key_id == k.local_key_id) cur = &c;
    while (cur != nullptr && !cur->used && e.chain.size() < 16) {
      cur->used = true;
      e.chain.push_back(ShareCert(cur->cert.get()));
      if (IsSelfSigned(cur->cert.get())) break;
      RawCert* next = nullptr;
      for (auto& c : certs)
        if (!c.used &&
            X509_check_issued(c.cert.get(), cur->cert.get()) == X509_V_OK)
          next = &c;
      cur = next;
    }
    ClearOpenSslErrors();
    out.entries.push_back(std::move(e));
  }
  for (auto& c : certs) {
    if (c.used) continue;
    StoreEntry e;
    e.alias = c.alias;
    e.type = c.java_trusted ? EntryType::kTrustedCert : EntryType::kCertOnly;
    e.chain.push_back(std::move(c.cert));
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace certstore::pki
