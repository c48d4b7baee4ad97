// The exposition writer: what Prometheus parses, whatever bytes a tenant's
// certificate put in a label, and nothing handed to the client until asked.
#include "operator/metrics/exposition.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace certstore::metrics {
namespace {

struct Collected {
  std::vector<std::string> pieces;
  ExpositionSink Sink() {
    return [this](std::string_view p) {
      pieces.emplace_back(p);
      return true;
    };
  }
  std::string All() const {
    std::string out;
    for (const auto& p : pieces) out += p;
    return out;
  }
};

TEST(ExpositionWriterTest, WritesFamiliesAndSamplesInTheTextFormat) {
  Collected c;
  ExpositionWriter w(c.Sink());
  w.Family("certstore_ready_status", "Ready: 1 for the current status",
           "gauge");
  w.Sample("certstore_ready_status", {{"namespace", "demo"}, {"name", "app"}},
           1, {"condition", "True"});
  w.Sample("certstore_workqueue_depth", {}, 3);
  ASSERT_TRUE(w.Flush());
  EXPECT_EQ(c.All(),
            "# HELP certstore_ready_status Ready: 1 for the current status\n"
            "# TYPE certstore_ready_status gauge\n"
            "certstore_ready_status{namespace=\"demo\",name=\"app\","
            "condition=\"True\"} 1\n"
            "certstore_workqueue_depth 3\n");
}

TEST(ExpositionWriterTest, ValuesAreWrittenAsPrometheusReadsThem) {
  struct Case {
    double value;
    const char* text;
  } cases[] = {
      {1798848000, "1798848000"},  // unix seconds: exact, no exponent
      {0.5, "0.5"},
      {0, "0"},
      {-2, "-2"},
      {1e-9, "1e-09"},
      {123456.789, "123456.789"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
  };
  for (const auto& tc : cases) {
    Collected c;
    ExpositionWriter w(c.Sink());
    w.Sample("m", {}, tc.value);
    w.Flush();
    EXPECT_EQ(c.All(), std::string("m ") + tc.text + "\n") << tc.text;
  }
}

TEST(ExpositionWriterTest, LabelValuesAreEscapedAndKeptUtf8) {
  struct Case {
    const char* what;
    std::string value;
    std::string written;
  } cases[] = {
      {"plain", "Test Root CA", "Test Root CA"},
      {"double quote", "a\"b", "a\\\"b"},
      {"backslash", "a\\b", "a\\\\b"},
      {"newline (a forged sample line)", "x\"} 1\nevil 1", "x\\\"} 1\\nevil 1"},
      {"two-byte UTF-8", "Caf\xC3\xA9", "Caf\xC3\xA9"},
      {"three-byte UTF-8", "\xE2\x82\xAC", "\xE2\x82\xAC"},
      {"four-byte UTF-8", "\xF0\x9D\x84\x9E", "\xF0\x9D\x84\x9E"},
      {"Latin-1 byte", "Caf\xE9", "Caf\xEF\xBF\xBD"},
      {"lone continuation byte", "\x80x", "\xEF\xBF\xBDx"},
      {"overlong slash", "\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"overlong three-byte", "\xE0\x80\xAF",
       "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"UTF-16 surrogate", "\xED\xA0\x80",
       "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"past U+10FFFF", "\xF4\x90\x80\x80",
       "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"cut short at the end", "ok\xE2\x82", "ok\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"NUL byte kept (valid UTF-8)", std::string("a\0b", 3),
       std::string("a\0b", 3)},
  };
  for (const auto& tc : cases) {
    Collected c;
    ExpositionWriter w(c.Sink());
    w.Sample("m", {{"subject_cn", tc.value}}, 1);
    w.Flush();
    EXPECT_EQ(c.All(), "m{subject_cn=\"" + tc.written + "\"} 1\n") << tc.what;
  }
}

TEST(ExpositionWriterTest, HelpEscapesBackslashAndNewlineButNotQuotes) {
  Collected c;
  ExpositionWriter w(c.Sink());
  w.Family("m", "say \"hi\"\\now\nthen", "counter");
  w.Flush();
  EXPECT_EQ(c.All(), "# HELP m say \"hi\"\\\\now\\nthen\n# TYPE m counter\n");
}

TEST(ExpositionWriterTest, NothingReachesTheSinkUntilFlushed) {
  Collected c;
  ExpositionWriter w(c.Sink());
  w.Family("m", "help", "gauge");
  for (int i = 0; i < 1000; ++i) w.Sample("m", {{"i", std::to_string(i)}}, i);
  EXPECT_TRUE(c.pieces.empty());
  EXPECT_GT(w.buffered(), 10000u);
  ASSERT_TRUE(w.Flush());
  ASSERT_EQ(c.pieces.size(), 1u);
  EXPECT_EQ(w.buffered(), 0u);
  EXPECT_TRUE(w.Flush());  // nothing buffered: no empty piece
  EXPECT_EQ(c.pieces.size(), 1u);
}

TEST(ExpositionWriterTest, AClientThatWentAwayGetsNothingMore) {
  int calls = 0;
  ExpositionWriter w([&](std::string_view) {
    ++calls;
    return false;
  });
  w.Sample("m", {}, 1);
  EXPECT_FALSE(w.Flush());
  EXPECT_FALSE(w.ok());
  w.Sample("m", {}, 2);
  EXPECT_FALSE(w.Flush());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(w.buffered(), 0u);  // dropped, not kept growing
}

}  // namespace
}  // namespace certstore::metrics
