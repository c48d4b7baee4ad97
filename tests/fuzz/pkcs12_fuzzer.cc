// Fuzzes ParsePkcs12, which reads keystores and truststores from Secrets a
// tenant can write. Each input is parsed twice: as a whole with the password
// the seeds were written with ("changeit"), and split by SplitPassword into a
// password of the fuzzer's choosing and the store.
//
// Key derivation costs time linear in the iteration counts the file names;
// ParsePkcs12 refuses counts above pki::kMaxPkcs12Iterations (1,000,000,
// about a second here) before deriving, so one input costs at most a few
// derivations at that cap. Run with -timeout=10 or more.
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
