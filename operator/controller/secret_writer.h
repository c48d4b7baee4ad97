// Writing the objects a CertStore owns (its Secrets, its export ConfigMap):
// create when absent, update with a resourceVersion precondition when the
// content differs, never touch an object that someone else owns.
#ifndef CERTSTORE_CONTROLLER_SECRET_WRITER_H_
#define CERTSTORE_CONTROLLER_SECRET_WRITER_H_

#include <string>

#include "operator/api/types.h"
#include "operator/common/status.h"
#include "operator/engine/issuer_ca.h"
#include "operator/engine/object_source.h"
#include "operator/kube/client.h"

namespace certstore::controller {

struct OwnerRef {
  std::string api_version, kind, name, uid;
};

// The JSON of `s` with `owner` as its controller ownerReference and, when
// `resource_version` is set, that precondition.
std::string SecretJson(const api::SecretObject& s, const OwnerRef& owner,
                       const std::string& resource_version);

// Why `s` does not belong to `owner`, naming its current owner ("is
// controlled by CertStore a (uid ...)", "holds the root CA key of ..."), or
// "" when its controller ownerReference carries owner.uid. Ownership is
// the UID only: the managed-by label grants nothing.
std::string ForeignOwner(const api::SecretObject& s, const OwnerRef& owner);
std::string ForeignOwner(const api::ObjectMeta& m, const OwnerRef& owner);
// The SecretConflict message for `s` (naming it and its owner), or "" when
// it belongs to `owner`.
std::string ConflictMessage(const api::SecretObject& s, const OwnerRef& owner);

// kReplaced: deleted and created again, because its type had to change.
enum class WriteResult { kCreated, kUpdated, kReplaced, kUnchanged };

// Creates or updates `desired` so that its data, labels, annotations and
// type match; a Secret of ours whose type differs (e.g. Opaque written by an
// earlier version, now kubernetes.io/tls) is replaced: deleted with UID and
// resourceVersion preconditions, then created. FailedPrecondition when a Secret
// of that name exists whose controller ownerReference is not `owner`
// (ForeignOwner: never adopted, overwritten or deleted); InvalidArgument when
// it is ours but immutable and must change; Aborted on a concurrent change
// (re-read and retry); API errors as the client returns them. `current`, when
// given, supplies the Secret as it is now (e.g. the reconcile's
// ApiObjectSource, which already read it); else it is fetched.
StatusOr<WriteResult> WriteSecret(
    kube::Client& client, const api::SecretObject& desired,
    const OwnerRef& owner, const engine::ObjectSource* current = nullptr);

// The JSON of ConfigMap `c` (tls.cer as binaryData) with `owner` as its
// controller ownerReference and, when set, the resourceVersion precondition.
std::string ConfigMapJson(const api::ConfigMapObject& c, const OwnerRef& owner,
                          const std::string& resource_version);

// Creates or updates the export ConfigMap `desired` (engine/export.h) so
// that its data, labels and annotations match; `source` supplies it as it
// is now. FailedPrecondition (naming its owner) when a ConfigMap of that
// name exists that `owner` does not control; Aborted on a concurrent
// change; API errors as the client returns them.
StatusOr<WriteResult> WriteConfigMap(kube::Client& client,
                                     const api::ConfigMapObject& desired,
                                     const OwnerRef& owner,
                                     const engine::ObjectSource& source);

// Creates `desired` only if no Secret of that name exists: for a selfSigned
// issuer's new root CA, which must be created exactly once. When two
// reconciles race, the loser gets AlreadyExists (re-read and use the
// winner's CA) instead of overwriting a CA that may already have signed
// certificates.
Status CreateSecretOnce(kube::Client& client, const api::SecretObject& desired);

// Sets the data keys, labels and annotations of `change` on the Secret
// change.metadata.{namespace_,name}, only if it is still at
// change.metadata.resourceVersion (a JSON merge patch: every other key,
// label, annotation, ownerReference and the type stay as they are). For a
// selfSigned issuer's renewed root, written exactly once over the version
// it was made from: Aborted when the Secret changed meanwhile (re-read; the
// new version decides).
Status PatchSecretAt(kube::Client& client, const api::SecretObject& change);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_SECRET_WRITER_H_
