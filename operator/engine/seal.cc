#include "operator/engine/seal.h"

#include <openssl/rand.h>

#include "operator/common/sha256.h"

namespace certstore::engine {
namespace {

constexpr char kVersion[] = "v1.";

// Length-prefixed, so no two different fact lists make the same text.
void Field(std::string* out, const std::string& v) {
  *out += std::to_string(v.size()) + ":" + v + ";";
}

void List(std::string* out, const std::vector<std::string>& v) {
  Field(out, std::to_string(v.size()));
  for (const auto& x : v) Field(out, x);
}

std::string Message(const SealFacts& f) {
  std::string m = "certstore-seal-v1;";
  Field(&m, f.ns);
  Field(&m, f.secret);
  Field(&m, f.owner_uid);
  Field(&m, f.is_main ? "main" : "truststore");
  Field(&m, f.type);
  Field(&m, f.data_digest);
  Field(&m, f.identity_hash);
  Field(&m, f.render_hash);
  const SealContent& c = f.content;
  Field(&m, c.alias);
  List(&m, std::vector<std::string>(c.keys.begin(), c.keys.end()));
  Field(&m, std::to_string(c.profile));
  Field(&m, c.leaf);
  List(&m, c.chain);
  Field(&m, c.root);
  List(&m, c.trust);
  Field(&m, c.password);
  Field(&m, f.summary);
  return m;
}

}  // namespace

StatusOr<SealKey> SealKey::FromBytes(SecretBytes bytes) {
  if (bytes.size() != kBytes)
    return InvalidArgumentError("a seal key must be " + std::to_string(kBytes) +
                                " bytes, got " + std::to_string(bytes.size()));
  return SealKey(std::move(bytes));
}

StatusOr<SealKey> SealKey::Generate() {
  std::string key(kBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()),
                 static_cast<int>(key.size())) != 1)
    return InternalError("no random bytes for the seal key");
  return SealKey(SecretBytes(std::move(key)));
}

constexpr size_t kHexBytes = 64;  // SHA-256 in hex

std::string SealKey::Seal(const SealFacts& facts) const {
  if (facts.data_digest.size() != kHexBytes) return "";
  std::string m = Message(facts);
  std::string mac = HmacSha256Hex(key_.reveal(), m);
  SecureWipe(m.data(), m.size());  // held the password's digest
  if (mac.size() != kHexBytes) return "";
  return kVersion + mac;
}

bool SealKey::Verifies(const SealFacts& facts, const std::string& seal) const {
  std::string want = Seal(facts);
  return !want.empty() && ConstantTimeEquals(want, seal);
}

}  // namespace certstore::engine
