// Renders that need no store opened: sealing what a render writes, and
// recognising a CertStore whose Secrets are still sealed for exactly its
// current inputs (seal.h explains the seal and what it proves).
#ifndef CERTSTORE_ENGINE_SEALED_RENDER_H_
#define CERTSTORE_ENGINE_SEALED_RENDER_H_

#include <optional>
#include <string>

#include "operator/api/types.h"
#include "operator/common/clock.h"
#include "operator/engine/render.h"
#include "operator/engine/store_files.h"
#include "operator/pki/ca.h"

namespace certstore::engine {

// Sets kSealAnnotation on each Secret in `result` (main first, then the
// separate truststore Secret), made by a render of `cs` from `desired` with
// `password` (and the separate truststore Secret's `trust_password`). A
// render that kept a certificate of a previous root
// (held_for_rotation) or carries a warning is not sealed: the next
// reconcile checks it in full. REQUIRES: options.seal, not frozen.
void SealRenderedSecrets(const api::CertStore& cs, const DesiredStores& desired,
                         const SecretBytes& password,
                         const SecretBytes& trust_password, const SealKey& key,
                         RenderResult* result);

// The render of `cs` when every Secret it writes is outlined by `objects`
// (no read of its data) with a seal that verifies for the inputs as they
// are now (CA, trust sources, password, spec) and for options.status:
// nothing to write, the summary as status says, decision UpToDate, and the
// trust anchors to remember for the Secret that carries the truststore.
// nullopt (do the full render) when options.seal or options.status is unset,
// the render is frozen or holds a previous root's certificate, the
// certificate is due for renewal at `now`, a Secret is missing, unsealed or
// its seal does not verify, or an input cannot be read.
std::optional<RenderResult> SealedRender(const api::CertStore& cs,
                                         const pki::CaMaterial& ca,
                                         const ObjectSource& objects,
                                         TimePoint now,
                                         const RenderOptions& options);

// The fingerprints of the issuer roots an `issuer: {}` truststore of `cs`
// holds (the current root, then `previous_roots`); empty without one.
std::vector<std::string> TruststoreIssuerCas(
    const api::CertStore& cs, X509* root,
    const std::vector<X509*>& previous_roots);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_SEALED_RENDER_H_
