#include <gtest/gtest.h>

#include "operator/kube/watch.h"

namespace certstore::kube {
namespace {

std::string Event(const std::string& type, const std::string& name, const std::string& rv) {
  return "{\"type\":\"" + type + "\",\"object\":{\"kind\":\"Secret\",\"metadata\":{\"name\":\"" +
         name + "\",\"namespace\":\"demo\",\"resourceVersion\":\"" + rv +
         "\",\"labels\":{\"a\":\"b\"}}}}\n";
}

TEST(WatchDecoderTest, HandlesSplitLinesAndManyEventsPerChunk) {
  std::string stream = Event("ADDED", "one", "10") + Event("MODIFIED", "one", "11") +
                       Event("DELETED", "one", "12") +
                       "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Secret\",\"metadata\":"
                       "{\"resourceVersion\":\"15\"}}}\n";
  // Every split point, including mid-UTF-8 and mid-token.
  for (size_t split = 0; split <= stream.size(); ++split) {
    WatchDecoder d;
    std::vector<WatchEvent> events;
    ASSERT_TRUE(d.Feed(stream.substr(0, split), &events).ok());
    ASSERT_TRUE(d.Feed(stream.substr(split), &events).ok());
    ASSERT_EQ(events.size(), 4u) << split;
    EXPECT_EQ(events[0].type, WatchEvent::Type::kAdded);
    EXPECT_EQ(events[0].meta.name, "one");
    EXPECT_EQ(events[0].meta.ns, "demo");
    EXPECT_EQ(events[0].meta.labels.at("a"), "b");
    EXPECT_EQ(events[1].meta.resource_version, "11");
    EXPECT_EQ(events[2].type, WatchEvent::Type::kDeleted);
    EXPECT_EQ(events[3].type, WatchEvent::Type::kBookmark);
    EXPECT_EQ(events[3].meta.resource_version, "15");
    EXPECT_EQ(d.pending(), 0u);
  }
}

// What the operator never reads is not kept: managedFields and kubectl's
// last-applied-configuration copy of the object.
TEST(WatchDecoderTest, DropsManagedFieldsAndLastAppliedConfiguration) {
  std::string line =
      "{\"type\":\"ADDED\",\"object\":{\"kind\":\"CertStore\",\"metadata\":{\"name\":\"a\","
      "\"resourceVersion\":\"3\",\"annotations\":{\"kubectl.kubernetes.io/"
      "last-applied-configuration\":\"{big}\",\"keep\":\"me\"},\"managedFields\":[{\"manager\":"
      "\"kubectl\"}]},\"spec\":{\"x\":1}}}\n";
  WatchDecoder d;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(d.Feed(line, &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].object.find("managedFields"), std::string::npos) << events[0].object;
  EXPECT_EQ(events[0].object.find("last-applied"), std::string::npos) << events[0].object;
  EXPECT_NE(events[0].object.find("\"keep\":\"me\""), std::string::npos) << events[0].object;
  EXPECT_NE(events[0].object.find("\"spec\""), std::string::npos);
  EXPECT_EQ(events[0].meta.annotations.count("keep"), 1u);
}

TEST(WatchDecoderTest, OneByteAtATime) {
  std::string stream = Event("ADDED", "a", "1") + "\n" + Event("ADDED", "b", "2");
  WatchDecoder d;
  std::vector<WatchEvent> events;
  for (char c : stream) ASSERT_TRUE(d.Feed(std::string(1, c), &events).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].meta.name, "b");
}

TEST(WatchDecoderTest, ErrorEventsCarryTheStatusCode) {
  WatchDecoder d;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(d.Feed("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,"
                     "\"reason\":\"Expired\",\"message\":\"too old resource version\"}}\n",
                     &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, WatchEvent::Type::kError);
  EXPECT_EQ(events[0].error_code, 410);
  EXPECT_EQ(events[0].error_message, "too old resource version");
}

TEST(WatchDecoderTest, RejectsGarbage) {
  struct Case { const char* line; const char* want; } cases[] = {
      {"not json\n", "not valid JSON"},
      {"[1,2]\n", "not a JSON object"},
      {"{\"type\":\"ADDED\"}\n", "without object"},
      {"{\"type\":\"EXPLODED\",\"object\":{}}\n", "unknown watch event type"},
  };
  for (const auto& c : cases) {
    WatchDecoder d;
    std::vector<WatchEvent> events;
    Status st = d.Feed(c.line, &events);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << c.line;
    EXPECT_NE(st.message().find(c.want), std::string::npos) << st;
  }
}

}  // namespace
}  // namespace certstore::kube
