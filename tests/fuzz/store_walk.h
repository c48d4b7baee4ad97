// Shared by the keystore fuzzers: what `inspect`, the store check and the
// inventory do with a parsed keystore or truststore.
#ifndef CERTSTORE_TESTS_FUZZ_STORE_WALK_H_
#define CERTSTORE_TESTS_FUZZ_STORE_WALK_H_

#include "operator/pki/certificate.h"
#include "operator/pki/key.h"
#include "operator/pki/store.h"

namespace certstore::fuzz {

inline void WalkStore(const pki::StoreContents& contents) {
  for (const auto& entry : contents.entries) {
    (void)pki::EntryTypeName(entry.type);
    if (entry.key) (void)pki::KeyDescription(entry.key.get());
    for (const auto& cert : entry.chain) {
      (void)pki::DescribeCertificate(cert.get());
      if (entry.key)
        (void)pki::KeyMatchesCertificate(entry.key.get(), cert.get());
    }
  }
}

// Splits `data` into a password and the bytes after it, for a second parse
// whose password the fuzzer chooses: the low four bits of the first byte are
// the password's length (0-15), the password follows, then the store.
// False when `data` is too short.
inline bool SplitPassword(const std::string& data, std::string* password,
                          std::string* rest) {
  if (data.empty()) return false;
  size_t n = static_cast<unsigned char>(data[0]) & 0x0F;
  if (data.size() < 1 + n) return false;
  *password = data.substr(1, n);
  *rest = data.substr(1 + n);
  return true;
}

}  // namespace certstore::fuzz

#endif  // CERTSTORE_TESTS_FUZZ_STORE_WALK_H_
