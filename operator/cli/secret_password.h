// Reading the operator's Secrets from a cluster as the operator reads them:
// the Secret itself and the password its stores are locked with.
#ifndef CERTSTORE_CLI_SECRET_PASSWORD_H_
#define CERTSTORE_CLI_SECRET_PASSWORD_H_

#include <string>

#include "operator/api/types.h"
#include "operator/cli/cluster.h"
#include "operator/common/secret.h"
#include "operator/common/status.h"

namespace certstore::cli {

// Secret `name` in cluster.ns(), decoded. InvalidArgument for a name that
// is not a Kubernetes object name; the client's errors (NotFound,
// PermissionDenied naming the user and verb, ...) unchanged.
StatusOr<api::SecretObject> GetSecret(Cluster& cluster,
                                      const std::string& name);

// An annotation of `s`, or "".
std::string Annotation(const api::SecretObject& s, const char* key);

// The password of a Secret the operator wrote, found as the operator finds
// it: its generated `password` key; else, from the CertStore that controls
// it (ownerReference, UID checked): for a separate truststore Secret its
// spec.truststore.password (value or secretKeyRef); else the Secret its
// spec.password names, or, for a separate truststore Secret written before
// truststores had passwords of their own, its main Secret's `password` key. The
// Secret's own annotations are not followed: anyone who may edit the
// Secret may edit them. *from says where, never what. Empty (not an error)
// when there is none (PEM only, or not the operator's Secret). Errors: the
// CertStore or the password Secret cannot be read (codes as GetSecret's).
StatusOr<SecretBytes> PasswordOf(Cluster& cluster, const api::SecretObject& s,
                                 std::string* from);

}  // namespace certstore::cli

#endif  // CERTSTORE_CLI_SECRET_PASSWORD_H_
