// Where the operator keeps its seal key (engine/seal.h): data key
// kSealKeyDataKey of an immutable Secret in the cluster resource namespace,
// which only the operator (and cluster administrators) may read
// (DESIGN.md "Tenancy"). Created with a random key on first start; every
// replica and every later start reads the same one. Deleting it is safe:
// the next start makes a new key, checks every CertStore in full once and
// seals its Secrets again.
#ifndef CERTSTORE_CONTROLLER_SEAL_KEY_STORE_H_
#define CERTSTORE_CONTROLLER_SEAL_KEY_STORE_H_

#include <string>

#include "operator/common/status.h"
#include "operator/engine/seal.h"
#include "operator/kube/client.h"

namespace certstore::controller {

constexpr char kDefaultSealKeySecret[] = "certstore-operator-seal-key";
constexpr char kSealKeyDataKey[] = "seal.key";

// Reads the key from Secret ns/name; when it does not exist and `create`,
// creates it (when two replicas race, the loser reads the winner's), else
// NotFound. Errors name the Secret: InvalidArgument when it holds no key of
// the right size or is not immutable, API errors as the client returns
// them. Never logs or returns the key's bytes in a message.
StatusOr<engine::SealKey> LoadOrCreateSealKey(kube::Client& client,
                                              const std::string& ns,
                                              const std::string& name,
                                              bool create = true);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_SEAL_KEY_STORE_H_
