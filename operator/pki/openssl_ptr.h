// unique_ptr aliases for the OpenSSL objects we hold. Nothing in this project
// frees an OpenSSL object by hand.
#ifndef CERTSTORE_PKI_OPENSSL_PTR_H_
#define CERTSTORE_PKI_OPENSSL_PTR_H_

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <vector>

namespace certstore::pki {

template <typename T, void (*F)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { F(p); }
};

using EvpPkeyPtr =
    std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using EvpPkeyCtxPtr =
    std::unique_ptr<EVP_PKEY_CTX,
                    OpenSslDeleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr =
    std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using X509NamePtr =
    std::unique_ptr<X509_NAME, OpenSslDeleter<X509_NAME, X509_NAME_free>>;
using X509StorePtr =
    std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE, X509_STORE_free>>;
using X509StoreCtxPtr =
    std::unique_ptr<X509_STORE_CTX,
                    OpenSslDeleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BIGNUM, BN_free>>;
using Asn1IntegerPtr =
    std::unique_ptr<ASN1_INTEGER,
                    OpenSslDeleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using Asn1ObjectPtr =
    std::unique_ptr<ASN1_OBJECT, OpenSslDeleter<ASN1_OBJECT, ASN1_OBJECT_free>>;
using Asn1OctetStringPtr =
    std::unique_ptr<ASN1_OCTET_STRING,
                    OpenSslDeleter<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using Asn1TimePtr =
    std::unique_ptr<ASN1_TIME, OpenSslDeleter<ASN1_TIME, ASN1_TIME_free>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, OpenSslDeleter<PKCS12, PKCS12_free>>;
using Pkcs8PrivPtr = std::unique_ptr<
    PKCS8_PRIV_KEY_INFO,
    OpenSslDeleter<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>>;
using X509SigPtr =
    std::unique_ptr<X509_SIG, OpenSslDeleter<X509_SIG, X509_SIG_free>>;
using GeneralNamesPtr =
    std::unique_ptr<GENERAL_NAMES,
                    OpenSslDeleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using ExtendedKeyUsagePtr = std::unique_ptr<
    EXTENDED_KEY_USAGE,
    OpenSslDeleter<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>>;
using BasicConstraintsPtr =
    std::unique_ptr<BASIC_CONSTRAINTS,
                    OpenSslDeleter<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>>;
using Asn1BitStringPtr =
    std::unique_ptr<ASN1_BIT_STRING,
                    OpenSslDeleter<ASN1_BIT_STRING, ASN1_BIT_STRING_free>>;

// Stacks own their elements; freed with the element's free function.
struct SafeBagStackDeleter {
  void operator()(STACK_OF(PKCS12_SAFEBAG) * s) const {
    sk_PKCS12_SAFEBAG_pop_free(s, PKCS12_SAFEBAG_free);
  }
};
using SafeBagStackPtr =
    std::unique_ptr<STACK_OF(PKCS12_SAFEBAG), SafeBagStackDeleter>;
struct Pkcs7StackDeleter {
  void operator()(STACK_OF(PKCS7) * s) const {
    sk_PKCS7_pop_free(s, PKCS7_free);
  }
};
using Pkcs7StackPtr = std::unique_ptr<STACK_OF(PKCS7), Pkcs7StackDeleter>;
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

// Up-refs `x` and returns an owning pointer to the same certificate.
inline X509Ptr ShareCert(X509* x) {
  X509_up_ref(x);
  return X509Ptr(x);
}
inline EvpPkeyPtr ShareKey(EVP_PKEY* k) {
  EVP_PKEY_up_ref(k);
  return EvpPkeyPtr(k);
}
// Copies a vector of owning certificate pointers (sharing, not deep copies).
inline std::vector<X509Ptr> ShareCerts(const std::vector<X509Ptr>& v) {
  std::vector<X509Ptr> out;
  out.reserve(v.size());
  for (const auto& c : v) out.push_back(ShareCert(c.get()));
  return out;
}

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_OPENSSL_PTR_H_
