// Resolving an issuer to CA material.
#ifndef CERTSTORE_CONTROLLER_ISSUER_CA_H_
#define CERTSTORE_CONTROLLER_ISSUER_CA_H_

#include <optional>
#include <string>

#include "operator/api/types.h"
#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/controller/object_source.h"
#include "operator/pki/ca.h"

namespace certstore::controller {

constexpr char kIssuerAnnotation[] = "certstore.dev/issuer";

struct IssuerCa {
  pki::CaMaterial ca;
  // Set when a selfSigned issuer's CA was created just now: the caller must
  // write this Secret (create-only) before using `ca`.
  std::optional<api::SecretObject> created_secret;
};

// `ca_namespace` is where the CA Secret lives: the issuer's own namespace
// for a CertIssuer, the cluster resource namespace for a ClusterCertIssuer.
//   ca:         loads tls.crt (CA first, then its chain) and tls.key from the
//               Secret. NotFound if the Secret or a key is missing;
//               InvalidArgument / FailedPrecondition from pki::LoadCa,
//               prefixed with the Secret's name.
//   selfSigned: loads the CA from its Secret when it exists (never rotating
//               it), otherwise creates a new root and returns its Secret in
//               `created_secret`. A Secret that exists but does not hold a
//               valid CA is FailedPrecondition: it is never overwritten.
StatusOr<IssuerCa> ResolveIssuerCa(const api::Issuer& issuer,
                                   const std::string& ca_namespace,
                                   const ObjectSource& objects,
                                   const Clock& clock);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_ISSUER_CA_H_
