#include "operator/engine/reencode_policy.h"

#include <optional>

#include "operator/engine/reasons.h"

namespace certstore::engine {
namespace {

// A check decides (a reason, or "" to keep the bytes) or passes (nullopt).
using Check = std::optional<std::string> (*)(const ReencodeInput&);

std::optional<std::string> NewCertificate(const ReencodeInput& in) {
  if (in.new_certificate) return std::string("new certificate");
  return std::nullopt;
}

std::optional<std::string> SecretMissing(const ReencodeInput& in) {
  if (!in.stored) return std::string("Secret missing");
  return std::nullopt;
}

std::optional<std::string> SettingsChanged(const ReencodeInput& in) {
  const auto& ann = in.stored->metadata.annotations;
  auto rh = ann.find(kRenderHashAnnotation);
  if (rh == ann.end() || rh->second != in.render_hash)
    return std::string("store settings changed");
  return std::nullopt;
}

std::optional<std::string> WrittenFromTheSameInputs(const ReencodeInput& in) {
  if (!in.verified) return std::nullopt;
  const api::SecretObject& s = *in.stored;
  auto e = in.verified->Find(s.metadata.namespace_ + "/" + s.metadata.name,
                             DataDigest(s.data));
  if (e &&
      e->desired_digest == DesiredDigest(*in.desired, *in.keys, *in.password,
                                         in.profile, in.is_main))
    return std::string();
  return std::nullopt;
}

std::optional<std::string> FilesDrifted(const ReencodeInput& in) {
  return CheckStores(in.stored->data, *in.keys, *in.desired, *in.password,
                     in.is_main);
}

constexpr Check kChain[] = {NewCertificate, SecretMissing, SettingsChanged,
                            WrittenFromTheSameInputs, FilesDrifted};

}  // namespace

std::string ReencodeReason(const ReencodeInput& in) {
  for (Check check : kChain) {
    if (auto verdict = check(in)) return *verdict;
  }
  return "";  // unreachable: FilesDrifted always decides
}

}  // namespace certstore::engine
