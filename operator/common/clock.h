// An injectable clock: wall time for what is written down (timestamps,
// certificate validity) and monotonic time for measuring intervals (lease
// and deadline timing), which a wall-clock step must not stretch or cut.
// Production code takes a `const Clock&` so that tests can move time with
// FakeClock instead of sleeping.
#ifndef CERTSTORE_COMMON_CLOCK_H_
#define CERTSTORE_COMMON_CLOCK_H_

#include <chrono>
#include <mutex>

namespace certstore {

using TimePoint = std::chrono::system_clock::time_point;
using MonotonicTime = std::chrono::steady_clock::time_point;
using Duration = std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Current wall-clock time. Thread-safe.
  virtual TimePoint Now() const = 0;
  // Current monotonic time: only differences mean anything. Thread-safe.
  virtual MonotonicTime Monotonic() const = 0;
};

// The real system clock.
class SystemClock : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  MonotonicTime Monotonic() const override {
    return std::chrono::steady_clock::now();
  }
  // A process-wide instance.
  static const SystemClock& Get() {
    static const SystemClock clock;
    return clock;
  }
};

// A clock that moves only when told. Thread-safe. Advance() moves both
// times; Set() is a wall-clock step (monotonic time stays).
class FakeClock : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override {
    std::lock_guard<std::mutex> l(mu_);
    return now_;
  }
  MonotonicTime Monotonic() const override {
    std::lock_guard<std::mutex> l(mu_);
    return mono_;
  }
  void Advance(std::chrono::system_clock::duration d) {
    std::lock_guard<std::mutex> l(mu_);
    now_ += d;
    mono_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }
  void Set(TimePoint t) {
    std::lock_guard<std::mutex> l(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;  // GUARDED_BY(mu_)
  MonotonicTime mono_ =
      MonotonicTime() + std::chrono::hours(24);  // GUARDED_BY(mu_)
};

}  // namespace certstore

#endif  // CERTSTORE_COMMON_CLOCK_H_
