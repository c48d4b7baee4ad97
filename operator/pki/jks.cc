#include "operator/pki/jks.h"

#include <openssl/rand.h>

#include <cctype>
#include <set>

#include "operator/pki/certificate.h"
#include "operator/pki/key.h"
#include "operator/pki/limits.h"
#include "operator/pki/openssl_error.h"

namespace certstore::pki {
namespace {

constexpr uint32_t kMagic = 0xFEEDFEED;
constexpr uint32_t kJceksMagic = 0xCECECECE;
constexpr char kKeyProtectorOid[] = "1.3.6.1.4.1.42.2.17.1.1";
constexpr char kWhitener[] = "Mighty Aphrodite";
constexpr size_t kSha1Len = 20;

// Java's char[] password as bytes: UTF-16BE.
StatusOr<SecretBytes> PasswordBytes(const SecretBytes& password) {
  const std::string& s = password.reveal();
  if (s.size() > kMaxPasswordBytes)
    return InvalidArgumentError(
        "the store password is " + std::to_string(s.size()) +
        " bytes, more than the limit of " + std::to_string(kMaxPasswordBytes));
  std::string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t n;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      n = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      n = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      n = 4;
    } else
      return InvalidArgumentError("password is not valid UTF-8");
    if (i + n > s.size())
      return InvalidArgumentError("password is not valid UTF-8");
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    i += n;
    auto put = [&out](uint32_t u) {
      out += static_cast<char>((u >> 8) & 0xFF);
      out += static_cast<char>(u & 0xFF);
    };
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(0xD800 + (cp >> 10));
      put(0xDC00 + (cp & 0x3FF));
    } else {
      put(cp);
    }
  }
  return SecretBytes(std::move(out));
}

std::string Sha1(const std::string& a, const std::string& b,
                 const std::string& c = "") {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr);
  EVP_DigestUpdate(ctx.get(), a.data(), a.size());
  EVP_DigestUpdate(ctx.get(), b.data(), b.size());
  EVP_DigestUpdate(ctx.get(), c.data(), c.size());
  EVP_DigestFinal_ex(ctx.get(), md, &n);
  return std::string(reinterpret_cast<char*>(md), n);
}

// Sun's KeyProtector keystream: SHA-1 chained over (password || previous).
std::string Keystream(const std::string& pw, const std::string& salt,
                      size_t len) {
  std::string out, digest = salt;
  while (out.size() < len) {
    digest = Sha1(pw, digest);
    out += digest.substr(0, std::min(kSha1Len, len - out.size()));
  }
  return out;
}

class Writer {
 public:
  void U16(uint32_t v) { Put(v, 2); }
  void U32(uint32_t v) { Put(v, 4); }
  void U64(uint64_t v) { Put(v, 8); }
  void Utf(const std::string& s) {  // alias and cert type are ASCII here
    U16(static_cast<uint32_t>(s.size()));
    buf += s;
  }
  void Bytes(const std::string& b) {
    U32(static_cast<uint32_t>(b.size()));
    buf += b;
  }
  std::string buf;

 private:
  void Put(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i)
      buf += static_cast<char>((v >> (8 * i)) & 0xFF);
  }
};

class Reader {
 public:
  explicit Reader(const std::string& b) : b_(b) {}
  bool U16(uint32_t* v) { return Get(v, 2); }
  bool U32(uint32_t* v) { return Get(v, 4); }
  bool U64(uint64_t* v) {
    uint32_t hi, lo;
    if (!Get(&hi, 4) || !Get(&lo, 4)) return false;
    *v = (uint64_t(hi) << 32) | lo;
    return true;
  }
  bool Utf(std::string* s) {
    uint32_t n;
    return U16(&n) && Take(n, s);
  }
  bool Bytes(std::string* s) {
    uint32_t n;
    return U32(&n) && Take(n, s);
  }
  size_t pos() const { return pos_; }

