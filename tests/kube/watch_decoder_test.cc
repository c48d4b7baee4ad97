#include <gtest/gtest.h>

#include "operator/kube/watch.h"

namespace certstore::kube {
namespace {

std::string Event(const std::string& type, const std::string& name,
                  const std::string& rv) {
  return "{\"type\":\"" + type +
         "\",\"object\":{\"kind\":\"Secret\",\"metadata\":{\"name\":\"" + name +
         "\",\"namespace\":\"demo\",\"resourceVersion\":\"" + rv +
         "\",\"labels\":{\"a\":\"b\"}}}}\n";
}

TEST(WatchDecoderTest, HandlesSplitLinesAndManyEventsPerChunk) {
  std::string stream =
      Event("ADDED", "one", "10") + Event("MODIFIED", "one", "11") +
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

// A Secret carrying a tenant's bytes: 64 KiB of data, ownerReferences.
std::string SecretEvent(const std::string& name, const std::string& owner_uid) {
  return "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Secret\",\"metadata\":{"
         "\"name\":\"" +
         name +
         "\",\"namespace\":\"demo\",\"resourceVersion\":\"5\","
         "\"ownerReferences\":[{"
         "\"apiVersion\":\"certstore.dev/"
         "v1alpha1\",\"kind\":\"CertStore\",\"name\":\"app\","
         "\"uid\":\"" +
         owner_uid +
         "\",\"controller\":true},{\"apiVersion\":\"v1\",\"kind\":"
         "\"ConfigMap\","
         "\"name\":\"x\",\"uid\":\"u2\"}]},\"data\":{\"big\":\"" +
         std::string(64 * 1024, 'A') + "\"},\"stringData\":{\"s\":\"t\"}}}\n";
}

// Bytes the operator does not own never reach its memory: the filter sees
// the metadata (owners included) and refused objects lose their payload
// before anyone holds them.
TEST(WatchDecoderTest, APayloadFilterDropsTheDataOfObjectsItRefuses) {
  PayloadFilter filter;
  filter.fields = {"data", "stringData"};
  std::vector<ObjectMeta> seen;
  filter.keep = [&](const ObjectMeta& m) {
    seen.push_back(m);
    return m.owners.size() == 2 && m.owners[0].controller &&
           m.owners[0].uid == "ours";
  };
  WatchDecoder d(&filter);
  std::vector<WatchEvent> events;
  ASSERT_TRUE(
      d.Feed(SecretEvent("kept", "ours") + SecretEvent("dropped", "theirs"),
             &events)
          .ok());
  ASSERT_EQ(events.size(), 2u);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].owners[0].kind, "CertStore");
  EXPECT_EQ(seen[0].owners[0].api_version, "certstore.dev/v1alpha1");
  EXPECT_EQ(seen[0].owners[0].name, "app");
  EXPECT_FALSE(seen[0].owners[1].controller);
  EXPECT_FALSE(events[0].partial);
  EXPECT_NE(events[0].object.find("\"big\""), std::string::npos);
  EXPECT_TRUE(events[1].partial);
  EXPECT_EQ(events[1].object.find("\"data\""), std::string::npos)
      << events[1].object.size();
  EXPECT_EQ(events[1].object.find("stringData"), std::string::npos);
  EXPECT_LT(events[1].object.size(), 1024u);
  EXPECT_EQ(events[1].meta.name, "dropped");    // the metadata skeleton stays
  EXPECT_EQ(events[1].meta.owners.size(), 1u);  // the controller reference only
  EXPECT_EQ(events[1].meta.owners[0].uid, "theirs");
  EXPECT_EQ(events[1].object.find("ConfigMap"), std::string::npos)
      << events[1].object;
}

// A refused object keeps only a metadata skeleton: a tenant's labels and
// annotations (up to 1.5 MB of them) are not cached either; and an object
// over the size limit is refused whatever `keep` says.
TEST(WatchDecoderTest, ARefusedObjectKeepsOnlyAMetadataSkeleton) {
  PayloadFilter filter;
  filter.fields = {"data"};
  filter.labels = {"app.kubernetes.io/managed-by"};
  filter.annotations = {"certstore.dev/certstore"};
  filter.max_kept_bytes = 1000;
  bool accept = false;
  filter.keep = [&](const ObjectMeta&) { return accept; };
  std::string big(4096, 'L');
  std::string line =
      "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Secret\",\"metadata\":{"
      "\"name\":\"s\","
      "\"namespace\":\"demo\",\"uid\":\"u1\",\"resourceVersion\":\"9\","
      "\"labels\":{"
      "\"app.kubernetes.io/managed-by\":\"certstore-operator\",\"filler\":\"" +
      big +
      "\"},\"annotations\":{\"certstore.dev/certstore\":\"app\",\"more\":\"" +
      big + "\"}},\"data\":{\"k\":\"" + std::string(2000, 'A') + "\"}}}\n";
  for (bool keep : {false, true}) {
    SCOPED_TRACE(keep ? "keep says yes (too big anyway)" : "keep says no");
    accept = keep;
    WatchDecoder d(&filter);
    std::vector<WatchEvent> events;
    ASSERT_TRUE(d.Feed(line, &events).ok());
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(events[0].partial);
    EXPECT_LT(events[0].object.size(), 400u) << events[0].object;
    EXPECT_EQ(events[0].meta.labels.size(), 1u);
    EXPECT_EQ(events[0].meta.annotations.at("certstore.dev/certstore"), "app");
    EXPECT_EQ(events[0].meta.uid, "u1");
    EXPECT_EQ(events[0].meta.resource_version, "9");
    EXPECT_EQ(events[0].object.find("filler"), std::string::npos);
    auto meta = ParseObjectMeta(events[0].object);
    ASSERT_TRUE(meta.ok());
    EXPECT_EQ(meta->labels.at("app.kubernetes.io/managed-by"),
              "certstore-operator");
  }
}

// What the operator never reads is not kept: managedFields and kubectl's
// last-applied-configuration copy of the object.
TEST(WatchDecoderTest, DropsManagedFieldsAndLastAppliedConfiguration) {
  std::string line =
      "{\"type\":\"ADDED\",\"object\":{\"kind\":\"CertStore\",\"metadata\":{"
      "\"name\":\"a\","
      "\"resourceVersion\":\"3\",\"annotations\":{\"kubectl.kubernetes.io/"
      "last-applied-configuration\":\"{big}\",\"keep\":\"me\"},"
      "\"managedFields\":[{\"manager\":"
      "\"kubectl\"}]},\"spec\":{\"x\":1}}}\n";
  WatchDecoder d;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(d.Feed(line, &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].object.find("managedFields"), std::string::npos)
      << events[0].object;
  EXPECT_EQ(events[0].object.find("last-applied"), std::string::npos)
      << events[0].object;
  EXPECT_NE(events[0].object.find("\"keep\":\"me\""), std::string::npos)
      << events[0].object;
  EXPECT_NE(events[0].object.find("\"spec\""), std::string::npos);
  EXPECT_EQ(events[0].meta.annotations.count("keep"), 1u);
}

TEST(WatchDecoderTest, OneByteAtATime) {
  std::string stream =
      Event("ADDED", "a", "1") + "\n" + Event("ADDED", "b", "2");
  WatchDecoder d;
  std::vector<WatchEvent> events;
  for (char c : stream) ASSERT_TRUE(d.Feed(std::string(1, c), &events).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].meta.name, "b");
}

TEST(WatchDecoderTest, ErrorEventsCarryTheStatusCode) {
  WatchDecoder d;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(
      d.Feed("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,"
             "\"reason\":\"Expired\",\"message\":\"too old resource "
             "version\"}}\n",
             &events)
          .ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, WatchEvent::Type::kError);
  EXPECT_EQ(events[0].error_code, 410);
  EXPECT_EQ(events[0].error_message, "too old resource version");
}

TEST(WatchDecoderTest, RejectsGarbage) {
  struct Case {
    const char* line;
    const char* want;
  } cases[] = {
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
