// /metrics at fleet size: the exposition is handed over a page at a time
// (a scrape of thousands of CertStores never holds the whole text or one
// structure per sample), yet reads as one well-formed exposition.
#include "operator/metrics/operator_metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "tests/support/inventory_fleet.h"

namespace certstore::metrics {
namespace {

// The exposition without the heap gauge, whose value moves between scrapes.
std::string WithoutHeapLines(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("certstore_heap_bytes{", 0) != 0) out += line + "\n";
  return out;
}

class ScrapeTest : public ::testing::Test {
 protected:
  static constexpr int kFleet = 2000;
  void SetUp() override {
    inv_ = testing::MakeInventory(kFleet);
    m_.AttachInventory(inv_.get());
  }
  std::unique_ptr<controller::Inventory> inv_;
  OperatorMetrics m_{"test"};
};

TEST_F(ScrapeTest, TheTextIsHandedOverAPageAtATime) {
  std::vector<std::string> pieces;
  ASSERT_TRUE(m_.ScrapeTo([&](std::string_view p) {
    pieces.emplace_back(p);
    return true;
  }));
  size_t total = 0, largest = 0;
  std::string whole;
  for (const auto& p : pieces) {
    EXPECT_FALSE(p.empty());
    total += p.size();
    largest = std::max(largest, p.size());
    whole += p;
  }
  // 2,000 CertStores are about 2.7 MB of text; no piece holds more than a
  // page of CertStores' samples (256 x 3 lines of the Ready family).
  EXPECT_GT(total, 2'000'000u);
  EXPECT_LT(largest, 256u * 1024);
  EXPECT_EQ(WithoutHeapLines(whole), WithoutHeapLines(m_.Scrape()));
}

TEST_F(ScrapeTest, EachFamilyIsWrittenOnceWithEveryCertStoreOnce) {
  std::istringstream in(m_.Scrape());
  std::set<std::string> families;
  std::string family;
  std::map<std::string, std::set<std::string>> names;  // family -> name=
  std::map<std::string, int> samples;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(families.insert(family).second) << "twice: " << family;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::string metric = line.substr(0, line.find_first_of("{ "));
    // A sample belongs to the family declared last (histograms add
    // _bucket, _sum and _count).
    ASSERT_EQ(metric.rfind(family, 0), 0u) << line;
    ++samples[metric];
    size_t n = line.find(",name=\"");
    if (n != std::string::npos && metric.find("certstore_certificate") == 0) {
      EXPECT_TRUE(names[metric]
                      .insert(line.substr(n, line.find('"', n + 7) - n))
                      .second)
          << line;
    }
  }
  for (const char* f : {"certstore_certificate_not_after_timestamp_seconds",
                        "certstore_certificate_not_before_timestamp_seconds",
                        "certstore_certificate_renewal_timestamp_seconds"}) {
    EXPECT_EQ(samples[f], kFleet) << f;
    EXPECT_EQ(names[f].size(), static_cast<size_t>(kFleet)) << f;
  }
  EXPECT_EQ(samples["certstore_ready_status"], 3 * kFleet);
  // Two CA certificates in each truststore.
  EXPECT_EQ(
      samples["certstore_truststore_certificate_not_after_timestamp_seconds"],
      2 * kFleet);
  EXPECT_EQ(samples["certstore_build_info"], 1);
  EXPECT_EQ(samples["certstore_heap_bytes"], 2);
}

TEST_F(ScrapeTest, AClientThatWentAwayEndsTheScrape) {
  int calls = 0;
  EXPECT_FALSE(m_.ScrapeTo([&](std::string_view) {
    ++calls;
    return false;
  }));
  EXPECT_EQ(calls, 1);
  calls = 0;
  // Gone in the middle of the CertStores.
  EXPECT_FALSE(m_.ScrapeTo([&](std::string_view) { return ++calls < 5; }));
  EXPECT_EQ(calls, 5);
}

TEST_F(ScrapeTest, CertStoresChangingDuringAScrapeAreNeverWrittenTwice) {
  // Between pages, CertStores before the walk's position leave and new ones
  // after it arrive: each name still appears at most once per family.
  int pieces = 0;
  std::string whole;
  ASSERT_TRUE(m_.ScrapeTo([&](std::string_view p) {
    whole += p;
    if (++pieces == 3) {
      for (int i = 0; i < 50; ++i)
        inv_->OnCertStore(testing::CertStoreObject(i), nullptr);
      for (int i = kFleet; i < kFleet + 50; ++i)
        inv_->OnCertStore(nullptr, testing::CertStoreObject(i));
    }
    return true;
  }));
  std::istringstream in(whole);
  std::set<std::string> seen;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("certstore_certificate_not_after_timestamp_seconds{", 0) ==
        0) {
      EXPECT_TRUE(seen.insert(line.substr(0, line.rfind(' '))).second) << line;
    }
  EXPECT_GE(seen.size(), static_cast<size_t>(kFleet - 50));
}

}  // namespace
}  // namespace certstore::metrics
