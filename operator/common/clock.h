// An injectable wall clock. Production code takes a `const Clock&` so that
// tests can move time with FakeClock instead of sleeping.
#ifndef CERTSTORE_COMMON_CLOCK_H_
#define CERTSTORE_COMMON_CLOCK_H_

#include <chrono>
#include <mutex>

namespace certstore {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Current wall-clock time. Thread-safe.
  virtual TimePoint Now() const = 0;
};

// The real system clock.
class SystemClock : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance.
  static const SystemClock& Get() {
    static const SystemClock clock;
    return clock;
  }
};

// A clock that moves only when told. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override {
    std::lock_guard<std::mutex> l(mu_);
    return now_;
  }
  void Advance(std::chrono::system_clock::duration d) {
    std::lock_guard<std::mutex> l(mu_);
    now_ += d;
  }
  void Set(TimePoint t) {
    std::lock_guard<std::mutex> l(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;  // GUARDED_BY(mu_)
};

}  // namespace certstore

#endif  // CERTSTORE_COMMON_CLOCK_H_
