// The JSON layer: what it writes the API server reads back exactly, and
// hostile text gets a clear error that never quotes it.
#include "operator/api/json.h"

#include <gtest/gtest.h>

#include <string>

namespace certstore::json {
namespace {

Document MustParse(const std::string& text) {
  std::string error;
  auto d = Document::Parse(text, &error);
  EXPECT_TRUE(d.has_value()) << error;
  if (!d) return Document();
  return std::move(*d);
}

TEST(JsonWriterTest, WritesMembersInOrderAndEscapesEveryString) {
  const std::string tricky =
      "quote\" backslash\\ nl\n tab\t ctl\x01 </script>& \xe2\x80\xa8 "
      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x90";
  Writer w;
  w.BeginObject()
      .Field("apiVersion", "v1")
      .Field("kind", "Secret")
      .Key("metadata")
      .BeginObject()
      .Field("name", tricky)
      .StringMap("labels", {{"b", "2"}, {"a", "1"}})
      .EndObject()
      .Field("count", int64_t{-7})
      .Field("ok", true)
      .Key("gone")
      .Null()
      .StringArray("list", {"x", tricky})
      .EndObject();
  std::string text = w.Take();
  EXPECT_EQ(text.rfind("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",", 0), 0u)
      << text;
  Document d = MustParse(text);
  Value root = d.Root();
  EXPECT_EQ(root["metadata"]["name"].String(), tricky);
  EXPECT_EQ(root["metadata"]["labels"].StringMap(),
            (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(root["count"].Int(), -7);
  EXPECT_TRUE(root["ok"].Bool());
  EXPECT_TRUE(root["gone"].IsNull());
  EXPECT_TRUE(root["gone"].Exists());
  EXPECT_EQ(root["list"][1].String(), tricky);
  EXPECT_EQ(root["list"].Size(), 2u);
}

TEST(JsonWriterTest, InvalidUtf8IsReplacedNotPassedOn) {
  Writer w;
  w.BeginObject()
      .Field("message", std::string("bad \xff\xfe byte"))
      .EndObject();
  std::string text = w.Take();
  EXPECT_EQ(text.find('\xff'), std::string::npos);
  Document d = MustParse(text);
  EXPECT_EQ(d.Root()["message"].String(), "bad \xef\xbf\xbd\xef\xbf\xbd byte");
}

TEST(JsonValueTest, MissingOrMistypedPathsAreNullViewsNotCrashes) {
  Document d = MustParse(
      R"({"a":{"b":[1,"two",{"c":true}]},"n":1.5,"big":18446744073709551615,)"
      R"("neg":-9223372036854775808,"s":"x","labels":{"k":"v","n":3}})");
  Value r = d.Root();
  EXPECT_FALSE(r["missing"]["deeper"][3].Exists());
  EXPECT_EQ(r["missing"].String("fallback"), "fallback");
  EXPECT_EQ(r["a"]["b"][0].Int(), 1);
  EXPECT_EQ(r["a"]["b"][1].String(), "two");
  EXPECT_TRUE(r["a"]["b"][2]["c"].Bool());
  EXPECT_FALSE(r["a"]["b"][9].Exists());
  EXPECT_FALSE(r["s"]["x"].Exists());        // member of a string
  EXPECT_FALSE(r["a"][size_t{0}].Exists());  // element of an object
  EXPECT_FALSE(r["n"].Int().has_value());    // 1.5 is not an integer
  EXPECT_FALSE(r["big"].Int().has_value());  // does not fit int64
  EXPECT_EQ(r["neg"].Int(), INT64_MIN);
  EXPECT_FALSE(r["s"].Int().has_value());
  EXPECT_EQ(r["labels"].StringMap().size(), 1u);  // n is not a string
  EXPECT_EQ(r.Members().size(), 6u);
  EXPECT_EQ(r["a"]["b"].Elements().size(), 3u);
}

TEST(JsonDocumentTest, BadTextIsRefusedWithItsOffsetAndNeverQuoted) {
  const std::string secret = "c2VjcmV0LWtleS1ieXRlcw";
  struct Case {
    const char* what;
    std::string text;
    const char* message;
  };
  const Case cases[] = {
      {"empty", "", "JSON at byte"},
      {"truncated", "{\"data\":{\"key\":\"" + secret, "JSON at byte"},
      {"trailing garbage", "{\"a\":1} " + secret, "JSON at byte"},
      {"two values", "{} {}", "JSON at byte"},
      {"NUL after the value", std::string("{}\0x", 4), "JSON at byte"},
      {"raw control character", "{\"a\":\"x\ny\"}", "JSON at byte"},
      {"invalid UTF-8", "{\"a\":\"\xff" + secret + "\"}", "JSON at byte"},
      {"lone surrogate", "{\"a\":\"\\ud800\"}", "JSON at byte"},
      {"single quotes", "{'a':1}", "JSON at byte"},
      {"comment", "{\"a\":1 /* " + secret + " */}", "JSON at byte"},
      {"too deep", std::string(65, '[') + std::string(65, ']'),
       "nested deeper than 64"},
      {"a million levels", std::string(1000000, '['), "nested deeper than 64"},
  };
  for (const Case& c : cases) {
    std::string error;
    auto d = Document::Parse(c.text, &error);
    EXPECT_FALSE(d.has_value()) << c.what;
    EXPECT_NE(error.find(c.message), std::string::npos)
        << c.what << ": " << error;
    EXPECT_EQ(error.find(secret), std::string::npos) << c.what << ": " << error;
  }
}

TEST(JsonDocumentTest, NestingUpToTheLimitAndBracketsInStringsAreFine) {
  MustParse(std::string(64, '[') + std::string(64, ']'));
  Document d = MustParse("{\"s\":\"[[[[{{{{\\\"]]]\"}");
  EXPECT_EQ(d.Root()["s"].String(), "[[[[{{{{\"]]]");
}

TEST(JsonDocumentTest, SurrogatePairsAndEscapesDecode) {
  Document d = MustParse(R"({"k":"\ud83d\udd10 \u00e9 \/ \"q\""})");
  EXPECT_EQ(d.Root()["k"].String(), "\xf0\x9f\x94\x90 \xc3\xa9 / \"q\"");
  EXPECT_EQ(MustParse(d.Root().Serialize()).Root()["k"].String(),
            d.Root()["k"].String());
}

}  // namespace
}  // namespace certstore::json
