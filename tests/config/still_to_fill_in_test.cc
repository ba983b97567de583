// StillToFillIn: what a valid configuration lacks before it can serve uploads.
#include <gtest/gtest.h>

#include "s3upload/config.h"

namespace s3upload::config {
namespace {

TEST(StillToFillIn, EmptyConfigurationNeedsAProfileAndASignRoute) {
  const Snapshot snapshot;
  const std::vector<std::string> missing = StillToFillIn(snapshot);
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_NE(missing[0].find("no profile"), std::string::npos);
  EXPECT_NE(missing[1].find("handler: sign"), std::string::npos);
}

TEST(StillToFillIn, NothingWhenAProfileHasASignRoute) {
  Snapshot snapshot;
  Profile& profile = snapshot.profiles["photos"];
  profile.name = "photos";
  Route route;
  route.handler = HandlerKind::kSign;
  route.profile = &profile;
  snapshot.routes.push_back(route);
  EXPECT_TRUE(StillToFillIn(snapshot).empty());
  snapshot.routes.front().handler = HandlerKind::kHealth;
  EXPECT_EQ(StillToFillIn(snapshot).size(), 1u);
}

}  // namespace
}  // namespace s3upload::config
