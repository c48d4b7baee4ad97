// Fuzzes ParseJks (JKS keystores and truststores from Secrets and `inspect`).
// Each input is parsed three times:
//   1. as it is, with the seeds' password "changeit";
//   2. with its last 20 bytes replaced by the integrity digest that
//      "changeit" gives, so that mutated entries get past the digest check
//      and reach the entry reader (a checksum fix-up, as fuzzers do for
//      CRCs; the digest is JKS's public formula, not a secret);
//   3. split by SplitPassword into a password of the fuzzer's choosing
//      (UTF-8, converted to UTF-16 by the parser) and the store.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "operator/common/secret.h"
#include "operator/pki/jks.h"
#include "operator/pki/openssl_ptr.h"
#include "tests/fuzz/store_walk.h"

namespace pki = certstore::pki;
using certstore::SecretBytes;

namespace {

constexpr size_t kDigestLen = 20;  // SHA-1

// SHA-1(UTF-16BE("changeit") || "Mighty Aphrodite" || body).
std::string ChangeitDigest(const std::string& body) {
  static const char kPassword[] = "\0c\0h\0a\0n\0g\0e\0i\0t";
  static const char kWhitener[] = "Mighty Aphrodite";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  pki::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr);
  EVP_DigestUpdate(ctx.get(), kPassword, sizeof(kPassword) - 1);
  EVP_DigestUpdate(ctx.get(), kWhitener, sizeof(kWhitener) - 1);
  EVP_DigestUpdate(ctx.get(), body.data(), body.size());
  EVP_DigestFinal_ex(ctx.get(), md, &n);
  return std::string(reinterpret_cast<char*>(md), n);
}

void Parse(const std::string& bytes, const std::string& password) {
  auto contents = pki::ParseJks(bytes, SecretBytes(password));
  if (contents.ok()) certstore::fuzz::WalkStore(*contents);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  Parse(bytes, "changeit");

  if (bytes.size() > kDigestLen) {
    std::string body = bytes.substr(0, bytes.size() - kDigestLen);
    std::string sealed = body + ChangeitDigest(body);
    if (sealed != bytes) Parse(sealed, "changeit");
  }

  std::string password, store;
  if (certstore::fuzz::SplitPassword(bytes, &password, &store))
    Parse(store, password);
  return 0;
}
