// Polls `pred` every `step` until it holds or `timeout` passes; returns its
// last value. For waiting, with a deadline, on threads, processes or the
// API server.
#ifndef CERTSTORE_TESTS_SUPPORT_EVENTUALLY_H_
#define CERTSTORE_TESTS_SUPPORT_EVENTUALLY_H_

#include <chrono>
#include <thread>

namespace certstore {

template <typename Pred, typename Timeout>
bool Eventually(
    Pred pred, Timeout timeout,
    std::chrono::milliseconds step = std::chrono::milliseconds(100)) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(step);
  }
  return pred();
}

}  // namespace certstore

#endif  // CERTSTORE_TESTS_SUPPORT_EVENTUALLY_H_
