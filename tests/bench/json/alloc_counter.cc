#include "tests/bench/json/alloc_counter.h"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace jsonbench {
namespace {

std::atomic<bool> g_counting{false};
std::atomic<int64_t> g_live{0}, g_peak{0}, g_count{0};

int64_t MallinfoInUse() {
  struct mallinfo2 mi = mallinfo2();
  return static_cast<int64_t>(mi.uordblks + mi.hblkhd);
}

}  // namespace

void CountAllocated(void* p) {
  if (p == nullptr || !g_counting.load(std::memory_order_relaxed)) return;
  const int64_t n = static_cast<int64_t>(malloc_usable_size(p));
  int64_t now = g_live.fetch_add(n) + n;
  g_count.fetch_add(1);
  int64_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
}

void CountFreed(void* p) {
  if (p == nullptr || !g_counting.load(std::memory_order_relaxed)) return;
  g_live.fetch_sub(malloc_usable_size(p));
}

HeapProbe::HeapProbe() {
  g_live = 0;
  g_peak = 0;
  g_count = 0;
  mallinfo_start_ = MallinfoInUse();
  g_counting = true;
}

HeapProbe::~HeapProbe() { g_counting = false; }

int64_t HeapProbe::Live() const { return g_live.load(); }
int64_t HeapProbe::Peak() const { return g_peak.load(); }
int64_t HeapProbe::Allocations() const { return g_count.load(); }
int64_t HeapProbe::MallinfoDelta() const {
  return MallinfoInUse() - mallinfo_start_;
}

void* CountingMallocAllocator::Malloc(size_t size) {
  if (size == 0) return nullptr;
  void* p = std::malloc(size);
  CountAllocated(p);
  return p;
}

void* CountingMallocAllocator::Realloc(void* p, size_t /*old_size*/,
                                       size_t new_size) {
  if (new_size == 0) {
    Free(p);
    return nullptr;
  }
  CountFreed(p);
  void* q = std::realloc(p, new_size);
  CountAllocated(q != nullptr ? q : p);
  return q;
}

void CountingMallocAllocator::Free(void* p) {
  CountFreed(p);
  std::free(p);
}

}  // namespace jsonbench

// The global replacements. The nothrow and array forms are replaced too:
// simdjson allocates with new (std::nothrow) T[].
namespace {

void* Allocate(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  jsonbench::CountAllocated(p);
  return p;
}

void* AllocateAligned(std::size_t size, std::align_val_t align) {
  std::size_t a = static_cast<std::size_t>(align);
  std::size_t rounded = (size + a - 1) / a * a;
  void* p = std::aligned_alloc(a, rounded == 0 ? a : rounded);
  jsonbench::CountAllocated(p);
  return p;
}

void Release(void* p) {
  jsonbench::CountFreed(p);
  std::free(p);
}

}  // namespace

void* operator new(std::size_t n) {
  void* p = Allocate(n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return Allocate(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return Allocate(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
  void* p = AllocateAligned(n, a);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return operator new(n, a);
}
void* operator new(std::size_t n, std::align_val_t a,
                   const std::nothrow_t&) noexcept {
  return AllocateAligned(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a,
                     const std::nothrow_t&) noexcept {
  return AllocateAligned(n, a);
}
void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, std::size_t) noexcept { Release(p); }
void operator delete[](void* p, std::size_t) noexcept { Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete(void* p, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  Release(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  Release(p);
}
void operator delete(void* p, std::align_val_t,
                     const std::nothrow_t&) noexcept {
  Release(p);
}
void operator delete[](void* p, std::align_val_t,
                       const std::nothrow_t&) noexcept {
  Release(p);
}
