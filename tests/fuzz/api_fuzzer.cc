// Fuzzes the API object parser (ParseDocuments, which `kubectl-certstore
// render` runs on manifests, and ParseCertStore / ParseIssuer, which the
// operator runs on what the API server returns), then defaulting and
// validation of what parses, and ParseObservedStatus.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "operator/api/defaults.h"
#include "operator/api/hash.h"
#include "operator/api/parse.h"
#include "operator/api/validate.h"

namespace api = certstore::api;

namespace {

void Check(api::CertStore cs) {
  api::ApplyDefaults(&cs);
  (void)api::Validate(cs);
  (void)api::RenderHash(cs);
}

void Check(api::Issuer issuer) {
  api::ApplyDefaults(&issuer);
  (void)api::Validate(issuer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto docs = api::ParseDocuments(text);
  if (docs.ok()) {
    for (auto& doc : *docs) {
      if (auto* cs = std::get_if<api::CertStore>(&doc.object)) Check(*cs);
      if (auto* is = std::get_if<api::Issuer>(&doc.object)) Check(*is);
    }
  }
  auto cs = api::ParseCertStore(text);
  if (cs.ok()) Check(std::move(cs).value());
  auto issuer = api::ParseIssuer(text);
  if (issuer.ok()) Check(std::move(issuer).value());
  (void)api::ParseObservedStatus(text);
  return 0;
}