 private:
  bool Get(uint32_t* v, int n) {
    if (pos_ + n > b_.size()) return false;
    *v = 0;
    for (int i = 0; i < n; ++i)
      *v = (*v << 8) | static_cast<unsigned char>(b_[pos_++]);
    return true;
  }
  bool Take(size_t n, std::string* s) {
    if (pos_ + n > b_.size()) return false;
    *s = b_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  const std::string& b_;
  size_t pos_ = 0;
};

StatusOr<std::string> ProtectKey(EVP_PKEY* key, const SecretBytes& pw) {
  ASSIGN_OR_RETURN(SecretBytes plain, EncodePrivateKeyDer(key));
  unsigned char salt[kSha1Len];
  if (RAND_bytes(salt, sizeof(salt)) != 1) return OpenSslError("random salt");
  std::string s(reinterpret_cast<char*>(salt), sizeof(salt));
  std::string ks = Keystream(pw.reveal(), s, plain.size());
  std::string enc = s;
  for (size_t i = 0; i < plain.size(); ++i)
    enc += static_cast<char>(plain.reveal()[i] ^ ks[i]);
  SecureWipe(ks.data(), ks.size());
  enc += Sha1(pw.reveal(), plain.reveal());

  X509SigPtr sig(X509_SIG_new());
  X509_ALGOR* alg = nullptr;
  ASN1_OCTET_STRING* digest = nullptr;
  X509_SIG_getm(sig.get(), &alg, &digest);
  if (!X509_ALGOR_set0(alg, OBJ_txt2obj(kKeyProtectorOid, 1), V_ASN1_NULL,
                       nullptr) ||
      !ASN1_OCTET_STRING_set(digest,
                             reinterpret_cast<const unsigned char*>(enc.data()),
                             static_cast<int>(enc.size())))
    return OpenSslError("cannot build JKS key entry");
  unsigned char* der = nullptr;
  int len = i2d_X509_SIG(sig.get(), &der);
  if (len <= 0) return OpenSslError("cannot encode JKS key entry");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

StatusOr<EvpPkeyPtr> RecoverKey(const std::string& der, const SecretBytes& pw) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509SigPtr sig(d2i_X509_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) {
    ClearOpenSslErrors();
    return InvalidArgumentError("JKS key entry is malformed");
  }
  const X509_ALGOR* alg = nullptr;
  const ASN1_OCTET_STRING* digest = nullptr;
  X509_SIG_get0(sig.get(), &alg, &digest);
  char oid[80];
  OBJ_obj2txt(oid, sizeof(oid), alg->algorithm, 1);
  if (std::string(oid) != kKeyProtectorOid)
    return InvalidArgumentError(
        std::string("JKS key protected with unsupported "
                    "algorithm ") +
        oid);
  std::string enc(reinterpret_cast<const char*>(ASN1_STRING_get0_data(digest)),
                  ASN1_STRING_length(digest));
  if (enc.size() < 2 * kSha1Len)
    return InvalidArgumentError("JKS key entry is truncated");
  std::string salt = enc.substr(0, kSha1Len);
  size_t n = enc.size() - 2 * kSha1Len;
  std::string ks = Keystream(pw.reveal(), salt, n);
  std::string plain_raw(n, '\0');
  for (size_t i = 0; i < n; ++i) plain_raw[i] = enc[kSha1Len + i] ^ ks[i];
  SecretBytes plain(std::move(plain_raw));
  if (Sha1(pw.reveal(), plain.reveal()) != enc.substr(kSha1Len + n))
    return PermissionDeniedError("wrong password for JKS key entry");
  const unsigned char* kp =
      reinterpret_cast<const unsigned char*>(plain.reveal().data());
  Pkcs8PrivPtr p8(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &kp, static_cast<long>(plain.size())));
  EVP_PKEY* k = p8 ? EVP_PKCS82PKEY(p8.get()) : nullptr;
  if (k == nullptr)
    return OpenSslError("JKS key is not PKCS#8", StatusCode::kInvalidArgument);
  return EvpPkeyPtr(k);
}

uint64_t Millis(TimePoint t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          t.time_since_epoch())
          .count());
}

StatusOr<std::string> Seal(Writer w, const SecretBytes& password) {
  ASSIGN_OR_RETURN(SecretBytes pw, PasswordBytes(password));
  w.buf += Sha1(pw.reveal(), kWhitener, w.buf);
  return std::move(w.buf);
}

}  // namespace

StatusOr<std::string> EncodeJksKeystore(EVP_PKEY* key,
                                        const std::vector<X509*>& chain,
                                        const std::string& alias,
                                        const SecretBytes& password,
                                        TimePoint created) {
  if (chain.empty())
    return InvalidArgumentError(
        "a keystore needs at least the leaf certificate");
  if (!KeyMatchesCertificate(key, chain[0]))
    return InvalidArgumentError(
        "private key does not match the certificate \"" +
        SubjectText(chain[0]) + "\"");
  for (char c : alias)
    if (std::isupper(static_cast<unsigned char>(c)))
      return InvalidArgumentError(
          "JKS alias \"" + alias +
          "\" must be lower-case (Java lower-cases it)");
  if (password.empty())
    return InvalidArgumentError("JKS needs a non-empty password");
  ASSIGN_OR_RETURN(SecretBytes pw, PasswordBytes(password));
  ASSIGN_OR_RETURN(std::string protected_key, ProtectKey(key, pw));
  Writer w;
  w.U32(kMagic);
  w.U32(2);
  w.U32(1);
  w.U32(1);
  w.Utf(alias);
  w.U64(Millis(created));
  w.Bytes(protected_key);
  w.U32(static_cast<uint32_t>(chain.size()));
  for (X509* c : chain) {
    w.Utf("X.509");
    w.Bytes(EncodeCertificateDer(c));
  }
  return Seal(std::move(w), password);
}

