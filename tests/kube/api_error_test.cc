#include "operator/kube/api_error.h"

#include <gtest/gtest.h>

namespace certstore::kube {
namespace {

std::string StatusBody(int code, const std::string& reason,
                       const std::string& msg) {
  return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
         "\"message\":\"" +
         msg + "\",\"reason\":\"" + reason +
         "\",\"code\":" + std::to_string(code) + "}";
}

TEST(ApiErrorTest, MapsEveryClassToWhatTheCallerShouldDo) {
  struct Case {
    int code;
    std::string reason;
    StatusCode want;
  } cases[] = {
      {400, "BadRequest", StatusCode::kInvalidArgument},
      {401, "Unauthorized", StatusCode::kPermissionDenied},
      {403, "Forbidden", StatusCode::kPermissionDenied},
      {404, "NotFound", StatusCode::kNotFound},
      {409, "AlreadyExists", StatusCode::kAlreadyExists},
      {409, "Conflict", StatusCode::kAborted},
      {410, "Expired", StatusCode::kOutOfRange},
      {422, "Invalid", StatusCode::kInvalidArgument},
      {429, "TooManyRequests", StatusCode::kResourceExhausted},
      {500, "InternalError", StatusCode::kUnavailable},
      {503, "ServiceUnavailable", StatusCode::kUnavailable},
      {504, "Timeout", StatusCode::kDeadlineExceeded},
  };
  for (const auto& c : cases) {
    HttpResponse r{c.code, StatusBody(c.code, c.reason, "server says no"), {}};
    Status st = StatusFromResponse(r, "get secrets demo/x");
    EXPECT_EQ(st.code(), c.want) << c.code << " " << c.reason;
    EXPECT_EQ(st.message().rfind("get secrets demo/x: ", 0), 0u) << st;
  }
  EXPECT_TRUE(StatusFromResponse({200, "{}", {}}, "x").ok());
  EXPECT_TRUE(StatusFromResponse({201, "{}", {}}, "x").ok());
}

TEST(ApiErrorTest, ForbiddenKeepsTheServersWordsNamingVerbAndResource) {
  HttpResponse r{
      403,
      StatusBody(
          403, "Forbidden",
          "secrets is forbidden: User \\\"system:serviceaccount:demo:app\\\" "
          "cannot list resource \\\"secrets\\\" in API group \\\"\\\" in the "
          "namespace \\\"demo\\\""),
      {}};
  Status st = StatusFromResponse(r, "list secrets demo");
  EXPECT_NE(st.message().find("cannot list resource \"secrets\""),
            std::string::npos)
      << st;
}

TEST(ApiErrorTest, NonJsonBodiesAndRetryAfter) {
  Status st =
      StatusFromResponse({502, "<html>bad gateway</html>", {}}, "get x");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.message().find("bad gateway"), std::string::npos);
  EXPECT_EQ(RetryAfterSeconds({429, "", {{"retry-after", "7"}}}), 7);
  EXPECT_EQ(RetryAfterSeconds({429, "", {{"retry-after", "9999"}}}), 60);
  EXPECT_EQ(RetryAfterSeconds({429, "", {}}), 1);
}

}  // namespace
}  // namespace certstore::kube
