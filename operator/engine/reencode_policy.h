// Whether a Secret's stored files can be kept byte for byte or must be
// encoded afresh: an ordered chain of small checks (like the issuance policy
// chain, issuance_policy.h); the first that decides wins. Keeping bytes
// matters: every re-encode is new PBKDF2 work and a new file for kubelet to
// project, and a Secret rewritten with equal content still restarts
// workloads that watch it.
#ifndef CERTSTORE_ENGINE_REENCODE_POLICY_H_
#define CERTSTORE_ENGINE_REENCODE_POLICY_H_

#include <set>
#include <string>

#include "operator/api/types.h"
#include "operator/common/secret.h"
#include "operator/engine/store_files.h"
#include "operator/engine/verified_stores.h"
#include "operator/pki/pkcs12.h"

namespace certstore::engine {

struct ReencodeInput {
  const api::SecretObject* stored = nullptr;    // nullptr: no such Secret
  const std::set<std::string>* keys = nullptr;  // the files it must hold
  const DesiredStores* desired = nullptr;
  const SecretBytes* password = nullptr;
  pki::Pkcs12Profile profile = pki::Pkcs12Profile::kModern2023;
  bool is_main = true;
  bool new_certificate = false;              // a certificate was just issued
  std::string render_hash;                   // api::RenderHash of the CertStore
  const VerifiedStores* verified = nullptr;  // optional
};

// "" when the stored files are exactly what `desired` makes; otherwise the
// reason to re-encode, from the first check that fires: "new certificate",
// "Secret missing", "store settings changed" (render-hash annotation), then
// either a remembered write of these very bytes from the same inputs (keep,
// without decrypting) or the full file check (CheckStores: "keystore.p12 was
// modified", "tls.key missing", ...). Never includes secret material.
std::string ReencodeReason(const ReencodeInput& in);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_REENCODE_POLICY_H_
