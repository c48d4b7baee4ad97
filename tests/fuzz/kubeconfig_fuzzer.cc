// Fuzzes ParseKubeconfig. Relative file paths (certificate-authority,
// client-key, ...) resolve against a directory that does not exist, so
// they fail as missing files; absolute paths are read as the operator would
// read them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "operator/kube/config.h"

namespace kube = certstore::kube;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)kube::ParseKubeconfig(text, "", "/nonexistent/certstore-fuzz");
  (void)kube::ParseKubeconfig(text, "fuzz", "/nonexistent/certstore-fuzz");
  return 0;
}
