// A transport that starts no write once this replica may no longer write:
// every request other than a read (GET, LIST, WATCH) first asks
// `write_window` how long writes may still start; at zero it is refused
// with FailedPrecondition before anything is sent, and otherwise its
// timeout is cut to that window (at least 1 s), so a write cannot still be
// waiting for an answer long after leadership may have passed to another
// replica. Checked on every attempt, so a retry after a 429 sleep is
// checked again. Leader election itself uses a transport of its own.
#ifndef CERTSTORE_KUBE_FENCED_TRANSPORT_H_
#define CERTSTORE_KUBE_FENCED_TRANSPORT_H_

#include <chrono>
#include <functional>

#include "operator/kube/transport.h"

namespace certstore::kube {

using WriteWindow = std::function<std::chrono::milliseconds()>;

TransportPtr FencedTransport(TransportPtr inner, WriteWindow write_window);

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_FENCED_TRANSPORT_H_
