#include "operator/pki/certificate.h"

#include <arpa/inet.h>
#include <openssl/pem.h>

#include <cstdio>

#include "operator/common/sha256.h"
#include "operator/common/time_format.h"
#include "operator/pki/key.h"
#include "operator/pki/limits.h"
#include "operator/pki/openssl_error.h"

namespace certstore::pki {
namespace {

TimePoint AsnTime(const ASN1_TIME* t) {
  struct tm tm {};
  if (!ASN1_TIME_to_tm(t, &tm)) return TimePoint();
  return FromUtc(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);
}

std::string Hex(const unsigned char* p, size_t n, bool upper, bool colons) {
  std::string out;
  char buf[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof(buf), upper ? "%02X" : "%02x", p[i]);
    if (colons && i) out += ':';
    out += buf;
  }
  return out;
}

std::string GeneralNameText(const GENERAL_NAME* gn) {
  switch (gn->type) {
    case GEN_DNS:
      return "DNS:" + std::string(reinterpret_cast<const char*>(
                                      ASN1_STRING_get0_data(gn->d.dNSName)),
                                  ASN1_STRING_length(gn->d.dNSName));
    case GEN_URI:
      return "URI:" +
             std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(
                             gn->d.uniformResourceIdentifier)),
                         ASN1_STRING_length(gn->d.uniformResourceIdentifier));
    case GEN_EMAIL:
      return "email:" +
             std::string(reinterpret_cast<const char*>(
                             ASN1_STRING_get0_data(gn->d.rfc822Name)),
                         ASN1_STRING_length(gn->d.rfc822Name));
    case GEN_IPADD: {
      char buf[INET6_ADDRSTRLEN] = {0};
      int len = ASN1_STRING_length(gn->d.iPAddress);
      const unsigned char* p = ASN1_STRING_get0_data(gn->d.iPAddress);
      if (len == 4)
        inet_ntop(AF_INET, p, buf, sizeof(buf));
      else if (len == 16)
        inet_ntop(AF_INET6, p, buf, sizeof(buf));
      return std::string("IP:") + buf;
    }
    default:
      return "other";
  }
}

// OpenSSL accepts a certificate whose public key it cannot decode (an
// algorithm it does not know, an EC point off the curve) and then has no
// EVP_PKEY for it; name the algorithm instead.
std::string PublicKeyText(X509* cert) {
  if (EVP_PKEY* pub = X509_get0_pubkey(cert)) return KeyDescription(pub);
  ASN1_OBJECT* alg = nullptr;
  X509_PUBKEY_get0_param(&alg, nullptr, nullptr, nullptr,
                         X509_get_X509_PUBKEY(cert));
  char name[80] = "unknown";
  if (alg != nullptr) OBJ_obj2txt(name, sizeof(name), alg, 0);
  ClearOpenSslErrors();
  return std::string("unreadable ") + name + " key";
}

}  // namespace

StatusOr<std::vector<X509Ptr>> ParseCertificatesPem(const std::string& pem) {
  if (pem.size() > kMaxPemBytes)
    return InvalidArgumentError("PEM is " + std::to_string(pem.size()) +
                                " bytes, more than the limit of " +
                                std::to_string(kMaxPemBytes) + " (1 MiB)");
  std::vector<X509Ptr> out;
  const std::string begin = "-----BEGIN CERTIFICATE-----";
  const std::string end = "-----END CERTIFICATE-----";
  size_t pos = 0;
  int index = 0;
  while ((pos = pem.find(begin, pos)) != std::string::npos) {
    ++index;
    if (static_cast<size_t>(index) > kMaxBundleCertificates)
      return InvalidArgumentError("PEM holds more than " +
                                  std::to_string(kMaxBundleCertificates) +
                                  " certificates (the limit per bundle)");
    size_t stop = pem.find(end, pos);
    if (stop == std::string::npos)
      return InvalidArgumentError("certificate " + std::to_string(index) +
                                  " in PEM has no END line");
    stop += end.size();
    std::string block = pem.substr(pos, stop - pos) + "\n";
    ClearOpenSslErrors();
    BioPtr bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())));
    X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (raw == nullptr)
      return OpenSslError(
          "certificate " + std::to_string(index) + " in PEM is malformed",
          StatusCode::kInvalidArgument);
    out.emplace_back(raw);
    pos = stop;
  }
  if (out.empty())
    return InvalidArgumentError(
        "no certificate found in PEM (expected \"-----BEGIN "
        "CERTIFICATE-----\")");
  return out;
}

