// Bearer credentials that change over time: projected service-account token
// files (rotated by the kubelet) and exec credential plugins.
#ifndef CERTSTORE_KUBE_CREDENTIALS_H_
#define CERTSTORE_KUBE_CREDENTIALS_H_

#include <mutex>
#include <string>

#include "operator/common/clock.h"
#include "operator/common/secret.h"
#include "operator/common/status.h"
#include "operator/kube/config.h"

namespace certstore::kube {

// Thread-safe. Returns the bearer token to send, or an empty one when the
// config authenticates otherwise.
class CredentialSource {
 public:
  CredentialSource(const ClusterConfig& config, const Clock& clock);

  // The current token: the static token; the token file's content (re-read
  // at most once a minute, as client-go does); or the exec plugin's token
  // (re-run when expired or after Invalidate()). Errors name the file or
  // command; they never include a token.
  StatusOr<SecretBytes> Token();

  // Forget cached credentials (after a 401) so the next Token() refreshes.
  void Invalidate();

 private:
  StatusOr<SecretBytes> RunExec();

  const Clock& clock_;
  std::mutex mu_;
  SecretBytes static_token_;
  std::string token_file_;
  std::optional<ExecConfig> exec_;
  SecretBytes cached_;      // GUARDED_BY(mu_)
  TimePoint cached_until_;  // GUARDED_BY(mu_)
};

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_CREDENTIALS_H_
