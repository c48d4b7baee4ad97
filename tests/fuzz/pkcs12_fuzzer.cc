// Fuzzes ParsePkcs12, which reads keystores and truststores from Secrets a
// tenant can write. Each input is parsed twice: as a whole with the password
// the seeds were written with ("changeit"), and split by SplitPassword into a
// password of the fuzzer's choosing and the store.
//
// Key derivation costs time linear in the iteration counts the file names.
// ParsePkcs12 refuses a count above pki::kMaxPkcs12Iterations (1,000,000)
// before deriving, but the cap is per derivation (the MAC, each encrypted
// safe, each key bag), not per file. OpenSSL 3's PBKDF2 allocates on every
// iteration, and under ASan the allocator dominates: a store at the cap
// (MAC, encrypted safe and key bag at 1,000,000) takes 1.6 s in the release
// build but 7-16 s here, so hack/lib/fuzz.sh gives this target -timeout=25.
// A mutated count breaks the MAC or the decryption right after its
// derivation, so the fuzzer rarely pays for more than one.
#include <cstddef>
#include <cstdint>
#include <string>

#include "operator/common/secret.h"
#include "operator/pki/pkcs12.h"
#include "tests/fuzz/store_walk.h"

namespace pki = certstore::pki;
using certstore::SecretBytes;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto fixed = pki::ParsePkcs12(bytes, SecretBytes("changeit"));
  if (fixed.ok()) certstore::fuzz::WalkStore(*fixed);

  std::string password, store;
  if (!certstore::fuzz::SplitPassword(bytes, &password, &store)) return 0;
  auto chosen = pki::ParsePkcs12(store, SecretBytes(password));
  if (chosen.ok()) certstore::fuzz::WalkStore(*chosen);
  return 0;
}
