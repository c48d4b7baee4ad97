#include "operator/pki/pbe_description.h"

#include <openssl/asn1t.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace certstore::pki {
namespace {

std::string NidName(int nid) {
  const char* ln = OBJ_nid2ln(nid);
  if (ln) return ln;
  return "unknown";
}

std::string CipherName(int nid) {
  switch (nid) {
    case NID_aes_256_cbc:
      return "AES-256-CBC";
    case NID_aes_128_cbc:
      return "AES-128-CBC";
    case NID_des_ede3_cbc:
      return "DES-EDE3-CBC";
    default:
      return NidName(nid);
  }
}

std::string PrfName(const X509_ALGOR* prf) {
  if (prf == nullptr) return "PBKDF2-HMAC-SHA1";
  int nid = OBJ_obj2nid(prf->algorithm);
  switch (nid) {
    case NID_hmacWithSHA256:
      return "PBKDF2-HMAC-SHA256";
    case NID_hmacWithSHA512:
      return "PBKDF2-HMAC-SHA512";
    case NID_hmacWithSHA1:
      return "PBKDF2-HMAC-SHA1";
    default:
      return "PBKDF2-" + NidName(nid);
  }
}

}  // namespace

std::string DescribePbe(const X509_ALGOR* alg) {
  if (alg == nullptr) return "none";
  int nid = OBJ_obj2nid(alg->algorithm);
  if (nid == NID_pbes2) {
    PBE2PARAM* p2 = static_cast<PBE2PARAM*>(
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter));
    if (p2 == nullptr) return "PBES2 (unreadable parameters)";
    std::string cipher = CipherName(OBJ_obj2nid(p2->encryption->algorithm));
    std::string out = cipher;
    if (OBJ_obj2nid(p2->keyfunc->algorithm) == NID_id_pbkdf2) {
      PBKDF2PARAM* kdf = static_cast<PBKDF2PARAM*>(ASN1_TYPE_unpack_sequence(
          ASN1_ITEM_rptr(PBKDF2PARAM), p2->keyfunc->parameter));
      if (kdf != nullptr) {
        out += ", " + PrfName(kdf->prf) + ", " +
               std::to_string(ASN1_INTEGER_get(kdf->iter)) + " iterations";
        PBKDF2PARAM_free(kdf);
      }
    }
    PBE2PARAM_free(p2);
    return out;
  }
  std::string out = OBJ_nid2sn(nid) ? OBJ_nid2sn(nid) : "unknown";
  PBEPARAM* pbe = static_cast<PBEPARAM*>(
      ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), alg->parameter));
  if (pbe != nullptr) {
    out += ", " + std::to_string(ASN1_INTEGER_get(pbe->iter)) + " iterations";
    PBEPARAM_free(pbe);
  }
  return out;
}

std::optional<int64_t> PbeIterations(const X509_ALGOR* alg) {
  if (alg == nullptr) return std::nullopt;
  auto count = [](const ASN1_INTEGER* iter) -> std::optional<int64_t> {
    int64_t v = 0;
    if (iter == nullptr || ASN1_INTEGER_get_int64(&v, iter) != 1 || v < 1)
      return std::nullopt;
    return v;
  };
  if (OBJ_obj2nid(alg->algorithm) == NID_pbes2) {
    std::unique_ptr<PBE2PARAM, decltype(&PBE2PARAM_free)> p2(
        static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(
            ASN1_ITEM_rptr(PBE2PARAM), alg->parameter)),
        PBE2PARAM_free);
    if (!p2 || OBJ_obj2nid(p2->keyfunc->algorithm) != NID_id_pbkdf2)
      return std::nullopt;
    std::unique_ptr<PBKDF2PARAM, decltype(&PBKDF2PARAM_free)> kdf(
        static_cast<PBKDF2PARAM*>(ASN1_TYPE_unpack_sequence(
            ASN1_ITEM_rptr(PBKDF2PARAM), p2->keyfunc->parameter)),
        PBKDF2PARAM_free);
    if (!kdf) return std::nullopt;
    return count(kdf->iter);
  }
  std::unique_ptr<PBEPARAM, decltype(&PBEPARAM_free)> pbe(
      static_cast<PBEPARAM*>(
          ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), alg->parameter)),
      PBEPARAM_free);
  if (!pbe) return std::nullopt;
  return count(pbe->iter);
}

}  // namespace certstore::pki