StatusOr<std::string> EncodeJksTruststore(const std::vector<X509*>& certs,
                                          const SecretBytes& password,
                                          TimePoint created) {
  if (certs.empty())
    return InvalidArgumentError("a truststore needs at least one certificate");
  if (password.empty())
    return InvalidArgumentError("JKS needs a non-empty password");
  std::vector<X509*> unique;
  std::set<std::string> seen;
  for (X509* c : certs)
    if (seen.insert(FingerprintSha256Hex(c)).second) unique.push_back(c);
  Writer w;
  w.U32(kMagic);
  w.U32(2);
  w.U32(static_cast<uint32_t>(unique.size()));
  for (X509* c : unique) {
    w.U32(2);
    w.Utf(TrustedCertAlias(c));
    w.U64(Millis(created));
    w.Utf("X.509");
    w.Bytes(EncodeCertificateDer(c));
  }
  return Seal(std::move(w), password);
}

StatusOr<StoreContents> ParseJks(const std::string& bytes,
                                 const SecretBytes& password) {
  Reader r(bytes);
  uint32_t magic = 0, version = 0, count = 0;
  if (!r.U32(&magic)) return InvalidArgumentError("not a JKS file (too short)");
  if (magic == kJceksMagic)
    return InvalidArgumentError(
        "JCEKS keystores are not supported; use PKCS12");
  if (magic != kMagic)
    return InvalidArgumentError("not a JKS file (bad magic)");
  if (!r.U32(&version) || (version != 1 && version != 2) || !r.U32(&count))
    return InvalidArgumentError("unsupported JKS version");
  if (count > kMaxStoreEntries)
    return InvalidArgumentError("JKS file claims " + std::to_string(count) +
                                " entries, more than the limit of " +
                                std::to_string(kMaxStoreEntries));
  if (bytes.size() < kSha1Len + 12)
    return InvalidArgumentError("JKS file is truncated");
  ASSIGN_OR_RETURN(SecretBytes pw, PasswordBytes(password));
  size_t body = bytes.size() - kSha1Len;
  if (Sha1(pw.reveal(), kWhitener, bytes.substr(0, body)) != bytes.substr(body))
    return PermissionDeniedError(
        "wrong password or corrupted store (JKS integrity check failed)");

  StoreContents out;
  out.format = "JKS";
  out.protection = "JKS KeyProtector (SHA-1 keystream); SHA-1 integrity digest";
  auto truncated = [] { return InvalidArgumentError("JKS file is truncated"); };
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t tag;
    uint64_t ts;
    StoreEntry e;
    if (!r.U32(&tag) || !r.Utf(&e.alias) || !r.U64(&ts)) return truncated();
    if (tag == 1) {
      std::string der;
      uint32_t n;
      if (!r.Bytes(&der) || !r.U32(&n)) return truncated();
      if (der.size() > kMaxJksKeyBytes)
        return InvalidArgumentError(
            "JKS entry " + std::to_string(i + 1) + " holds a " +
            std::to_string(der.size()) +
            "-byte protected key, more than the limit of " +
            std::to_string(kMaxJksKeyBytes));
      if (n > kMaxChainLength)
        return InvalidArgumentError("JKS entry " + std::to_string(i + 1) +
                                    " has a chain of " + std::to_string(n) +
                                    " certificates, more than the limit of " +
                                    std::to_string(kMaxChainLength));
      e.type = EntryType::kPrivateKey;
      ASSIGN_OR_RETURN(e.key, RecoverKey(der, pw));
      for (uint32_t k = 0; k < n; ++k) {
        std::string type, cert;
        if (!r.Utf(&type) || !r.Bytes(&cert)) return truncated();
        ASSIGN_OR_RETURN(X509Ptr c, ParseCertificateDer(cert));
        e.chain.push_back(std::move(c));
      }
    } else if (tag == 2) {
      std::string type, cert;
      if (!r.Utf(&type) || !r.Bytes(&cert)) return truncated();
      e.type = EntryType::kTrustedCert;
      ASSIGN_OR_RETURN(X509Ptr c, ParseCertificateDer(cert));
      e.chain.push_back(std::move(c));
    } else {
      return InvalidArgumentError("JKS entry " + std::to_string(i + 1) +
                                  " has unknown tag " + std::to_string(tag));
    }
    if (r.pos() > body) return truncated();
    out.entries.push_back(std::move(e));
  }
  if (r.pos() != body)
    return InvalidArgumentError("JKS file has trailing bytes");
  return out;
}

}  // namespace certstore::pki
