// Turning API server responses into Status values that tell the caller what
// to do (see operator/common/status.h for the meaning of each code).
#ifndef CERTSTORE_KUBE_API_ERROR_H_
#define CERTSTORE_KUBE_API_ERROR_H_

#include <string>

#include "operator/common/status.h"
#include "operator/kube/transport.h"

namespace certstore::kube {

// OK for 2xx. Otherwise, using the server's Status object when present:
//   400 InvalidArgument; 401 PermissionDenied ("unauthorized"); 403
//   PermissionDenied with the server's message, which names the user, verb
//   and resource; 404 NotFound; 409 AlreadyExists (reason AlreadyExists) or
//   Aborted (Conflict: re-read and retry); 410 OutOfRange (relist); 422
//   InvalidArgument listing each field cause; 429 ResourceExhausted; 504
//   DeadlineExceeded; other 5xx Unavailable.
// `what` ("create secrets demo/x") prefixes the message.
Status StatusFromResponse(const HttpResponse& resp, const std::string& what);

// Seconds from a Retry-After header, clamped to [1, 60]; 1 when absent.
int RetryAfterSeconds(const HttpResponse& resp);

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_API_ERROR_H_
