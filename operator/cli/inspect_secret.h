// `kubectl certstore inspect secret/NAME`: every store in a Secret, opened
// with the Secret's own password (its `password` key, the password Secret
// its certstore.dev/password-ref annotation names, or, for a separate
// truststore Secret, its CertStore's main Secret's), then the consistency
// between the stores: keystores against tls.crt and tls.key, truststores
// against ca.crt.
#ifndef CERTSTORE_CLI_INSPECT_SECRET_H_
#define CERTSTORE_CLI_INSPECT_SECRET_H_

#include <optional>
#include <string>

#include "operator/cli/args.h"
#include "operator/common/secret.h"

namespace certstore::cli {

// `args` holds the cluster flags; `password` overrides the Secret's own.
// kExitOk when every store opens and agrees; kExitFailed when one does not
// (wrong password, mismatch); kExitUsage when the Secret (or its password
// Secret) cannot be read: not found, forbidden, no cluster.
int InspectSecret(const Args& args, const std::string& name,
                  const std::optional<SecretBytes>& password);

}  // namespace certstore::cli

#endif  // CERTSTORE_CLI_INSPECT_SECRET_H_