StatusOr<X509Ptr> ParseCertificateDer(const std::string& der) {
  ClearOpenSslErrors();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* raw = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (raw == nullptr)
    return OpenSslError("certificate DER is malformed",
                        StatusCode::kInvalidArgument);
  X509Ptr cert(raw);
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size())
    return InvalidArgumentError("trailing bytes after certificate DER");
  return cert;
}

std::string EncodeCertificatePem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string EncodeCertificatesPem(const std::vector<X509*>& certs) {
  std::string out;
  for (X509* c : certs) out += EncodeCertificatePem(c);
  return out;
}

std::string EncodeCertificateDer(X509* cert) {
  unsigned char* buf = nullptr;
  int len = i2d_X509(cert, &buf);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
  OPENSSL_free(buf);
  return out;
}

std::string NameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0,
                     XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string SubjectText(X509* cert) {
  return NameText(X509_get_subject_name(cert));
}
std::string IssuerText(X509* cert) {
  return NameText(X509_get_issuer_name(cert));
}

std::string CommonName(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return "";
  ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::string FingerprintSha256(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, Sha256Md(), md, &n);
  return Hex(md, n, true, true);
}

std::string FingerprintSha256Hex(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, Sha256Md(), md, &n);
  return Hex(md, n, false, false);
}

std::string SerialHex(X509* cert) {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  char* hex = BN_bn2hex(bn.get());
  std::string out(hex);
  OPENSSL_free(hex);
  for (char& c : out) c = static_cast<char>(std::tolower(c));
  return out;
}

TimePoint NotBefore(X509* cert) { return AsnTime(X509_get0_notBefore(cert)); }
TimePoint NotAfter(X509* cert) { return AsnTime(X509_get0_notAfter(cert)); }

bool IsCa(X509* cert) {
  return X509_check_ca(cert) >= 1 &&
         (X509_get_extension_flags(cert) & EXFLAG_CA);
}

bool IsSelfSigned(X509* cert) {
  bool ok = X509_self_signed(cert, 1) == 1;
  ClearOpenSslErrors();
  return ok;
}

bool IsSelfIssued(X509* cert) {
  bool ok = X509_self_signed(cert, /*verify_signature=*/0) == 1;
  ClearOpenSslErrors();
  return ok;
}

bool SignedBy(X509* subject, X509* issuer) {
  bool ok = X509_check_issued(issuer, subject) == X509_V_OK &&
            X509_verify(subject, X509_get0_pubkey(issuer)) == 1;
  ClearOpenSslErrors();
  return ok;
}

bool SameCertificate(X509* a, X509* b) { return X509_cmp(a, b) == 0; }

CertificateInfo DescribeCertificate(X509* cert) {
  CertificateInfo info;
  info.subject = SubjectText(cert);
  info.issuer = IssuerText(cert);
  info.serial_hex = SerialHex(cert);
  info.not_before = FormatRfc3339(NotBefore(cert));
  info.not_after = FormatRfc3339(NotAfter(cert));
  info.fingerprint_sha256 = FingerprintSha256(cert);
  info.key = PublicKeyText(cert);
  info.is_ca = IsCa(cert);
  GeneralNamesPtr sans(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i)
      info.sans.push_back(
          GeneralNameText(sk_GENERAL_NAME_value(sans.get(), i)));
  }
  uint32_t xku = X509_get_extended_key_usage(cert);
  if (X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) {
    if (xku & XKU_SSL_SERVER) info.extended_key_usage.push_back("serverAuth");
    if (xku & XKU_SSL_CLIENT) info.extended_key_usage.push_back("clientAuth");
    if (xku & XKU_CODE_SIGN) info.extended_key_usage.push_back("codeSigning");
    if (xku & XKU_SMIME) info.extended_key_usage.push_back("emailProtection");
    if (xku & XKU_ANYEKU)
      info.extended_key_usage.push_back("anyExtendedKeyUsage");
  }
  uint32_t ku = X509_get_key_usage(cert);
  if (X509_get_extension_flags(cert) & EXFLAG_KUSAGE) {
    struct {
      uint32_t bit;
      const char* name;
    } kus[] = {{KU_DIGITAL_SIGNATURE, "digitalSignature"},
               {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
               {KU_KEY_AGREEMENT, "keyAgreement"},
               {KU_KEY_CERT_SIGN, "keyCertSign"},
               {KU_CRL_SIGN, "cRLSign"}};
    for (const auto& k : kus)
      if (ku & k.bit) info.key_usage.push_back(k.name);
  }
  ClearOpenSslErrors();
  return info;
}

}  // namespace certstore::pki
